"""Admin for the indicator catalog (Vietnamese): indicators, domains, disaggregations."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q

from baocao.core.text import fold

from .aggregation import AggregationError, parse_condition
from .models import Disaggregation, Domain, Indicator


class ValidityFilter(admin.SimpleListFilter):
    title = "hiệu lực"
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [
            ("current", "Đang có hiệu lực"),
            ("ended", "Đã hết hiệu lực"),
            ("future", "Chưa có hiệu lực"),
            ("versioned", "Có ngày hiệu lực"),
        ]

    def queryset(self, request, queryset):
        today = dt.date.today()
        if self.value() == "current":
            return queryset.valid_on(today)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "versioned":
            return queryset.filter(Q(valid_from__isnull=False) | Q(valid_to__isnull=False))
        return queryset


class LinesField(forms.CharField):
    """A JSON list of strings edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        lines = [" ".join(line.split()) for line in (value or "").splitlines()]
        return [line for line in lines if line]


class IndicatorForm(forms.ModelForm):
    phrases = LinesField(
        label="Cụm từ trong báo cáo", required=False, help_text="Mỗi dòng một cụm từ, có dấu."
    )
    unit_aliases = LinesField(
        label="Cách viết khác của đơn vị tính", required=False, help_text="Mỗi dòng một cách viết."
    )

    class Meta:
        model = Indicator
        fields = [
            "code", "name", "name_en", "domain", "scope", "unit", "unit_aliases", "value_type", "decimals",
            "min_value", "max_value", "agg_space", "agg_time", "weight", "condition", "disaggregations", "phrases",
            "definition", "legal_basis", "valid_from", "valid_to",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        space = data.get("agg_space")
        condition = (data.get("condition") or "").strip()
        if space == "count_if":
            if not condition:
                self.add_error(
                    "condition",
                    "Chỉ tiêu đếm đơn vị đạt điều kiện cần điều kiện, ví dụ “DVCTT_L34_SHARE >= 30”.",
                )
            else:
                try:
                    parsed = parse_condition(condition)
                except AggregationError as exc:
                    self.add_error("condition", str(exc))
                else:
                    if not Indicator.objects.filter(code=parsed.code).exists() and parsed.code != data.get(
                        "code"
                    ):
                        self.add_error("condition", f"Mã chỉ tiêu {parsed.code} không có trong danh mục.")
        elif condition:
            self.add_error(
                "condition", "Chỉ dùng điều kiện khi cộng gộp theo đơn vị là “đếm số đơn vị đạt điều kiện”."
            )
        if data.get("weight") and space != "weighted_mean":
            self.add_error("weight", "Chỉ dùng trọng số khi cộng gộp theo đơn vị là “bình quân gia quyền”.")
        lo, hi = data.get("min_value"), data.get("max_value")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("min_value", "Giá trị nhỏ nhất lớn hơn giá trị lớn nhất.")
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and start > end:
            self.add_error("valid_from", "Ngày hiệu lực từ sau ngày hiệu lực đến.")
        if data.get("scope") not in (None, "province", "national", "both"):
            raise ValidationError({"scope": "Phạm vi phải là province, national hoặc both."})
        return data


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorForm
    list_display = (
        "code",
        "name",
        "domain",
        "unit",
        "value_type",
        "agg_space",
        "agg_time",
        "valid_from",
        "valid_to",
    )
    list_filter = ("domain", "value_type", "agg_space", "agg_time", "scope", ValidityFilter)
    search_fields = ("search_text",)
    search_help_text = "Tìm theo mã, tên, đơn vị tính hoặc cụm từ báo cáo; có dấu hay không dấu đều được."
    list_select_related = ("domain",)
    autocomplete_fields = ("weight",)
    filter_horizontal = ("disaggregations",)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "domain", "scope")}),
        (
            "Đơn vị và kiểu giá trị",
            {"fields": ("unit", "unit_aliases", "value_type", "decimals", "min_value", "max_value")},
        ),
        ("Cộng gộp", {"fields": ("agg_space", "agg_time", "weight", "condition")}),
        ("Phân tổ và cụm từ", {"fields": ("disaggregations", "phrases")}),
        ("Khái niệm, căn cứ, hiệu lực", {"fields": ("definition", "legal_basis", "valid_from", "valid_to")}),
    )

    def get_search_results(self, request, queryset, search_term):
        # search_text is folded (lower case, no tones, đ → d): fold the query the same way
        return super().get_search_results(request, queryset, fold(search_term))


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order", "indicator_count")
    search_fields = ("code", "name", "name_en")
    ordering = ("order", "code")

    @admin.display(description="số chỉ tiêu")
    def indicator_count(self, obj: Domain) -> int:
        return obj.indicators.count()


@admin.register(Disaggregation)
class DisaggregationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
