"""Analytics reference data that an administrator edits: targets, which way is better, key indicators.

These are domain rules kept as data (``fixtures/analytics.json``, loaded by ``baocao load_analytics``
and editable in the admin), read by ``baocao.analytics.services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q


class Target(models.Model):
    """A value an indicator should reach by the end of ``year``: national (``area`` empty) or for a province."""

    indicator = models.ForeignKey(
        "catalog.Indicator", verbose_name="chỉ tiêu", on_delete=models.CASCADE, related_name="targets"
    )
    area = models.ForeignKey(
        "geo.AdminArea",
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
        help_text="Để trống: mục tiêu toàn quốc.",
    )
    year = models.PositiveSmallIntegerField("năm")
    value = models.DecimalField("giá trị mục tiêu", max_digits=24, decimal_places=6)
    amber_band = models.DecimalField(
        "ngưỡng vàng (%)",
        max_digits=6,
        decimal_places=2,
        default=Decimal(10),
        help_text="Chưa đạt nhưng cách mục tiêu không quá bấy nhiêu phần trăm của mục tiêu thì đèn vàng.",
    )
    note = models.CharField("ghi chú, căn cứ", max_length=300, blank=True)

    class Meta:
        verbose_name = "mục tiêu"
        verbose_name_plural = "mục tiêu"
        ordering = ["indicator__code", "year", "area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "year"], name="uniq_target_area", condition=Q(area__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["indicator", "year"], name="uniq_target_national", condition=Q(area__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        where = self.area.name if self.area_id else "toàn quốc"
        return f"{self.indicator.code} {self.year} ({where}): {self.value}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        ind = self.indicator if self.indicator_id else None
        if ind is not None and self.value is not None:
            if ind.min_value is not None and self.value < ind.min_value:
                errors["value"] = f"Mục tiêu nhỏ hơn giá trị nhỏ nhất của chỉ tiêu ({ind.min_value.normalize():f})"
            if ind.max_value is not None and self.value > ind.max_value:
                errors["value"] = f"Mục tiêu lớn hơn giá trị lớn nhất của chỉ tiêu ({ind.max_value.normalize():f})"
        if self.area_id and self.area.level != "province":
            errors["area"] = "Mục tiêu đặt cho tỉnh, thành phố (hoặc để trống: toàn quốc)"
        if self.amber_band is not None and not 0 <= self.amber_band <= 100:
            errors["amber_band"] = "Ngưỡng vàng phải từ 0 đến 100 (%)"
        if errors:
            raise ValidationError(errors)



class Better(models.TextChoices):
    HIGHER = "higher", "Càng cao càng tốt"
    LOWER = "lower", "Càng thấp càng tốt"


class Direction(models.Model):
    """Which way is better for an indicator (ranking, traffic lights). Absent: higher is better."""

    indicator = models.OneToOneField(
        "catalog.Indicator", verbose_name="chỉ tiêu", on_delete=models.CASCADE, related_name="direction"
    )
    better = models.CharField("chiều tốt", max_length=6, choices=Better.choices, default=Better.HIGHER)

    class Meta:
        verbose_name = "chiều đánh giá chỉ tiêu"
        verbose_name_plural = "chiều đánh giá chỉ tiêu"
        ordering = ["indicator__code"]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.get_better_display()}"


class KeyIndicator(models.Model):
    """An indicator shown on the national overview and the province profile, in this order."""

    indicator = models.OneToOneField(
        "catalog.Indicator", verbose_name="chỉ tiêu", on_delete=models.CASCADE, related_name="key_indicator"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "chỉ tiêu chủ yếu"
        verbose_name_plural = "chỉ tiêu chủ yếu"
        ordering = ["order", "indicator__code"]

    def __str__(self) -> str:
        return self.indicator.code


class Stamp(models.Model):
    """One row: a random token drawn anew whenever reference data that analytics reads changes
    (indicators and their rules, the administrative map, report forms, targets, key indicators), so that
    cached analytics results keyed on it are never served after such a change (``baocao.analytics.cache``).
    Random rather than a counter: a change rolled back leaves the old token, and its token never returns.
    Values and reports are tracked without it (their ids and timestamps)."""

    token = models.CharField("mã thế hệ", max_length=32, default="")

    class Meta:
        verbose_name = "dấu thay đổi dữ liệu tham chiếu"
        verbose_name_plural = "dấu thay đổi dữ liệu tham chiếu"

    def __str__(self) -> str:
        return self.token or "—"
