from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from reminders.models import Reminder, ReminderItem, ReminderPreference


class ReminderItemInline(admin.TabularInline):
    model = ReminderItem
    fields = ["kind", "action", "evidence", "impact_check", "event", "agency", "indicator", "concern", "days"]
    readonly_fields = fields
    extra = 0

    has_add_permission = ReadOnlyAdmin.has_add_permission
    has_change_permission = ReadOnlyAdmin.has_change_permission
    has_delete_permission = ReadOnlyAdmin.has_delete_permission

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "action__plan__review", "impact_check__action", "event", "agency", "indicator__owner", "concern"
        )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["day", "kind", "recipient", "email", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "kind", "day"]
    search_fields = ["recipient__username", "recipient__last_name", "email", "error"]
    list_select_related = ["recipient"]
    date_hierarchy = "day"
    fields = [
        "day", "kind", "recipient", "email", "status", "attempts",
        "claimed_at", "retry_after", "sent_at", "error", "claim_token",
    ]
    readonly_fields = fields
    inlines = [ReminderItemInline]

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:80]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "due_soon", "updated_at"]
    list_filter = ["delivery", "due_soon"]
    search_fields = ["user__username", "user__last_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        return False
