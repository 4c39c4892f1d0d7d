"""Admin for validation rules (Vietnamese): every expression is checked against the catalog on save."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Q

from baocao.core.numbers import NumberFormatError, parse_number

from .models import ValidationRule
from .services import check_values, validate_rule

_PAIR = re.compile(r"^\s*([A-Z@][A-Za-z0-9_]*(?:\[[A-Za-z0-9_]+\])?(?:\.(?:numerator|denominator))?)\s*=\s*(\S+)\s*$")


def parse_try_values(text: str) -> dict[tuple[str, str], dict[str, Decimal]]:
    """``TEL_SUBS_FIXED=100; INET_SUBS_TOTAL[fixed]=5; EDOC_SIGNED_SHARE.numerator=3`` → values for check_values."""
    out: dict[tuple[str, str], dict[str, Decimal]] = {}
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if not m:
            raise forms.ValidationError(f"«{part.strip()}» phải có dạng MÃ=số, ví dụ TEL_SUBS_FIXED=100")
        ref, raw = m.groups()
        try:
            number = parse_number(raw)
        except NumberFormatError as exc:
            raise forms.ValidationError(str(exc)) from exc
        field = "value"
        if "." in ref:
            ref, field = ref.split(".", 1)
        code, _, disagg = ref.partition("[")
        out.setdefault((code, disagg.rstrip("]")), {})[field] = number
    return out


class RuleForm(forms.ModelForm):
    try_values = forms.CharField(
        label="thử với số liệu",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Không lưu. Ví dụ: TEL_SUBS_FIXED=100; TEL_SUBS_MOBILE=900; TEL_SUBS_TOTAL=1.000 "
        "(dùng MÃ[phân tổ] và MÃ.numerator/.denominator khi cần).",
    )

    class Meta:
        model = ValidationRule
        fields = (
            "code", "name", "kind", "value_types", "active", "left", "operator", "right", "tolerance",
            "tolerance_kind", "missing", "severity", "period_types", "valid_from", "valid_to", "message",
            "description",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        errors = validate_rule({**data, "code": ""})
        for e in errors:
            field = "left" if e.startswith("vế trái") else "right" if e.startswith("vế phải") else None
            if field and field in self.fields:
                self.add_error(field, e)
            else:
                self.add_error(None, e)
        self.try_parsed = parse_try_values(data.get("try_values") or "") if not errors else {}
        return data


class RuleValidityFilter(admin.SimpleListFilter):
    title = "hiệu lực"
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [("current", "Đang có hiệu lực"), ("ended", "Đã hết hiệu lực"), ("future", "Chưa có hiệu lực")]

    def queryset(self, request, queryset):
        today = dt.date.today()
        if self.value() == "current":
            return queryset.valid_on(today)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "future":
            return queryset.filter(Q(valid_from__gt=today))
        return queryset


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("code", "name", "expression", "severity", "period_types", "valid_from", "valid_to", "active")
    list_filter = ("severity", "kind", "active", RuleValidityFilter)
    search_fields = ("code", "name", "left", "right", "message")
    ordering = ("code", "valid_from")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "value_types", "active")}),
        ("Biểu thức", {"fields": ("left", "operator", "right", "tolerance", "tolerance_kind", "missing")}),
        ("Áp dụng", {"fields": ("severity", "period_types", "valid_from", "valid_to")}),
        ("Thông báo", {"fields": ("message", "description")}),
        ("Thử quy tắc", {"fields": ("try_values",)}),
    )

    @admin.display(description="biểu thức")
    def expression(self, obj: ValidationRule) -> str:
        return f"{obj.left} {obj.operator} {obj.right}"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from baocao.audit.services import record

        record(
            "rule.change", obj=obj, request=request,
            details={"created": not change, "changed": form.changed_data, "expression": self.expression(obj)},
        )
        values = getattr(form, "try_parsed", None)
        if values:
            from baocao.periods.services import Period, PeriodError

            day = obj.valid_from or dt.date.today()
            ptype = (obj.period_type_list or ["year"])[0]
            try:
                period = Period.containing(ptype, day)
            except PeriodError:
                period = Period(ptype, day.year, 1)
            found = [v for v in check_values(values, period=period) if v.rule_code == obj.code]
            if found:
                self.message_user(request, "Thử quy tắc: " + "; ".join(v.message for v in found), messages.WARNING)
            else:
                self.message_user(request, "Thử quy tắc: số liệu thử thỏa quy tắc (hoặc thiếu số liệu nên bỏ qua)")
