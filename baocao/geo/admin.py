"""Admin (Vietnamese) for the administrative map."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Q

from baocao.core.text import fold

from .models import AdminArea, AreaSuccession

REFORM_DATE = dt.date(2025, 7, 1)


class ValidityFilter(admin.SimpleListFilter):
    """Filter any model with ``valid_from``/``valid_to`` by the day it is valid on."""

    title = "hiệu lực"
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [
            ("today", "Đang có hiệu lực (hôm nay)"),
            ("pre", "Có hiệu lực ngày 30/06/2025 (trước sắp xếp)"),
            ("post", "Có hiệu lực ngày 01/07/2025 (sau sắp xếp)"),
            ("ended", "Đã hết hiệu lực"),
        ]

    @staticmethod
    def _on(day: dt.date) -> Q:
        return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def queryset(self, request, queryset):
        today = dt.date.today()
        match self.value():
            case "today":
                return queryset.filter(self._on(today))
            case "pre":
                return queryset.filter(self._on(REFORM_DATE - dt.timedelta(days=1)))
            case "post":
                return queryset.filter(self._on(REFORM_DATE))
            case "ended":
                return queryset.filter(valid_to__lt=today)
        return queryset


class SuccessorInline(admin.TabularInline):
    model = AreaSuccession
    fk_name = "predecessor"
    extra = 0
    raw_id_fields = ["successor"]
    verbose_name = "đơn vị kế thừa"
    verbose_name_plural = "hợp nhất vào (đơn vị kế thừa)"


class PredecessorInline(admin.TabularInline):
    model = AreaSuccession
    fk_name = "successor"
    extra = 0
    raw_id_fields = ["predecessor"]
    verbose_name = "đơn vị tiền thân"
    verbose_name_plural = "hình thành từ (đơn vị tiền thân)"


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ["uid", "code", "name", "level", "kind", "parent", "region", "population", "valid_from", "valid_to"]
    list_filter = ["level", "region", ValidityFilter, "kind"]
    search_fields = ["uid", "code", "name", "full_name", "name_folded"]
    readonly_fields = ["name_folded"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
    list_per_page = 100
    inlines = [PredecessorInline, SuccessorInline]
    fieldsets = [
        (None, {"fields": ["uid", "code", "name", "full_name", "name_folded", "level", "kind", "parent"]}),
        ("Thống kê", {"fields": ["region", "population"]}),
        ("Hiệu lực", {"fields": ["valid_from", "valid_to", "source"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """Accent-insensitive: "ha giang" and "Hà Giang" both find Hà Giang."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term or "")
        if folded:
            results = results | queryset.filter(name_folded__icontains=folded)
        return results, may_have_duplicates


@admin.register(AreaSuccession)
class AreaSuccessionAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "date", "kind", "legal_basis"]
    list_filter = ["kind", "date"]
    search_fields = ["predecessor__name", "predecessor__name_folded", "successor__name", "successor__name_folded",
                     "predecessor__uid", "successor__uid"]
    raw_id_fields = ["predecessor", "successor"]
    list_select_related = ["predecessor", "successor"]
