"""Data values: one row per (organisation unit, indicator, period, disaggregation), with history.

The current value lives in ``DataValue``; every superseded or deleted state is copied, in the same
transaction, into the append-only ``DataValueHistory``. A value's full story is its history rows
(oldest first) followed by the current row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Qualifier(models.TextChoices):
    EXACT = "exact", "Chính xác"
    APPROX = "approx", "Khoảng, ước đạt"
    AT_LEAST = "at_least", "Trên, hơn, gần"


class Source(models.TextChoices):
    FORM = "form", "Nhập trên biểu mẫu"
    EXCEL = "excel", "Tải lên tệp Excel"
    API = "api", "API"
    IMPORT = "import", "Nhập khẩu dữ liệu"
    EXTRACTION = "extraction", "Trích xuất từ văn bản"
    DEMO = "demo", "Dữ liệu mẫu"


class DataValue(models.Model):
    # Indexes: every index costs each written value (the bulk loads write millions), so DataValue has only
    # those that queries use. ``area`` and ``indicator`` need no index of their own: the unique key starts
    # with area, ``dv_ind_period_area`` with indicator. No query looks values up by ``reporter``,
    # ``created_by`` or ``updated_by``; only deleting an organisation or a user does (a rare
    # administrator's action, which then scans the table once), so they are not indexed either.
    # ``created_by`` / ``updated_by`` are an audit trail (like DHIS2's ``storedBy``): Django still applies
    # SET_NULL when a user is deleted, but the database does not check them on every written value (a
    # deferred foreign-key check per value and column is a third of a bulk load's time on PostgreSQL).
    area = models.ForeignKey(
        "geo.AdminArea", verbose_name="đơn vị", on_delete=models.PROTECT, related_name="values", db_index=False
    )
    indicator = models.ForeignKey(
        "catalog.Indicator", verbose_name="chỉ tiêu", on_delete=models.PROTECT, related_name="values", db_index=False
    )
    period = models.CharField("kỳ", max_length=12)
    period_type = models.CharField("loại kỳ", max_length=12)
    period_start = models.DateField("đầu kỳ")
    period_end = models.DateField("cuối kỳ")
    disagg = models.CharField("phân tổ", max_length=32, default="", blank=True)
    value = models.DecimalField("giá trị", max_digits=24, decimal_places=6)
    numerator = models.DecimalField("tử số", max_digits=24, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField("mẫu số", max_digits=24, decimal_places=6, null=True, blank=True)
    qualifier = models.CharField("mức chính xác", max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT)
    comment = models.TextField("ghi chú", blank=True)
    source = models.CharField("nguồn", max_length=12, choices=Source.choices)
    provenance = models.JSONField("xuất xứ", null=True, blank=True)
    reporter = models.ForeignKey(
        "orgs.Organisation", verbose_name="đơn vị báo cáo", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    version = models.PositiveIntegerField("phiên bản", default=1)
    created_at = models.DateTimeField("tạo lúc")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tạo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )
    updated_at = models.DateTimeField("cập nhật lúc")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người cập nhật", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )

    class Meta:
        verbose_name = "số liệu"
        verbose_name_plural = "số liệu"
        constraints = [
            models.UniqueConstraint(fields=["area", "indicator", "period", "disagg"], name="uniq_datavalue_key"),
        ]
        indexes = [
            models.Index(fields=["indicator", "period", "area"], name="dv_ind_period_area"),
            models.Index(fields=["indicator", "period_type", "period_start"], name="dv_ind_ptype_start"),
            models.Index(fields=["updated_at"], name="dv_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.area_id}/{self.period}: {self.value}"


class HistoryAction(models.TextChoices):
    UPDATE = "update", "Sửa"
    DELETE = "delete", "Xóa"


class DataValueHistory(models.Model):
    """An earlier state of a data value, written when it was replaced or deleted (append-only)."""

    value_id_ref = models.BigIntegerField("mã số liệu", db_index=True)
    action = models.CharField("thao tác", max_length=8, choices=HistoryAction.choices)
    area_id_ref = models.BigIntegerField("mã đơn vị")
    indicator_id_ref = models.BigIntegerField("mã chỉ tiêu")
    period = models.CharField("kỳ", max_length=12)
    disagg = models.CharField("phân tổ", max_length=32, default="", blank=True)
    value = models.DecimalField("giá trị", max_digits=24, decimal_places=6)
    numerator = models.DecimalField("tử số", max_digits=24, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField("mẫu số", max_digits=24, decimal_places=6, null=True, blank=True)
    qualifier = models.CharField("mức chính xác", max_length=10)
    comment = models.TextField("ghi chú", blank=True)
    source = models.CharField("nguồn", max_length=12)
    provenance = models.JSONField("xuất xứ", null=True, blank=True)
    version = models.PositiveIntegerField("phiên bản")
    valid_since = models.DateTimeField("có hiệu lực từ")
    replaced_at = models.DateTimeField("bị thay lúc")
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người thay", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_ref = models.BigIntegerField("người nhập bản này", null=True, blank=True)
    reporter_id_ref = models.BigIntegerField("mã đơn vị báo cáo", null=True, blank=True)

    class Meta:
        verbose_name = "lịch sử số liệu"
        verbose_name_plural = "lịch sử số liệu"
        ordering = ["value_id_ref", "version"]
        indexes = [
            # value_history() finds a value's story by its key, also after the value was deleted.
            models.Index(fields=["indicator_id_ref", "area_id_ref", "period", "disagg"], name="dvh_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.value_id_ref} v{self.version}: {self.value}"
