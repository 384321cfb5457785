"""Personal API tokens (README, "REST API"): made, used and revoked here, and nowhere else.

A token is ``scr_`` and 43 random URL-safe characters, shown to its owner once. Only its SHA-256 is kept (a
random token of 256 bits needs no slow hash), with its first characters to tell tokens apart. A token works until
it expires (API_TOKEN_DAYS by default) or is revoked, for an active account only; a role that must sign in with a
second factor may use only tokens made in a session that passed it. Each refusal is in the security log; each
use is logged (``ApiTokenUse``) and counted against API_RATE_LIMIT.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone

from accounts import security, two_factor
from accounts.models import SecurityEvent
from api.models import ApiToken, ApiTokenUse

PREFIX = "scr_"
#: How many characters of a token are kept in the clear, to tell a person's tokens apart.
SHOWN_CHARACTERS = 8


class Refused(Exception):
    """The token may not be used; the message says why, for the person whose program sent it."""


def hash_of(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def make(*, user, name, scope, days, request):
    """A new token for ``user``: (the ApiToken, the token itself, to show once)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: SHOWN_CHARACTERS],
        token_hash=hash_of(raw),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
        made_after_second_factor=two_factor.verified(request),
    )
    security.record(SecurityEvent.Kind.API_TOKEN_MADE, request, user=user, detail=f"{token} ({token.get_scope_display()})")
    return token, raw


def revoke(token, *, actor, request=None):
    """Stop ``token`` now. A conditional write: True if this call stopped it, False if it was stopped already."""
    with transaction.atomic():
        stopped = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if stopped:
            security.record(SecurityEvent.Kind.API_TOKEN_REVOKED, request, user=actor, detail=str(token))
    return bool(stopped)


def _refusal(token, now):
    if token.revoked_at is not None:
        return "This token was revoked. Make a new one on your API tokens page."
    if token.expires_at <= now:
        day = formats.date_format(timezone.localtime(token.expires_at), "j M Y")
        return f"This token expired on {day}. Make a new one on your API tokens page."
    if not token.user.is_active:
        return "The account this token belongs to is not active."
    if two_factor.is_required(token.user) and not token.made_after_second_factor:
        return ("Your role signs in with a second factor, and this token was made without one. Sign in with your "
                "authenticator app and make a new token.")
    return None


def authenticate(raw, request):
    """The token ``raw`` names, if it may be used now; its use is logged. Refused (and the refusal logged) if not."""
    now = timezone.now()
    token = None
    if raw.startswith(PREFIX) and len(raw) < 100:
        token = ApiToken.objects.select_related("user").filter(token_hash=hash_of(raw)).first()
    if token is None:
        security.record(SecurityEvent.Kind.API_TOKEN_REFUSED, request, detail="An unknown token.")
        raise Refused("This token is not one of ours. Check it was copied whole.")
    refusal = _refusal(token, now)
    if refusal:
        security.record(SecurityEvent.Kind.API_TOKEN_REFUSED, request, user=token.user, detail=f"{token}: {refusal}")
        raise Refused(refusal)
    address = security.client_ip(request)
    ApiTokenUse.objects.create(token=token, at=now, ip_address=address, method=request.method[:10],
                               path=request.get_full_path()[:500])
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
    return token


def recent_uses(token, window=datetime.timedelta(minutes=1)):
    """How many requests ``token`` made in the last ``window`` (this one included)."""
    return ApiTokenUse.objects.filter(token=token, at__gt=timezone.now() - window).count()


def rate_limit():
    return settings.API_RATE_LIMIT
