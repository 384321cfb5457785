from django.contrib import admin

from audit.admin import AuditedAdmin, ReadOnlyAdmin
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile, SubCommittee


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


@admin.register(LearningFile)
class LearningFileAdmin(ReadOnlyAdmin):
    """Registers and materials are uploaded on the event's page through the upload gate; here they are read."""

    list_display = ["original_name", "event", "kind", "agency", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "event__title"]
    list_select_related = ["event", "agency", "uploaded_by"]


@admin.register(SubCommittee)
class SubCommitteeAdmin(AuditedAdmin):
    """The board's sub-committees and their members: the members of one record its impact checks' findings. Made
    inactive, never deleted."""

    list_display = ["name", "checks_impact", "is_active"]
    list_filter = ["is_active", "checks_impact"]
    search_fields = ["name", "description"]
    filter_horizontal = ["members"]


@admin.register(ImpactCheck)
class ImpactCheckAdmin(AuditedAdmin):
    """Impact checks: reassigned or re-dated here as on their page; the finding is recorded on the page only."""

    list_display = ["action", "due_on", "status", "sub_committee", "finding", "checked_on"]
    list_filter = ["status", "finding", "sub_committee"]
    search_fields = ["action__reference", "action__plan__review__reference", "finding_note"]
    list_select_related = ["action__plan__review", "sub_committee"]
    date_hierarchy = "due_on"
    fields = ["action", "sub_committee", "due_on", "status_link", "finding", "looked_at", "finding_note",
              "checked_on", "checked_by", "follows", "follow_up_action", "created_at", "created_by", "updated_at"]
    readonly_fields = ["action", "status_link", "finding", "looked_at", "finding_note", "checked_on", "checked_by",
                       "follows", "follow_up_action", "created_at", "created_by", "updated_at"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        """A check done or withdrawn is a record: only a check still to do is reassigned or re-dated (as on its
        page, learning.services.impact_check_update)."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status != ImpactCheck.Status.OPEN:
            fields = [*fields, "sub_committee", "due_on"]
        return fields
