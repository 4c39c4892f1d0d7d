"""The audit log: one append-only row per data change, workflow transition, login or export."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Keep Vietnamese text readable in the JSON column."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Action(models.TextChoices):
    """Known action codes (others may be recorded too; the admin shows the code then)."""

    LOGIN = "login", "Đăng nhập"
    LOGIN_FAILED = "login_failed", "Đăng nhập không thành công"
    LOGOUT = "logout", "Đăng xuất"
    VALUE_CREATE = "value.create", "Thêm số liệu"
    VALUE_UPDATE = "value.update", "Sửa số liệu"
    VALUE_DELETE = "value.delete", "Xóa số liệu"
    SUBMISSION_SAVE = "submission.save", "Lưu nháp báo cáo"
    SUBMISSION_SUBMIT = "submission.submit", "Gửi báo cáo"
    SUBMISSION_ACCEPT = "submission.accept", "Tiếp nhận báo cáo"
    SUBMISSION_RETURN = "submission.return", "Trả lại báo cáo"
    SUBMISSION_REOPEN = "submission.reopen", "Mở lại báo cáo"
    EXCEL_UPLOAD = "excel.upload", "Tải lên tệp Excel"
    EXCEL_DOWNLOAD = "excel.download", "Tải xuống biểu mẫu Excel"
    EXPORT = "export", "Xuất dữ liệu"
    RULE_CHANGE = "rule.change", "Sửa quy tắc kiểm tra"
    CONFIG_CHANGE = "config.change", "Thay đổi cấu hình"


ACTION_LABELS = dict(Action.choices)


class AuditQuerySet(models.QuerySet):
    """No bulk update or delete: the log is append-only."""

    def update(self, **kwargs):
        raise ValueError("Nhật ký hệ thống chỉ được ghi thêm, không được sửa")

    def delete(self):
        raise ValueError("Nhật ký hệ thống chỉ được ghi thêm, không được xóa")


class AuditEvent(models.Model):
    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người thực hiện", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_label = models.CharField("tên đăng nhập", max_length=150, blank=True, db_index=True)
    action = models.CharField("thao tác", max_length=40, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=80, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=64, blank=True)
    object_label = models.CharField("đối tượng", max_length=300, blank=True)
    area = models.ForeignKey(
        "geo.AdminArea", verbose_name="tỉnh/thành phố", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    details = models.JSONField("chi tiết", default=dict, blank=True, encoder=UnicodeJSONEncoder)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký hệ thống"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["area", "at"], name="audit_area_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label or '—'} {self.action} {self.object_label}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Nhật ký hệ thống chỉ được ghi thêm, không được sửa")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Nhật ký hệ thống chỉ được ghi thêm, không được xóa")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)
