"""Board concerns in the admin site: read here, written on the application's pages (concerns.services), where each
rule holds (an indicator's agency among the concern's, a correction's reason) and each change is recorded."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from concerns.models import Concern, ConcernFile, DataPoint, DataPointCorrection, Entry, Indicator


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EntryInline(_ReadOnlyInline):
    model = Entry
    fields = ["on", "kind", "agency", "text", "created_by", "created_at"]
    readonly_fields = fields


class IndicatorInline(_ReadOnlyInline):
    model = Indicator
    fields = ["name", "owner", "unit", "target", "direction", "frequency", "is_active"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "source", "raised_on", "raised_with"]
    list_filter = ["status", "source", "agencies"]
    search_fields = ["title", "description", "raised_with"]
    date_hierarchy = "raised_on"
    inlines = [IndicatorInline, EntryInline]


class CorrectionInline(_ReadOnlyInline):
    model = DataPointCorrection
    fields = ["old_value", "new_value", "reason", "corrected_by", "corrected_at"]
    readonly_fields = fields


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["name", "concern", "owner", "target", "direction", "frequency", "is_active"]
    list_filter = ["frequency", "direction", "is_active", "owner"]
    search_fields = ["name", "concern__title"]
    list_select_related = ["concern", "owner"]


@admin.register(DataPoint)
class DataPointAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "period", "value", "entered_by", "entered_at", "updated_at"]
    list_filter = ["indicator__owner"]
    search_fields = ["indicator__name", "note"]
    list_select_related = ["indicator__owner", "entered_by"]
    inlines = [CorrectionInline]


@admin.register(ConcernFile)
class ConcernFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "point", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "point__indicator__name"]
    list_select_related = ["point__indicator", "uploaded_by"]
