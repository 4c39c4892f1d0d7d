from django.contrib import admin

from .models import ExtractedItem, SourceDocument


class ExtractedItemInline(admin.TabularInline):
    model = ExtractedItem
    extra = 0
    fields = ("kind", "start", "end", "quote", "status")
    readonly_fields = ("kind", "start", "end", "quote")
    show_change_link = True


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "period", "event_date", "fmt", "created_at")
    list_filter = ("fmt", "period")
    search_fields = ("name", "province", "sha256")
    readonly_fields = ("sha256", "size", "fmt", "encoding", "extractor_version", "catalog_source", "created_at", "uploaded_by")
    exclude = ("result",)
    inlines = [ExtractedItemInline]


@admin.register(ExtractedItem)
class ExtractedItemAdmin(admin.ModelAdmin):
    list_display = ("document", "kind", "status", "quote")
    list_filter = ("kind", "status")
    search_fields = ("quote",)
    readonly_fields = ("document", "kind", "start", "end", "quote", "data", "target", "reviewed_by", "reviewed_at")
