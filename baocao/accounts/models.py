"""Who a user is in the sector: their organisation and role.

Scope rules (who may read or write what) are derived from the profile in ``services.py``; views and
API endpoints never test roles themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    PROVINCE_REPORTER = "province_reporter", "Chuyên viên Sở"
    PROVINCE_APPROVER = "province_approver", "Lãnh đạo Sở"
    MINISTRY_OFFICER = "ministry_officer", "Chuyên viên Bộ"
    MINISTRY_UNIT = "ministry_unit", "Cán bộ đơn vị thuộc Bộ"
    MINISTRY_ADMIN = "ministry_admin", "Quản trị hệ thống"


PROVINCE_ROLES = {Role.PROVINCE_REPORTER, Role.PROVINCE_APPROVER}
MINISTRY_ROLES = {Role.MINISTRY_OFFICER, Role.MINISTRY_UNIT, Role.MINISTRY_ADMIN}


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name="cơ quan, đơn vị", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    area = models.ForeignKey(
        "geo.AdminArea",
        verbose_name="tỉnh, thành phố",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Tỉnh/thành phố của người dùng cấp Sở",
    )
    title = models.CharField("chức vụ", max_length=120, blank=True)

    class Meta:
        verbose_name = "hồ sơ người dùng"
        verbose_name_plural = "hồ sơ người dùng"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_province(self) -> bool:
        return self.role in PROVINCE_ROLES

    @property
    def is_ministry(self) -> bool:
        return self.role in MINISTRY_ROLES
