"""Admin (Vietnamese) for organisations."""

from __future__ import annotations

from django.contrib import admin

from baocao.geo.admin import ValidityFilter

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["uid", "name", "short_name", "kind", "area", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", ValidityFilter, "domains"]
    search_fields = ["uid", "name", "short_name", "name_en", "area__name", "area__name_folded"]
    raw_id_fields = ["parent", "area"]
    autocomplete_fields = ["predecessors"]
    filter_horizontal = ["domains"]
    list_select_related = ["area", "parent"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["uid", "name", "short_name", "name_en", "kind", "parent", "area"]}),
        ("Lĩnh vực và kế thừa", {"fields": ["domains", "predecessors"]}),
        ("Hiệu lực", {"fields": ["valid_from", "valid_to", "note"]}),
    ]
