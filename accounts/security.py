"""Recording security events and finding the client's address."""

import ipaddress

from django.conf import settings
from django.db import transaction

from accounts.models import SecurityEvent
from audit.services import record_sealed


def client_ip(request):
    """REMOTE_ADDR, or the address a trusted proxy put in X-Forwarded-For.

    X-Forwarded-For is believed only when TRUSTED_PROXY_COUNT proxies are configured; then the address
    that many hops from the right is the client's (anything further left could be spoofed).
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record(kind, request=None, *, user=None, username="", detail=""):
    if user is None and request is not None and getattr(request, "user", None) and request.user.is_authenticated:
        user = request.user
    # The event and its seal in the audit chain are written together, or not at all (the system records it).
    with transaction.atomic(savepoint=False):
        event = SecurityEvent.objects.create(
            kind=kind,
            user=user if user is not None and user.pk else None,
            username=(username or (user.get_username() if user is not None else ""))[:150],
            ip_address=client_ip(request) if request is not None else None,
            path=(request.path if request is not None else "")[:500],
            detail=detail[:500],
        )
        record_sealed(event, actor=None)
    return event
