from django.contrib import admin, messages

from api import tokens
from api.models import ApiToken, ApiTokenUse
from audit.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Every person's API tokens: administrators read them (never the token itself: only its fingerprint is kept)
    and revoke them; a token is made by its owner only, on their API tokens page."""

    list_display = ["name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "last_used_from",
                    "state", "revoked_by"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user", "revoked_by"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    @admin.display(description="state")
    def state(self, token):
        return token.state

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        stopped = sum(tokens.revoke(token, actor=request.user, request=request) for token in queryset)
        self.message_user(request, f"{stopped} token{'s' if stopped != 1 else ''} revoked; "
                                   f"{queryset.count() - stopped} already were.", messages.SUCCESS)


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(ReadOnlyAdmin):
    """Each request made with a token: when, from where, what."""

    list_display = ["at", "token", "method", "path", "ip_address"]
    search_fields = ["token__name", "token__user__username", "path", "ip_address"]
    list_select_related = ["token__user"]
    date_hierarchy = "at"
