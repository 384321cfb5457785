from django.contrib import admin
from django.utils.html import format_html

from audit import services
from audit.models import ChangeRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records (changes, security events, downloads, reminders): administrators read them, nobody edits them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    """The record of changes is never edited, even by administrators. ``sequence`` is the record's place in the
    chain, as the daily anchor names it."""

    list_display = ["sequence", "at", "actor", "content_type", "object_repr", "verb"]
    list_filter = ["content_type", "verb"]
    search_fields = ["object_repr", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits leave the same change records as the application's own pages (the model's AUDITED_FIELDS);
    nothing is deleted. A status is never set here: it is shown read-only, with a link to the page that moves it
    through actionplans.lifecycle (``status_link``)."""

    def save_model(self, request, obj, form, change):
        request._audit_before = services.snapshot_of(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if request._audit_before is None:
            services.record_created(obj, actor=request.user)
        else:
            services.record_changed(obj, actor=request.user, before=request._audit_before)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="status")
    def status_link(self, obj):
        if obj.pk is None:
            return "Set on the application's pages once saved."
        return format_html(
            '{} — <a href="{}">change it on its page</a>', obj.get_status_display(), obj.get_absolute_url()
        )
