"""Reports stored for review: the document (text, content hash) and every extracted item.

``baocao ingest`` and the upload page store a document and its items with status "pending"; the
review step accepts, edits or rejects each item (accepted figures become data values with source
"extraction" and provenance = document + span; accepted asks and tasks become recommendation or
directive records). The same file ingested twice is the same document (``sha256`` of its bytes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ItemKind(models.TextChoices):
    FACT = "fact", "Số liệu"
    RECOMMENDATION = "recommendation", "Kiến nghị"
    DIRECTIVE = "directive", "Chỉ đạo, nhiệm vụ"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Chờ duyệt"
    ACCEPTED = "accepted", "Đã chấp nhận"
    EDITED = "edited", "Đã sửa và chấp nhận"
    REJECTED = "rejected", "Đã loại"


class SourceDocument(models.Model):
    sha256 = models.CharField("mã băm nội dung", max_length=64, unique=True)
    name = models.CharField("tên tệp", max_length=255)
    fmt = models.CharField("định dạng", max_length=8)
    encoding = models.CharField("bảng mã", max_length=20, default="utf-8")
    size = models.PositiveIntegerField("kích thước (byte)")
    text = models.TextField("văn bản", help_text="Văn bản mà các vị trí (start/end) trỏ vào.")
    province = models.CharField("tỉnh/phạm vi (trích xuất)", max_length=100, blank=True)
    period = models.CharField("kỳ (trích xuất)", max_length=12, blank=True)
    event_date = models.DateField("ngày sự kiện", null=True, blank=True)
    catalog_source = models.CharField("nguồn danh mục chỉ tiêu", max_length=12, blank=True)
    extractor_version = models.PositiveSmallIntegerField("phiên bản bộ trích xuất", default=1)
    result = models.JSONField("kết quả trích xuất", default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tải lên", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "văn bản trích xuất"
        verbose_name_plural = "văn bản trích xuất"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name


class ExtractedItem(models.Model):
    document = models.ForeignKey(SourceDocument, verbose_name="văn bản", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("loại", max_length=16, choices=ItemKind.choices)
    start = models.PositiveIntegerField("vị trí đầu")
    end = models.PositiveIntegerField("vị trí cuối")
    quote = models.TextField("trích dẫn")
    data = models.JSONField("nội dung trích xuất", default=dict)
    status = models.CharField("trạng thái", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    edited = models.JSONField("nội dung đã sửa", null=True, blank=True)
    target = models.JSONField("bản ghi tạo ra", null=True, blank=True, help_text="Số liệu hoặc kiến nghị tạo ra khi chấp nhận.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người duyệt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("duyệt lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mục trích xuất"
        verbose_name_plural = "mục trích xuất"
        ordering = ["document", "start", "id"]
        indexes = [models.Index(fields=["document", "kind", "status"], name="extr_item_doc_kind_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.quote[:60]}"

    @property
    def who(self) -> str:
        """Who sent the recommendation or gave the directive, as extracted."""
        return self.data.get("from") or self.data.get("by") or ""

    @property
    def addressee(self) -> str:
        return self.data.get("to") or ""
