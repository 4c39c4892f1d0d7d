"""Reporting regimes own their data windows and deadlines, as data.

A rule row says, for one period type of one regime, where the data window starts and ends and when
the report is due, as offsets from the period's calendar months. Examples (Decree 09 windows,
Circular 02/2023 deadlines for provincial departments):

- quarter: window starts on the 15th of the month before the quarter's first month
  (``window_start_month_offset=-1``, ``window_start_day=15``), ends on the 14th of its last month
  (``window_end_month_offset=0``, ``window_end_day=14``); due on the 6th of the last month
  (``deadline_month_offset=0``, ``deadline_day=6``).
- year: 15/12 of the previous year → 14/12; due 25/11 (``deadline_month_offset=-1``, ``deadline_day=25``).
- statistical (calendar) regime: ``window_start_day=1``, ``window_end_day=0`` (0 = last day of the month).
"""

from __future__ import annotations

from django.db import models


class PeriodType(models.TextChoices):
    MONTH = "month", "Tháng"
    QUARTER = "quarter", "Quý"
    HALF_YEAR = "half_year", "6 tháng"
    NINE_MONTHS = "nine_months", "9 tháng"
    YEAR = "year", "Năm"


class Regime(models.Model):
    code = models.CharField("mã", max_length=40, unique=True)
    name = models.CharField("tên chế độ báo cáo", max_length=250)
    name_en = models.CharField("tên tiếng Anh", max_length=250, blank=True)
    legal_basis = models.CharField("căn cứ", max_length=250, blank=True)
    kind = models.CharField("loại", max_length=20, default="periodic", help_text="periodic (định kỳ) hoặc statistical (thống kê)")
    is_default = models.BooleanField("mặc định", default=False)
    description = models.TextField("mô tả", blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        verbose_name = "chế độ báo cáo"
        verbose_name_plural = "chế độ báo cáo"
        ordering = ["-is_default", "code"]

    def __str__(self) -> str:
        return self.name


class RegimeRule(models.Model):
    regime = models.ForeignKey(Regime, verbose_name="chế độ", on_delete=models.CASCADE, related_name="rules")
    period_type = models.CharField("loại kỳ", max_length=12, choices=PeriodType.choices)
    window_start_month_offset = models.SmallIntegerField(
        "tháng bắt đầu chốt số liệu (so với tháng đầu kỳ)", default=0
    )
    window_start_day = models.PositiveSmallIntegerField("ngày bắt đầu chốt số liệu", default=1)
    window_end_month_offset = models.SmallIntegerField("tháng kết thúc chốt số liệu (so với tháng cuối kỳ)", default=0)
    window_end_day = models.PositiveSmallIntegerField(
        "ngày kết thúc chốt số liệu", default=0, help_text="0 = ngày cuối tháng"
    )
    deadline_month_offset = models.SmallIntegerField("tháng hạn gửi (so với tháng cuối kỳ)", default=0)
    deadline_day = models.PositiveSmallIntegerField("ngày hạn gửi", default=15, help_text="0 = ngày cuối tháng")
    lock_after_days = models.PositiveSmallIntegerField(
        "khóa số liệu sau hạn (ngày)", default=30, help_text="Số ngày sau hạn gửi thì kỳ báo cáo bị khóa"
    )
    due_soon_days = models.PositiveSmallIntegerField("cảnh báo sắp đến hạn (ngày)", default=7)
    note = models.CharField("ghi chú", max_length=250, blank=True)

    class Meta:
        verbose_name = "quy định kỳ báo cáo"
        verbose_name_plural = "quy định kỳ báo cáo"
        constraints = [models.UniqueConstraint(fields=["regime", "period_type"], name="uniq_regime_period_type")]

    def __str__(self) -> str:
        return f"{self.regime.code} / {self.get_period_type_display()}"


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", "Ngày nghỉ lễ, Tết"
    DAY_OFF = "day_off", "Ngày nghỉ bù / hoán đổi"
    WORKING_DAY = "working_day", "Ngày làm việc bù (thứ Bảy đi làm)"


class Holiday(models.Model):
    """One day that departs from the Monday–Friday working week.

    ``holiday`` and ``day_off`` make a weekday a day off (a public holiday, a compensatory day off
    for a holiday on a weekend, a swapped day); ``working_day`` makes a weekend day a working day
    (a Saturday worked in exchange for a swapped day off). Used by ``baocao.periods.workdays``.
    """

    date = models.DateField("ngày", unique=True)
    name = models.CharField("tên", max_length=200)
    kind = models.CharField("loại", max_length=12, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY)
    note = models.CharField("ghi chú", max_length=250, blank=True)

    class Meta:
        verbose_name = "ngày nghỉ lễ / làm bù"
        verbose_name_plural = "lịch nghỉ lễ, Tết và làm bù"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
