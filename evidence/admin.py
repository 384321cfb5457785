"""Evidence in the admin site: read-only. Decisions and withdrawals go through the pages (and their change
records); nothing is ever deleted, and the download log is for reading only."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from audit.admin import ReadOnlyAdmin
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload


class DecisionInline(admin.StackedInline):
    model = EvidenceDecision
    fields = ["outcome", "note", "decided_by", "decided_at", "notified_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["id", "action", "agency", "status", "original_name", "submitted_by", "submitted_at"]
    list_filter = ["status", "agency", "action__plan__review"]
    search_fields = ["description", "original_name", "action__reference", "action__plan__review__reference"]
    list_select_related = ["action__plan__review", "agency", "submitted_by"]
    date_hierarchy = "submitted_at"
    fields = [
        "action", "agency", "status", "description", "represents_on", "note", "original_name", "content_type",
        "file_size", "sha256", "stored_name", "supersedes", "submitted_by", "submitted_at", "withdrawal_reason",
        "withdrawn_by", "withdrawn_at", "page",
    ]
    readonly_fields = fields
    inlines = [DecisionInline]

    @admin.display(description="size")
    def file_size(self, obj):
        return filesizeformat(obj.size) if obj.size is not None else "—"

    @admin.display(description="in scrsystem")
    def page(self, obj):
        # The file itself is downloaded through the application, which checks access and logs it.
        return format_html('<a href="{}">Evidence #{}</a>', reverse("evidence:detail", args=[obj.pk]), obj.pk)


@admin.register(EvidenceDownload)
class EvidenceDownloadAdmin(ReadOnlyAdmin):
    """Who downloaded which evidence file, and when."""

    list_display = ["at", "user", "ip_address", "evidence", "file_name", "agency"]
    list_filter = ["evidence__agency"]
    search_fields = ["user__username", "user__last_name", "evidence__original_name"]
    list_select_related = ["user", "evidence__action__plan__review", "evidence__agency"]
    date_hierarchy = "at"
    fields = ["at", "user", "evidence"]
    readonly_fields = fields

    @admin.display(description="file name")
    def file_name(self, obj):
        return obj.evidence.original_name

    @admin.display(description="agency")
    def agency(self, obj):
        return obj.evidence.agency
