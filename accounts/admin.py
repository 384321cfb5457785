from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Agency, SecondFactorRule, SecurityEvent, User
from audit.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    """An agency that leaves the board is made inactive, never deleted: its actions and evidence stay."""

    list_display = ["name", "short_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """A person who leaves is made inactive, never deleted: what they wrote stays theirs on record."""

    list_display = ["username", "first_name", "last_name", "email", "role", "agency", "is_active", "last_login"]
    list_filter = ["role", "agency", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["agency"]
    fieldsets = BaseUserAdmin.fieldsets[:2] + (
        ("Role in scrsystem", {"fields": ("role", "agency", "job_title")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email", "role", "agency", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Sign-ins, failures, lock-outs and refusals."""

    list_display = ["at", "kind", "user", "username", "ip_address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "user__username", "ip_address", "path"]
    list_select_related = ["user"]
    date_hierarchy = "at"



@admin.register(SecondFactorRule)
class SecondFactorRuleAdmin(AuditedAdmin):
    list_display = ["role", "required"]
