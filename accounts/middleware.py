import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import get_resolver, reverse
from django.utils.cache import patch_cache_control
from django.utils.log import log_response

from accounts import security, two_factor
from accounts.models import SecurityEvent


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request, or SESSION_MAX_HOURS after sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            last_seen = session.get("last_seen", now)
            signed_in_at = session.setdefault("signed_in_at", now)
            idle = now - last_seen > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - signed_in_at > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                user = request.user
                logout(request)
                security.record(SecurityEvent.Kind.SESSION_EXPIRED, request, user=user,
                                detail="idle" if idle else "maximum length")
                messages.info(request, "Your session ended for safety. Please sign in again.")
                return redirect_to_login(request.get_full_path())
            if now - last_seen > 60 or "last_seen" not in session:
                session["last_seen"] = now  # a minute's precision saves a session write per request
        return self.get_response(request)


class NoStoreMiddleware:
    """Every page, export and download answers ``Cache-Control: no-store, private``: nothing this application
    serves may be kept by a browser or a shared cache. Static files (WhiteNoise, earlier in MIDDLEWARE) keep
    their own long caching: they hold no data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class AccessRefusalLogMiddleware:
    """Records every 403 and 404 a signed-in user meets: refusals to see or change an object.

    A 403 is answered here, with the project's 403 page, and logged as one line saying who was refused what
    (Django would log it with the exception's traceback)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (PermissionDenied, Http404)):
            return None
        status = 403 if isinstance(exception, PermissionDenied) else 404
        user = request.user
        if user.is_authenticated:
            security.record(SecurityEvent.Kind.ACCESS_REFUSED, request, detail=f"{status} {request.method}")
        if status == 404:
            return None  # Django logs a 404 as one line already
        response = get_resolver().resolve_error_handler(403)(request, exception)
        who = f"{user.get_username()} ({user.role})" if user.is_authenticated else "anonymous"
        log_response(
            "Forbidden: %s %s refused to %s from %s", request.method, request.path, who,
            security.client_ip(request) or "unknown address", response=response, request=request,
        )
        return response


class SecondFactorMiddleware:
    """A signed-in user who has an authenticator, or whose role requires one, must confirm a code first.

    Until then every page, the admin site included, sends them to set up or enter the code.
    """

    ALLOWED_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/healthz/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not two_factor.verified(request) and not request.path.startswith(self.ALLOWED_PREFIXES):
            if two_factor.has_device(user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two_factor_verify"))
            if two_factor.is_required(user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two_factor_setup"))
        return self.get_response(request)


class OwnPasswordMiddleware:
    """A signed-in person whose password an administrator set (or who has none) chooses their own before
    anything else: every page, the admin site included, sends them to do it. Only that page, signing out, the
    two-factor steps (which come first) and static files are let through."""

    ALLOWED_PREFIXES = ("/accounts/password/set/", "/accounts/logout/", "/accounts/two-factor/", "/static/",
                        "/healthz/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.needs_own_password and not request.path.startswith(self.ALLOWED_PREFIXES):
            return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:password_set"))
        return self.get_response(request)
