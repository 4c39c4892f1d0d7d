"""The administrative map as versioned data.

Every area has a validity interval; "the provinces" always means "the provinces on date D".
The 2025 reform is represented by two sets of province rows (63 valid until 2025-06-30, 34 valid
from 2025-07-01; the 11 unchanged provinces are single rows valid across the reform) linked by
``AreaSuccession`` rows (old → new, with the date of the change).
"""

from __future__ import annotations

from django.db import models

from baocao.core.validity import ValidityMixin, ValidityQuerySet


class AreaLevel(models.TextChoices):
    COUNTRY = "country", "Quốc gia"
    PROVINCE = "province", "Tỉnh/thành phố"
    DISTRICT = "district", "Quận/huyện"
    COMMUNE = "commune", "Xã/phường"


class Region(models.TextChoices):
    """The six socio-economic regions used to filter provinces."""

    NORTHERN_MIDLANDS_MOUNTAINS = "TDMNPB", "Trung du và miền núi phía Bắc"
    RED_RIVER_DELTA = "DBSH", "Đồng bằng sông Hồng"
    NORTH_CENTRAL_COAST = "BTB_DHMT", "Bắc Trung Bộ và duyên hải miền Trung"
    CENTRAL_HIGHLANDS = "TN", "Tây Nguyên"
    SOUTHEAST = "DNB", "Đông Nam Bộ"
    MEKONG_DELTA = "DBSCL", "Đồng bằng sông Cửu Long"


class AreaQuerySet(ValidityQuerySet):
    def provinces(self) -> AreaQuerySet:
        return self.filter(level=AreaLevel.PROVINCE)


class AdminArea(ValidityMixin, models.Model):
    """A country, province, district or commune, valid over an interval of dates.

    ``uid`` is the stable identifier used in interchange (it never changes and is never reused):
    ``VN`` for the country, ``P04`` for a province as it was before the 2025 reform or unchanged
    by it, ``P08-2025`` for a province formed on 01/07/2025, ``D001`` for a pre-reform district,
    ``W00001`` for a pre-reform commune and ``W00070-2025`` for a post-reform commune.
    ``code`` is the official code (GSO), which the reform reused.
    """

    uid = models.CharField("mã định danh", max_length=24, unique=True)
    code = models.CharField("mã hành chính", max_length=10, db_index=True)
    name = models.CharField("tên", max_length=200)
    full_name = models.CharField("tên đầy đủ", max_length=250, blank=True)
    name_folded = models.CharField("tên không dấu", max_length=200, db_index=True, editable=False)
    level = models.CharField("cấp", max_length=10, choices=AreaLevel.choices, db_index=True)
    kind = models.CharField("loại", max_length=40, blank=True, help_text="tỉnh, thành phố trung ương, xã, phường, đặc khu …")
    parent = models.ForeignKey(
        "self", verbose_name="trực thuộc", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.CharField("vùng", max_length=10, choices=Region.choices, blank=True)
    population = models.PositiveBigIntegerField("dân số", null=True, blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    source = models.CharField("nguồn", max_length=120, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["level", "code", "valid_from"]
        indexes = [models.Index(fields=["level", "valid_from", "valid_to"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from baocao.core.text import fold

        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)



class SuccessionKind(models.TextChoices):
    MERGE = "merge", "Hợp nhất/sáp nhập"
    RENAME = "rename", "Đổi tên"
    SPLIT = "split", "Chia tách"


class AreaSuccession(models.Model):
    """``predecessor`` became (part of) ``successor`` on ``date``."""

    predecessor = models.ForeignKey(AdminArea, verbose_name="đơn vị cũ", on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(AdminArea, verbose_name="đơn vị mới", on_delete=models.CASCADE, related_name="predecessions")
    date = models.DateField("ngày hiệu lực")
    kind = models.CharField("hình thức", max_length=10, choices=SuccessionKind.choices, default=SuccessionKind.MERGE)
    legal_basis = models.CharField("căn cứ", max_length=200, blank=True)

    class Meta:
        verbose_name = "quan hệ kế thừa"
        verbose_name_plural = "quan hệ kế thừa"
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="uniq_area_succession")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date:%d/%m/%Y})"
