from django.contrib import admin

from actionplans.models import Action, ActionPlan, ProgressUpdate, TargetDateChange
from audit.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    list_display = ["title", "review", "kind", "agency"]
    list_filter = ["kind", "agency", "review__status"]
    search_fields = ["title", "review__reference", "review__title"]
    list_select_related = ["review", "agency"]
    readonly_fields = ["created_at", "created_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A plan changes hands on its own page, which refuses to cut a lead agency off from its actions or
        # hands them over (actionplans.services.plan_update).
        if obj is not None:
            return ["review", "kind", "agency", *self.readonly_fields]
        return self.readonly_fields


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "status_before", "status_after", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(AuditedAdmin):
    list_display = ["__str__", "lead_agency", "responsible_officer", "target_date", "status"]
    list_filter = ["status", "lead_agency", "plan__review", "themes"]
    search_fields = ["reference", "recommendation__text", "description", "plan__review__reference"]
    list_select_related = ["plan__review", "lead_agency", "responsible_officer"]
    date_hierarchy = "target_date"
    filter_horizontal = ["themes"]
    raw_id_fields = ["plan", "responsible_officer"]
    exclude = ["status", "cancellation_reason"]
    readonly_fields = ["status_link", "cancellation_reason", "status_changed_at", "created_at", "created_by", "updated_at"]
    inlines = [ProgressUpdateInline]

    def get_readonly_fields(self, request, obj=None):
        # A target date moves on the action's page, with a reason (actionplans.dates); the admin shows it.
        if obj is not None:
            return ["target_date", "original_target_date", "target_date_moves", *self.readonly_fields]
        return self.readonly_fields


@admin.register(TargetDateChange)
class TargetDateChangeAdmin(ReadOnlyAdmin):
    """Moves of target dates and requests for them: made and decided on the action's page (actionplans.dates)."""

    list_display = ["__str__", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["action__reference", "action__plan__review__reference", "reason"]
    list_select_related = ["action__plan__review", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"
