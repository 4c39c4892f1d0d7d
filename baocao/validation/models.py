"""Validation rules as data: ``left operator right`` over indicator codes, versioned, with a severity.

Two kinds:

- ``expression``: one check, e.g. ``TEL_SUBS_FIXED + TEL_SUBS_MOBILE == TEL_SUBS_TOTAL``;
- ``each``: a generic check run for every indicator of the given value types, where ``@`` stands
  for the indicator (and its disaggregation), e.g. ``@.numerator <= @.denominator`` for fractions
  and percentages; one row, not one per indicator.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class RuleKind(models.TextChoices):
    EXPRESSION = "expression", "Biểu thức"
    EACH = "each", "Áp dụng cho từng chỉ tiêu (@)"


class Operator(models.TextChoices):
    EQ = "==", "bằng (=)"
    NE = "!=", "khác (≠)"
    LE = "<=", "nhỏ hơn hoặc bằng (≤)"
    LT = "<", "nhỏ hơn (<)"
    GE = ">=", "lớn hơn hoặc bằng (≥)"
    GT = ">", "lớn hơn (>)"


class Severity(models.TextChoices):
    ERROR = "error", "Lỗi (chặn gửi báo cáo)"
    WARNING = "warning", "Cảnh báo (cần giải trình)"


class ToleranceKind(models.TextChoices):
    ABSOLUTE = "absolute", "Tuyệt đối"
    RELATIVE = "relative", "Tương đối (tỷ lệ)"


class MissingPolicy(models.TextChoices):
    SKIP = "skip", "Bỏ qua quy tắc khi thiếu số liệu"
    ZERO = "zero", "Coi số liệu thiếu bằng 0"


class RuleQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> RuleQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class ValidationRule(models.Model):
    code = models.CharField("mã quy tắc", max_length=60, db_index=True)
    name = models.CharField("tên quy tắc", max_length=300)
    kind = models.CharField("loại", max_length=12, choices=RuleKind.choices, default=RuleKind.EXPRESSION)
    value_types = models.CharField(
        "kiểu giá trị áp dụng",
        max_length=120,
        blank=True,
        help_text="Với loại “từng chỉ tiêu”: các kiểu giá trị, cách nhau bởi dấu phẩy (ví dụ “fraction,percent”).",
    )
    left = models.CharField(
        "vế trái", max_length=1000, help_text="Ví dụ: TEL_SUBS_FIXED + TEL_SUBS_MOBILE; TEL_SUBS_TOTAL[fixed]; @.numerator"
    )
    operator = models.CharField("phép so sánh", max_length=2, choices=Operator.choices)
    right = models.CharField("vế phải", max_length=1000, help_text="Ví dụ: TEL_SUBS_TOTAL; 100; @.denominator")
    severity = models.CharField("mức độ", max_length=8, choices=Severity.choices, default=Severity.ERROR)
    period_types = models.CharField(
        "loại kỳ áp dụng",
        max_length=80,
        blank=True,
        help_text="Các loại kỳ cách nhau bởi dấu phẩy (month, quarter, half_year, nine_months, year); để trống: mọi kỳ.",
    )
    tolerance = models.DecimalField("sai số cho phép", max_digits=24, decimal_places=6, default=0)
    tolerance_kind = models.CharField(
        "loại sai số", max_length=10, choices=ToleranceKind.choices, default=ToleranceKind.ABSOLUTE
    )
    missing = models.CharField(
        "khi thiếu số liệu", max_length=6, choices=MissingPolicy.choices, default=MissingPolicy.SKIP
    )
    message = models.CharField(
        "thông báo",
        max_length=500,
        blank=True,
        help_text="Có thể dùng {left}, {right}, {diff}, {left_expr}, {right_expr}, {indicator}, {disagg}.",
    )
    description = models.TextField("giải thích", blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    active = models.BooleanField("đang dùng", default=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = "quy tắc kiểm tra"
        verbose_name_plural = "quy tắc kiểm tra"
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="uniq_rule_code_from"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_from__isnull=True), name="uniq_rule_code_no_from"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def period_type_list(self) -> list[str]:
        return [p.strip() for p in self.period_types.split(",") if p.strip()]

    @property
    def value_type_list(self) -> list[str]:
        return [p.strip() for p in self.value_types.split(",") if p.strip()]
