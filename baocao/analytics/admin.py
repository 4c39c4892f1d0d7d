"""Admin for analytics reference data (Vietnamese): targets, directions, key indicators."""

from __future__ import annotations

from django.contrib import admin

from .models import Direction, KeyIndicator, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("indicator", "area", "year", "value", "amber_band", "note")
    list_filter = ("year", "indicator__domain")
    search_fields = ("indicator__code", "indicator__name", "area__name", "note")
    autocomplete_fields = ("indicator", "area")


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ("indicator", "better")
    list_filter = ("better",)
    search_fields = ("indicator__code", "indicator__name")
    autocomplete_fields = ("indicator",)


@admin.register(KeyIndicator)
class KeyIndicatorAdmin(admin.ModelAdmin):
    list_display = ("indicator", "order")
    list_editable = ("order",)
    search_fields = ("indicator__code", "indicator__name")
    autocomplete_fields = ("indicator",)
