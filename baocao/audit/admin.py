"""Admin for the audit log (administrators): read-only list, filters, search and a CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from .models import ACTION_LABELS, AuditEvent
from .services import record

CSV_HEADERS = (
    "Thời điểm", "Người thực hiện", "Thao tác", "Mã thao tác", "Loại đối tượng", "Mã đối tượng", "Đối tượng",
    "Tỉnh/thành phố", "Địa chỉ IP", "Chi tiết",
)  # fmt: skip


class ActionFilter(admin.SimpleListFilter):
    title = "thao tác"
    parameter_name = "thao_tac"

    def lookups(self, request, model_admin):
        present = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
        return [(a, ACTION_LABELS.get(a, a)) for a in sorted(set(present))]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    title = "người thực hiện"
    parameter_name = "nguoi"

    def lookups(self, request, model_admin):
        names = AuditEvent.objects.order_by().exclude(actor_label="").values_list("actor_label", flat=True).distinct()
        return [(n, n) for n in sorted(set(names))[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(actor_label=self.value()) if self.value() else queryset


def _local(when: dt.datetime) -> dt.datetime:
    return timezone.localtime(when) if timezone.is_aware(when) else when


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("when", "actor_label", "action_name", "object_label", "area", "ip")
    list_filter = (ActionFilter, ("at", admin.DateFieldListFilter), ("area", admin.RelatedOnlyFieldListFilter), ActorFilter)
    search_fields = ("actor_label", "action", "object_label", "object_id", "object_type", "ip")
    date_hierarchy = "at"
    list_select_related = ("area",)
    actions = ("export_csv",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_per_page = 100

    @admin.display(description="thời điểm", ordering="at")
    def when(self, obj: AuditEvent) -> str:
        return f"{_local(obj.at):%d/%m/%Y %H:%M:%S}"

    @admin.display(description="thao tác", ordering="action")
    def action_name(self, obj: AuditEvent) -> str:
        return obj.action_label

    # Append-only: nobody adds, edits or deletes events through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Xuất các sự kiện đã chọn ra tệp CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        rows = list(queryset.select_related("area").order_by("at", "id"))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
        response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.csv"'
        response.write("\ufeff")  # BOM: Excel opens UTF-8 Vietnamese correctly
        writer = csv.writer(response)
        writer.writerow(CSV_HEADERS)
        for ev in rows:
            writer.writerow([
                f"{_local(ev.at):%d/%m/%Y %H:%M:%S}", ev.actor_label, ev.action_label, ev.action, ev.object_type,
                ev.object_id, ev.object_label, ev.area.name if ev.area else "", ev.ip or "",
                json.dumps(ev.details, ensure_ascii=False) if ev.details else "",
            ])
        record(
            "export", request=request, label="Nhật ký hệ thống (CSV)",
            details={"what": "audit_log", "rows": len(rows), "format": "csv"},
        )
        return response
