"""Per-user API tokens.

A token acts exactly as its user (same role, same province scope). Only the SHA-256 hash of the
token is stored; the token itself is shown once, when it is created (``services.create_token``).
The ``prefix`` (the first characters of the token) finds the row; the hash proves the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="người dùng", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=100, help_text="Ví dụ “cổng báo cáo của tỉnh”")
    prefix = models.CharField("tiền tố", max_length=16, unique=True, editable=False)
    hash = models.CharField("mã băm SHA-256", max_length=64, editable=False)
    created_at = models.DateTimeField("tạo lúc", default=timezone.now, editable=False)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True, editable=False)
    expires_at = models.DateTimeField("hết hạn lúc", null=True, blank=True, help_text="Để trống: không hết hạn")
    revoked = models.BooleanField("đã thu hồi", default=False)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "khóa API"
        verbose_name_plural = "khóa API"
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def active(self) -> bool:
        return not self.revoked and not self.expired
