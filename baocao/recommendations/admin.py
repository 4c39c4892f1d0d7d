"""Admin: rule table editable, records readable (state changes go through the pages, i.e. ``services``)."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Assignment,
    Attachment,
    BriefingSession,
    Directive,
    DueDateRule,
    Evidence,
    ProgressUpdate,
    Recommendation,
    RecommendationEvent,
)


@admin.register(DueDateRule)
class DueDateRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "domain", "working_days", "note")
    list_filter = ("kind",)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    readonly_fields = ("lead_unit", "due_on", "note", "assigned_by", "assigned_at", "ended_at")
    exclude = ("co_units",)


class EventInline(admin.TabularInline):
    model = RecommendationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_state", "to_state", "actor", "note")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ("name", "size", "uploaded_by", "uploaded_at")


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "sender_type", "area", "lead_unit", "received_on", "due_on", "state")
    list_filter = ("state", "sender_type", "domain", "addressee")
    search_fields = ("title", "search_folded", "sender_name")
    date_hierarchy = "received_on"
    readonly_fields = (
        "state", "lead_unit", "due_on", "answered_on", "resolved_on", "published_on", "decline_reason", "duplicate_of",
        "created_by", "created_at",
    )
    exclude = ("co_units",)
    raw_id_fields = ("sender_org", "area", "session")
    inlines = [AssignmentInline, EventInline, AttachmentInline]

    def get_search_results(self, request, queryset, search_term):
        from baocao.core.text import fold

        return super().get_search_results(request, queryset, fold(search_term) if search_term else search_term)


@admin.register(BriefingSession)
class BriefingSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "date", "chair", "connection_points")
    date_hierarchy = "date"
    search_fields = ("title", "chair")


class UpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    can_delete = False
    readonly_fields = ("at", "organisation", "percent", "note", "from_state", "to_state", "author")


@admin.register(Directive)
class DirectiveAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "leader_name", "given_on", "due_on", "percent", "state")
    list_filter = ("state",)
    search_fields = ("title", "leader_name")
    readonly_fields = ("state", "percent", "done_on", "cancel_reason", "created_by", "created_at")
    filter_horizontal = ("assignees",)
    raw_id_fields = ("session", "recommendation")
    inlines = [UpdateInline]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("name", "update", "size")
