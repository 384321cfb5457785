from django.contrib import admin

from audit.admin import AuditedAdmin, ReadOnlyAdmin
from learning.models import Attendance, EventFile, LearningEvent


class AttendanceInline(admin.TabularInline):
    """Read here; recorded on the event's page (learning.services), where each change is recorded."""

    model = Attendance
    fields = ["agency", "attended", "note", "created_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LearningEvent)
class LearningEventAdmin(AuditedAdmin):
    """Learning events, with the same change records as their pages; nothing deleted. The status moves on the
    event's page only (held, cancelled, scheduled again)."""

    list_display = ["title", "held_on", "kind", "audience", "status"]
    list_filter = ["status", "kind", "audience", "themes"]
    search_fields = ["title", "facilitator", "description"]
    date_hierarchy = "held_on"
    filter_horizontal = ["themes"]
    exclude = ["status", "cancellation_reason"]
    readonly_fields = ["status_link", "created_at", "created_by", "updated_at"]
    inlines = [AttendanceInline]


@admin.register(EventFile)
class EventFileAdmin(ReadOnlyAdmin):
    """Registers and materials are uploaded on the event's page through the upload gate; here they are read."""

    list_display = ["original_name", "event", "kind", "agency", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "event__title"]
    list_select_related = ["event", "agency", "uploaded_by"]
