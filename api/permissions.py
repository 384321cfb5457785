"""What a token may do: read with any live token; write (POST) only with one made "read and write", and then only
what the person may do on the pages (the views ask accounts.access and actionplans.lifecycle, as the pages do)."""

import datetime

from rest_framework import permissions, throttling

from api import tokens
from api.models import ApiToken


class TokenScope(permissions.BasePermission):
    message = "This token may only read. Make a token that may read and write to change anything."

    def has_permission(self, request, view):
        token = request.auth
        if not (request.user and request.user.is_authenticated and isinstance(token, ApiToken)):
            return False
        return request.method in permissions.SAFE_METHODS or token.scope == ApiToken.Scope.WRITE


class TokenRateThrottle(throttling.BaseThrottle):
    """At most API_RATE_LIMIT requests a minute per token, counted in the database (every server sees the same
    count: README, "Several web servers and workers")."""

    window = datetime.timedelta(minutes=1)

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        return tokens.recent_uses(token, self.window) <= tokens.rate_limit()

    def wait(self):
        return self.window.total_seconds()
