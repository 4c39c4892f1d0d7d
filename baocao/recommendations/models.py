"""Recommendations (kiến nghị), directives (nhiệm vụ) and briefing sessions (giao ban).

A recommendation travels ``received → assigned → answered → published`` or ends ``declined``
(not within competence, duplicate of another one, other). The Ministry's office (Văn phòng Bộ)
assigns a lead unit and co-operating units; every assignment is kept as an ``Assignment`` row, every
state change as a ``RecommendationEvent``. The internal answer and the published answer are separate
texts; publishing is an explicit step.

A directive travels ``assigned → in_progress → done`` or ends ``cancelled`` (with a reason); progress
updates carry a percentage, a note and evidence files. Overdue is computed, never stored.

All writes go through ``services.py``; the models only hold data and small derived properties.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from baocao.core.text import fold


class SenderType(models.TextChoices):
    DEPARTMENT = "department", "Sở"
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    CITIZEN = "citizen", "Người dân"
    ORGANISATION = "organisation", "Tổ chức"


class Addressee(models.TextChoices):
    MINISTRY = "ministry", "Bộ"
    PEOPLES_COMMITTEE = "peoples_committee", "Ủy ban nhân dân tỉnh"
    GOVERNMENT = "government", "Chính phủ"
    OTHER = "other", "Cơ quan khác"


class RecState(models.TextChoices):
    RECEIVED = "received", "Đã tiếp nhận"
    ASSIGNED = "assigned", "Đã giao xử lý"
    ANSWERED = "answered", "Đã trả lời"
    PUBLISHED = "published", "Đã công khai"
    DECLINED = "declined", "Không xử lý"


OPEN_REC_STATES = (RecState.RECEIVED, RecState.ASSIGNED)


class DeclineReason(models.TextChoices):
    OUT_OF_COMPETENCE = "out_of_competence", "Không thuộc thẩm quyền"
    DUPLICATE = "duplicate", "Trùng với kiến nghị khác"
    OTHER = "other", "Lý do khác"


class DirState(models.TextChoices):
    ASSIGNED = "assigned", "Đã giao"
    IN_PROGRESS = "in_progress", "Đang thực hiện"
    DONE = "done", "Hoàn thành"
    CANCELLED = "cancelled", "Đã hủy"


OPEN_DIR_STATES = (DirState.ASSIGNED, DirState.IN_PROGRESS)


class DueRuleKind(models.TextChoices):
    RECOMMENDATION = "recommendation", "Kiến nghị"
    DIRECTIVE = "directive", "Nhiệm vụ"


class DueDateRule(models.Model):
    """How many working days a unit has, counted from the day of receipt (or of the directive).

    The row without a domain is the default for its kind; a row with a domain overrides it.
    """

    kind = models.CharField("áp dụng cho", max_length=20, choices=DueRuleKind.choices, default=DueRuleKind.RECOMMENDATION)
    domain = models.ForeignKey(
        "catalog.Domain", verbose_name="lĩnh vực", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    working_days = models.PositiveSmallIntegerField("số ngày làm việc", default=15)
    note = models.CharField("ghi chú", max_length=250, blank=True)

    class Meta:
        verbose_name = "quy định thời hạn xử lý"
        verbose_name_plural = "quy định thời hạn xử lý"
        constraints = [models.UniqueConstraint(fields=["kind", "domain"], name="uniq_due_rule_kind_domain")]

    def __str__(self) -> str:
        scope = self.domain.name if self.domain_id else "mặc định"
        return f"{self.get_kind_display()} / {scope}: {self.working_days} ngày làm việc"


class BriefingSession(models.Model):
    title = models.CharField("tên phiên giao ban", max_length=250)
    date = models.DateField("ngày họp")
    chair = models.CharField("người chủ trì", max_length=160)
    chair_title = models.CharField("chức vụ người chủ trì", max_length=160, blank=True)
    participants = models.TextField("thành phần tham dự", blank=True)
    connection_points = models.PositiveIntegerField("số điểm cầu", default=0)
    location = models.CharField("địa điểm", max_length=250, blank=True)
    conclusions = models.TextField("kết luận", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "phiên giao ban"
        verbose_name_plural = "phiên giao ban"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d/%m/%Y})"


class Recommendation(models.Model):
    title = models.CharField("tiêu đề", max_length=250)
    text = models.TextField("nội dung kiến nghị")
    search_folded = models.TextField("nội dung không dấu (tìm kiếm)", blank=True, editable=False)
    sender_type = models.CharField("loại người gửi", max_length=20, choices=SenderType.choices, db_index=True)
    sender_org = models.ForeignKey(
        "orgs.Organisation", verbose_name="cơ quan gửi", null=True, blank=True, on_delete=models.PROTECT, related_name="sent_recommendations"
    )
    sender_name = models.CharField("tên người/tổ chức gửi", max_length=250, blank=True)
    sender_email = models.EmailField("thư điện tử người gửi", blank=True)
    area = models.ForeignKey(
        "geo.AdminArea", verbose_name="tỉnh, thành phố", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    addressee = models.CharField("gửi đến", max_length=20, choices=Addressee.choices, default=Addressee.MINISTRY)
    domain = models.ForeignKey(
        "catalog.Domain", verbose_name="lĩnh vực", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        BriefingSession, verbose_name="phiên giao ban", null=True, blank=True, on_delete=models.SET_NULL, related_name="recommendations"
    )
    source_document = models.CharField("văn bản nguồn", max_length=250, blank=True)
    source = models.JSONField(
        "trích từ báo cáo", null=True, blank=True, help_text="Nguồn gốc khi trích từ báo cáo: mã băm văn bản, vị trí đoạn văn"
    )
    state = models.CharField("trạng thái", max_length=12, choices=RecState.choices, default=RecState.RECEIVED, db_index=True)
    received_on = models.DateField("ngày tiếp nhận", db_index=True)
    due_on = models.DateField("hạn trả lời", null=True, blank=True, db_index=True)
    lead_unit = models.ForeignKey(
        "orgs.Organisation", verbose_name="đơn vị chủ trì", null=True, blank=True, on_delete=models.PROTECT, related_name="led_recommendations"
    )
    co_units = models.ManyToManyField(
        "orgs.Organisation", verbose_name="đơn vị phối hợp", blank=True, related_name="cooperating_recommendations"
    )
    internal_answer = models.TextField("nội dung trả lời (nội bộ)", blank=True)
    public_answer = models.TextField("nội dung trả lời công khai", blank=True)
    answered_on = models.DateField("ngày trả lời", null=True, blank=True)
    resolved_on = models.DateField("ngày giải quyết xong", null=True, blank=True, help_text="Ngày trả lời hoặc ngày quyết định không xử lý")
    published_on = models.DateField("ngày công khai", null=True, blank=True)
    decline_reason = models.CharField("lý do không xử lý", max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField("giải thích", blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name="trùng với", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "kiến nghị"
        verbose_name_plural = "kiến nghị"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"KN-{self.received_on:%Y}-{self.pk or 0:05d}"

    @property
    def sender_display(self) -> str:
        if self.sender_org_id:
            return self.sender_org.name
        return self.sender_name

    def refresh_search(self) -> None:
        parts = [self.title, self.text, self.public_answer, self.sender_name]
        if self.sender_org_id:
            parts.append(self.sender_org.name)
        self.search_folded = fold(" ".join(p for p in parts if p))

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state in OPEN_REC_STATES and self.due_on is not None and self.due_on < today

    @property
    def answered_on_time(self) -> bool | None:
        if not self.answered_on or not self.due_on:
            return None
        return self.answered_on <= self.due_on


class Assignment(models.Model):
    """One assignment of a recommendation to a lead unit; a reassignment adds a row and closes the old one."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="assignments")
    lead_unit = models.ForeignKey("orgs.Organisation", verbose_name="đơn vị chủ trì", on_delete=models.PROTECT, related_name="+")
    co_units = models.ManyToManyField("orgs.Organisation", verbose_name="đơn vị phối hợp", blank=True, related_name="+")
    due_on = models.DateField("hạn trả lời")
    note = models.TextField("ghi chú", blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lượt giao xử lý"
        verbose_name_plural = "lượt giao xử lý"
        ordering = ["assigned_at", "id"]

    def __str__(self) -> str:
        return f"{self.recommendation_id} → {self.lead_unit}"


class RecommendationEvent(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", "Tiếp nhận"
        ASSIGNED = "assigned", "Giao xử lý"
        REASSIGNED = "reassigned", "Giao lại"
        ANSWERED = "answered", "Trả lời"
        PUBLISHED = "published", "Công khai"
        DECLINED = "declined", "Không xử lý"
        ATTACHED = "attached", "Đính kèm tệp"

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    from_state = models.CharField(max_length=12, choices=RecState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=RecState.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = "lịch sử xử lý"
        verbose_name_plural = "lịch sử xử lý"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.action}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"kien-nghi/{instance.recommendation_id}/{filename}"


class Attachment(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("tệp", upload_to=_attachment_path, max_length=300)
    name = models.CharField("tên tệp", max_length=250)
    size = models.PositiveIntegerField("dung lượng (byte)", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "tệp đính kèm"
        verbose_name_plural = "tệp đính kèm"

    def __str__(self) -> str:
        return self.name


class Directive(models.Model):
    title = models.CharField("nội dung nhiệm vụ", max_length=500)
    detail = models.TextField("chi tiết", blank=True)
    search_folded = models.TextField(blank=True, editable=False)
    leader_name = models.CharField("lãnh đạo giao", max_length=160)
    leader_title = models.CharField("chức vụ", max_length=160, blank=True)
    session = models.ForeignKey(
        BriefingSession, verbose_name="phiên giao ban", null=True, blank=True, on_delete=models.SET_NULL, related_name="directives"
    )
    meeting = models.CharField("cuộc họp", max_length=250, blank=True)
    document = models.CharField("văn bản giao", max_length=250, blank=True, help_text="Số, ký hiệu văn bản (ví dụ Thông báo kết luận)")
    source = models.JSONField("trích từ báo cáo", null=True, blank=True)
    domain = models.ForeignKey(
        "catalog.Domain", verbose_name="lĩnh vực", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignees = models.ManyToManyField("orgs.Organisation", verbose_name="đơn vị thực hiện", related_name="directives")
    recommendation = models.ForeignKey(
        Recommendation, verbose_name="kiến nghị liên quan", null=True, blank=True, on_delete=models.SET_NULL, related_name="directives"
    )
    given_on = models.DateField("ngày giao")
    due_on = models.DateField("hạn hoàn thành", db_index=True)
    state = models.CharField("trạng thái", max_length=12, choices=DirState.choices, default=DirState.ASSIGNED, db_index=True)
    percent = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    done_on = models.DateField("ngày hoàn thành", null=True, blank=True)
    cancel_reason = models.TextField("lý do hủy", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "nhiệm vụ"
        verbose_name_plural = "nhiệm vụ"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"NV-{self.given_on:%Y}-{self.pk or 0:05d}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state in OPEN_DIR_STATES and self.due_on < today

    def refresh_search(self) -> None:
        self.search_folded = fold(f"{self.title} {self.detail}")


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"nhiem-vu/{instance.update.directive_id}/{filename}"


class ProgressUpdate(models.Model):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="updates")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name="đơn vị báo cáo", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    percent = models.PositiveSmallIntegerField("tiến độ (%)")
    note = models.TextField("nội dung")
    from_state = models.CharField(max_length=12, choices=DirState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=DirState.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "cập nhật tiến độ"
        verbose_name_plural = "cập nhật tiến độ"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.directive_id}: {self.percent}%"


class Evidence(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("tệp minh chứng", upload_to=_evidence_path, max_length=300)
    name = models.CharField("tên tệp", max_length=250)
    size = models.PositiveIntegerField("dung lượng (byte)", default=0)

    class Meta:
        verbose_name = "minh chứng"
        verbose_name_plural = "minh chứng"

    def __str__(self) -> str:
        return self.name
