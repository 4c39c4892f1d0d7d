from django.contrib import admin

from .models import BriefingJob, PackIndicator, PackProfile


@admin.register(PackIndicator)
class PackIndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "order", "rank", "active")
    list_editable = ("order", "rank", "active")


@admin.register(PackProfile)
class PackProfileAdmin(admin.ModelAdmin):
    list_display = ("symbol_type", "place", "signer_name")


@admin.register(BriefingJob)
class BriefingJobAdmin(admin.ModelAdmin):
    list_display = ("period", "status", "requested_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("period", "requested_by", "created_at", "finished_at", "status", "task_id",
                       "docx_path", "pdf_path", "pdf_error", "error")
