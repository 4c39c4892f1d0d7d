from django.contrib import admin

from .models import DepartmentKey, FormItem, FormSection, FormVersion, ReportForm, Submission, SubmissionEvent


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    extra = 0


@admin.register(ReportForm)
class ReportFormAdmin(admin.ModelAdmin):
    list_display = ("code", "symbol", "title", "regime", "period_type", "active")
    list_filter = ("period_type", "regime", "active")
    search_fields = ("code", "symbol", "title")
    inlines = [FormVersionInline]


class FormItemInline(admin.TabularInline):
    model = FormItem
    extra = 0
    autocomplete_fields = ["indicator"]


@admin.register(FormSection)
class FormSectionAdmin(admin.ModelAdmin):
    list_display = ("title", "version", "order")
    list_filter = ("version__form",)
    inlines = [FormItemInline]


class FormSectionInline(admin.TabularInline):
    model = FormSection
    extra = 0
    show_change_link = True


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    list_display = ("form", "number", "valid_from", "valid_to", "note")
    list_filter = ("form",)
    inlines = [FormSectionInline]


class EventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_state", "to_state", "actor", "at", "reason", "digest")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("form", "area", "period", "state", "first_submitted_at", "submitted_at", "decided_at")
    list_filter = ("form", "state", "period_type")
    search_fields = ("area__name", "period")
    readonly_fields = ("snapshot", "digest", "signature", "signing_key", "state", "first_submitted_at", "submitted_at",
                       "submitted_by", "decided_at", "decided_by", "return_reason")
    inlines = [EventInline]


@admin.register(DepartmentKey)
class DepartmentKeyAdmin(admin.ModelAdmin):
    """Adding a key only asks for the department: the Ed25519 pair is generated (the private key is never shown)."""

    list_display = ("organisation", "public_key", "active", "created_at")
    list_filter = ("active",)
    exclude = ("private_key",)
    readonly_fields = ("public_key",)
    autocomplete_fields = ["organisation"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        from .services import create_key

        key = create_key(obj.organisation)
        obj.pk, obj.public_key, obj.private_key, obj.created_at = key.pk, key.public_key, key.private_key, key.created_at
