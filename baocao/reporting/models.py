"""Periodic reporting: report forms as versioned data, submissions and their workflow, signing keys.

A ``ReportForm`` (biểu mẫu) belongs to a regime and a period type. What it asks for lives in its
``FormVersion`` rows: a version applies from ``valid_from`` (to ``valid_to``), so changing a form means
adding a version from a date; a ``Submission`` points to the version it was made under and is never
rewritten by a later version. A version has ordered ``FormSection`` rows of ``FormItem`` rows
(indicator + disaggregation).

A ``Submission`` is one (form, province, period) report: draft → submitted → accepted, or returned
→ draft again; accepted reports are locked (an administrator reopens them with a reason). Every
transition is a ``SubmissionEvent`` row. On submission the values are frozen as a canonical JSON
snapshot with its SHA-256 digest and, when the department has a ``DepartmentKey``, an Ed25519
signature.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from baocao.catalog.models import UnicodeJSONEncoder
from baocao.periods.models import PeriodType


class ReportForm(models.Model):
    code = models.CharField("mã biểu", max_length=40, unique=True)
    symbol = models.CharField("ký hiệu biểu", max_length=40, help_text="Ví dụ “01/KHCN-CĐS-Q”")
    title = models.CharField("tên biểu", max_length=250)
    regime = models.ForeignKey(
        "periods.Regime", verbose_name="chế độ báo cáo", on_delete=models.PROTECT, related_name="forms"
    )
    period_type = models.CharField("loại kỳ", max_length=12, choices=PeriodType.choices)
    reporter_domain = models.CharField(
        "lĩnh vực của sở báo cáo",
        max_length=20,
        blank=True,
        help_text="Để trống: sở chủ trì ngành TT&TT của tỉnh (Sở TT&TT, từ 01/03/2025 Sở KH&CN).",
    )
    active = models.BooleanField("đang dùng", default=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "biểu mẫu báo cáo"
        verbose_name_plural = "biểu mẫu báo cáo"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.symbol} – {self.title}"


class FormVersionQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> FormVersionQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class FormVersion(models.Model):
    form = models.ForeignKey(ReportForm, verbose_name="biểu mẫu", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField("phiên bản")
    valid_from = models.DateField("áp dụng từ", null=True, blank=True)
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    note = models.CharField("nội dung thay đổi", max_length=250, blank=True)

    objects = FormVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "phiên bản biểu mẫu"
        verbose_name_plural = "phiên bản biểu mẫu"
        ordering = ["form", "number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="uniq_form_version")]

    def __str__(self) -> str:
        return f"{self.form.symbol} v{self.number}"


class FormSection(models.Model):
    version = models.ForeignKey(FormVersion, verbose_name="phiên bản", on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    title = models.CharField("tên phần", max_length=200)

    class Meta:
        verbose_name = "phần của biểu"
        verbose_name_plural = "phần của biểu"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.title


class FormItem(models.Model):
    section = models.ForeignKey(FormSection, verbose_name="phần", on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    indicator = models.ForeignKey("catalog.Indicator", verbose_name="chỉ tiêu", on_delete=models.PROTECT, related_name="+")
    disagg = models.CharField("phân tổ", max_length=32, blank=True, default="")
    label = models.CharField("nhãn trên biểu", max_length=300, blank=True, help_text="Để trống: tên chỉ tiêu")

    class Meta:
        verbose_name = "dòng của biểu"
        verbose_name_plural = "dòng của biểu"
        ordering = ["section", "order"]
        constraints = [models.UniqueConstraint(fields=["section", "indicator", "disagg"], name="uniq_form_item")]

    def __str__(self) -> str:
        return f"{self.indicator.code}{'/' + self.disagg if self.disagg else ''}"

    @property
    def key(self) -> str:
        """The item's field key in pages, Excel and snapshots: ``CODE`` or ``CODE.disagg``."""
        return f"{self.indicator.code}.{self.disagg}" if self.disagg else self.indicator.code


class State(models.TextChoices):
    DRAFT = "draft", "Đang nhập"
    SUBMITTED = "submitted", "Đã gửi Bộ"
    ACCEPTED = "accepted", "Bộ đã chấp nhận"
    RETURNED = "returned", "Bộ trả lại"


#: States in which the department may edit values.
EDITABLE_STATES = {State.DRAFT, State.RETURNED}
#: States that count as "reported" for completeness.
SUBMITTED_STATES = {State.SUBMITTED, State.ACCEPTED}


class Submission(models.Model):
    form = models.ForeignKey(ReportForm, verbose_name="biểu mẫu", on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, verbose_name="phiên bản biểu", on_delete=models.PROTECT, related_name="submissions")
    area = models.ForeignKey("geo.AdminArea", verbose_name="tỉnh, thành phố", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name="sở báo cáo", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField("kỳ", max_length=12)
    period_type = models.CharField("loại kỳ", max_length=12)
    period_start = models.DateField("đầu kỳ")
    period_end = models.DateField("cuối kỳ")
    state = models.CharField("trạng thái", max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    first_submitted_at = models.DateTimeField("gửi lần đầu lúc", null=True, blank=True)
    submitted_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người gửi", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("Bộ xử lý lúc", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người xử lý", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField("lý do trả lại", blank=True)
    snapshot = models.JSONField("bản chốt số liệu", null=True, blank=True, encoder=UnicodeJSONEncoder)
    digest = models.CharField("mã băm SHA-256", max_length=64, blank=True)
    signature = models.CharField("chữ ký Ed25519 (base64)", max_length=200, blank=True)
    signing_key = models.ForeignKey(
        "DepartmentKey", verbose_name="khóa ký", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-period_start", "form", "area"]
        constraints = [models.UniqueConstraint(fields=["form", "area", "period"], name="uniq_submission")]

    def __str__(self) -> str:
        return f"{self.form.symbol} {self.area} {self.period}"

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES


class Action(models.TextChoices):
    CREATE = "create", "Tạo báo cáo"
    SAVE = "save", "Lưu số liệu"
    SUBMIT = "submit", "Gửi Bộ"
    ACCEPT = "accept", "Chấp nhận"
    RETURN = "return", "Trả lại"
    REOPEN = "reopen", "Mở lại"


class SubmissionEvent(models.Model):
    submission = models.ForeignKey(Submission, verbose_name="báo cáo", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("thao tác", max_length=10, choices=Action.choices)
    from_state = models.CharField("từ trạng thái", max_length=10, blank=True)
    to_state = models.CharField("sang trạng thái", max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người thực hiện", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("lúc")
    reason = models.TextField("lý do", blank=True)
    digest = models.CharField("mã băm", max_length=64, blank=True)

    class Meta:
        verbose_name = "lịch sử xử lý báo cáo"
        verbose_name_plural = "lịch sử xử lý báo cáo"
        ordering = ["submission", "at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.action} {self.at:%d/%m/%Y %H:%M}"


class DepartmentKey(models.Model):
    """An Ed25519 key pair of a department (raw keys, base64). The private key signs submissions.

    In production the private key would live in an HSM or the department's token; here it is kept
    in the database so that the server can sign on the approver's behalf.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name="sở", on_delete=models.CASCADE, related_name="+")
    public_key = models.CharField("khóa công khai (base64)", max_length=64)
    private_key = models.CharField("khóa bí mật (base64)", max_length=64, blank=True)
    active = models.BooleanField("đang dùng", default=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "khóa ký của sở"
        verbose_name_plural = "khóa ký của sở"
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.public_key[:12]}…)"
