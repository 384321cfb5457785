"""Sign-in events become security records. (Logging only: no business rules live in signals.)"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts import security
from accounts.models import SecurityEvent


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # Both clocks of SessionTimeoutMiddleware start at sign-in.
        request.session["signed_in_at"] = request.session["last_seen"] = timezone.now().timestamp()
    # A single sign-on says with which provider, and whether it counted as the second factor (accounts.sso_views).
    security.record(SecurityEvent.Kind.SIGNED_IN, request, user=user, detail=getattr(request, "sign_in_detail", ""))


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        security.record(SecurityEvent.Kind.SIGNED_OUT, request, user=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; only the username is kept.
    security.record(SecurityEvent.Kind.SIGN_IN_FAILED, request, username=str(credentials.get("username", "")))


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    # django-axes locks the pair of account and address (LOGIN_FAILURE_LIMIT); the address limit is logged by
    # accounts.views.login. Each refused attempt during the lock is logged too.
    security.record(
        SecurityEvent.Kind.LOCKED_OUT, request, username=username or "",
        detail=f"account and address: {settings.AXES_FAILURE_LIMIT} or more wrong passwords for this account "
        "from this address",
    )
