"""Organisations that report, answer and direct, each with validity dates.

The Ministry is one organisation row per name: Bộ TT&TT until 28/02/2025, Bộ KH&CN from 01/03/2025
(press, publishing and grassroots information went to Bộ VHTTDL). Provincial departments are rows
per (province, name, interval): Sở TT&TT until 28/02/2025, then Sở KH&CN (post, telecom, IT,
digital transformation) and Sở VHTTDL (press, publishing, grassroots information).
"""

from __future__ import annotations

from django.db import models

from baocao.core.validity import ValidityMixin, ValidityQuerySet


class OrgKind(models.TextChoices):
    GOVERNMENT = "government", "Chính phủ"
    MINISTRY = "ministry", "Bộ"
    MINISTRY_UNIT = "ministry_unit", "Đơn vị thuộc Bộ"
    PEOPLES_COMMITTEE = "peoples_committee", "Ủy ban nhân dân"
    DEPARTMENT = "department", "Sở"
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    PRESS = "press", "Cơ quan báo chí"
    OTHER = "other", "Khác"


class OrgQuerySet(ValidityQuerySet):
    pass


class Organisation(ValidityMixin, models.Model):
    uid = models.CharField("mã định danh", max_length=40, unique=True)
    name = models.CharField("tên", max_length=250)
    short_name = models.CharField("tên viết tắt", max_length=80, blank=True)
    name_en = models.CharField("tên tiếng Anh", max_length=250, blank=True)
    kind = models.CharField("loại", max_length=20, choices=OrgKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="cơ quan chủ quản", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    area = models.ForeignKey(
        "geo.AdminArea", verbose_name="địa bàn", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    domains = models.ManyToManyField("catalog.Domain", verbose_name="lĩnh vực phụ trách", blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self", verbose_name="tiền thân", symmetrical=False, blank=True, related_name="successors"
    )
    note = models.TextField("ghi chú", blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = "cơ quan, đơn vị"
        verbose_name_plural = "cơ quan, đơn vị"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name

