from django.contrib import admin

from actionplans.models import Action, ActionPlan, ProgressUpdate
from actionplans.services import ACTION_FIELDS, PLAN_FIELDS
from audit.admin import AuditedAdmin


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    audited_fields = PLAN_FIELDS
    list_display = ["title", "review", "kind", "agency"]
    list_filter = ["kind", "agency", "review__status"]
    search_fields = ["title", "review__reference", "review__title"]
    list_select_related = ["review", "agency"]
    readonly_fields = ["created_at", "created_by", "updated_at"]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "status_before", "status_after", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(AuditedAdmin):
    audited_fields = ACTION_FIELDS
    list_display = ["__str__", "lead_agency", "responsible_officer", "target_date", "status"]
    list_filter = ["status", "lead_agency", "plan__review", "themes"]
    search_fields = ["reference", "recommendation", "description", "plan__review__reference"]
    list_select_related = ["plan__review", "lead_agency", "responsible_officer"]
    date_hierarchy = "target_date"
    filter_horizontal = ["themes"]
    raw_id_fields = ["plan", "responsible_officer"]
    readonly_fields = ["created_at", "created_by", "updated_at", "status_changed_at"]
    inlines = [ProgressUpdateInline]
