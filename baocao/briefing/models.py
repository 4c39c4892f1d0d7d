"""The quarterly briefing pack: what it contains (data an administrator can change) and its generation jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PackIndicator(models.Model):
    """One key indicator of the pack's national figures; ``rank`` also lists leading/lagging provinces."""

    code = models.CharField("mã chỉ tiêu", max_length=40, unique=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    rank = models.BooleanField("xếp hạng tỉnh", default=False, help_text="Nêu các tỉnh dẫn đầu và các tỉnh thấp nhất.")
    active = models.BooleanField("đưa vào báo cáo", default=True)

    class Meta:
        verbose_name = "chỉ tiêu trong báo cáo giao ban"
        verbose_name_plural = "chỉ tiêu trong báo cáo giao ban"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


class PackProfile(models.Model):
    """The fixed parts of the document (Decree 30/2020): place, symbol, recipients, signer.

    The issuing body itself is the ministry valid on the issue date (from the organisations table).
    """

    place = models.CharField("địa danh", max_length=60, default="Hà Nội")
    symbol_type = models.CharField("viết tắt tên loại văn bản", max_length=10, default="BC")
    recipients = models.TextField(
        "nơi nhận", help_text="Mỗi dòng một nơi nhận; dòng cuối thường là “Lưu: VT, …”."
    )
    signer_title = models.CharField("quyền hạn, chức vụ người ký", max_length=120, default="KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG")
    signer_name = models.CharField("họ tên người ký", max_length=120, blank=True)
    top_provinces = models.PositiveSmallIntegerField("số tỉnh dẫn đầu/thấp nhất nêu tên", default=5)
    max_open_items = models.PositiveSmallIntegerField("số kiến nghị còn mở liệt kê", default=15)

    class Meta:
        verbose_name = "thể thức báo cáo giao ban"
        verbose_name_plural = "thể thức báo cáo giao ban"

    def __str__(self) -> str:
        return f"{self.symbol_type} – {self.place}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang tạo"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class BriefingJob(models.Model):
    period = models.CharField("kỳ", max_length=12)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người yêu cầu", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    task_id = models.CharField("mã công việc nền", max_length=64, blank=True)
    docx_path = models.CharField("tệp .docx", max_length=300, blank=True)
    pdf_path = models.CharField("tệp .pdf", max_length=300, blank=True)
    pdf_error = models.TextField("lý do không có PDF", blank=True)
    error = models.TextField("lỗi", blank=True)

    class Meta:
        verbose_name = "lần tạo báo cáo giao ban"
        verbose_name_plural = "các lần tạo báo cáo giao ban"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period} ({self.get_status_display()})"
