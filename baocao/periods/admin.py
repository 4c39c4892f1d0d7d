"""Admin (Vietnamese) for reporting regimes, their period rules and the holiday calendar."""

from __future__ import annotations

from datetime import date

from django.contrib import admin

from baocao.periods.models import Holiday, Regime, RegimeRule
from baocao.periods.services import PeriodError, period_for_date, rule_deadline, rule_window


class RegimeRuleInline(admin.TabularInline):
    model = RegimeRule
    extra = 0
    fields = (
        "period_type",
        "window_start_month_offset",
        "window_start_day",
        "window_end_month_offset",
        "window_end_day",
        "deadline_month_offset",
        "deadline_day",
        "lock_after_days",
        "due_soon_days",
        "note",
        "example",
    )
    readonly_fields = ("example",)

    @admin.display(description="ví dụ (kỳ hiện tại)")
    def example(self, obj: RegimeRule) -> str:
        if not obj.pk:
            return "—"
        try:
            p = period_for_date(obj.period_type, date.today())
        except PeriodError:
            p = period_for_date(obj.period_type, date(date.today().year, 1, 1))
        start, end = rule_window(p, obj)
        due = rule_deadline(p, obj)
        return f"{p.label_vi}: chốt {start:%d/%m/%Y} → {end:%d/%m/%Y}, hạn {due:%d/%m/%Y}"


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "is_default", "valid_from", "valid_to")
    list_filter = ("kind", "is_default")
    search_fields = ("code", "name", "name_en", "legal_basis")
    inlines = [RegimeRuleInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "name", "kind", "note")
    list_filter = ("kind",)
    search_fields = ("name", "note")
    date_hierarchy = "date"

    @admin.display(description="thứ", ordering="date")
    def weekday(self, obj: Holiday) -> str:
        return ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")[
            obj.date.weekday()
        ]
