from django.contrib import admin

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
    """The record of changes is never edited, even by administrators."""

    list_display = ["at", "actor", "content_type", "object_repr", "verb"]
    list_filter = ["content_type", "verb"]
    search_fields = ["object_repr", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"



class AuditedAdmin(admin.ModelAdmin):
    """Admin edits leave the same change records as the application's own forms; nothing is deleted."""

    audited_fields = []

    def save_model(self, request, obj, form, change):
        request._audit_before = (
            services.snapshot(type(obj).objects.get(pk=obj.pk), self.audited_fields) if change else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if request._audit_before is None:
            services.record_created(obj, actor=request.user, fields=self.audited_fields)
        else:
            services.record_changed(obj, actor=request.user, before=request._audit_before)

    def has_delete_permission(self, request, obj=None):
        return False
