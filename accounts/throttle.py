"""How often one address may fail to sign in, and how often a password reset may be asked for (README,
"Security and trust", the sign-in and password policy).

django-axes locks the pair of account and address (LOGIN_FAILURE_LIMIT wrong passwords); this module adds
what axes cannot express: a higher limit for one address whatever the accounts it tries, and the reset
throttles. Both count rows in the database, so every web server sees the same figures, and a successful
sign-in clears nothing here.
"""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounts.models import SecurityEvent
from accounts.security import client_ip

RESET_WINDOW = datetime.timedelta(hours=1)


def address_failures(request):
    """Wrong passwords from this request's address, for any account, within the cool-off."""
    address = client_ip(request)
    if address is None:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def address_locked(request):
    return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def reset_account_key(email):
    """How a reset request's e-mail address is kept in the security log, to count requests per account."""
    return email.strip().lower()[:150]


def _recent_resets(**filters):
    return SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, at__gte=timezone.now() - RESET_WINDOW, **filters
    )


def reset_refused_for_address(request):
    """True once this address has asked for PASSWORD_RESET_LIMIT resets within the hour (whatever the accounts)."""
    return _recent_resets(ip_address=client_ip(request)).count() >= settings.PASSWORD_RESET_LIMIT


def reset_refused_for_account(email):
    """True once PASSWORD_RESET_LIMIT reset e-mails for this address were sent within the hour, from anywhere.
    Only requests that led to an e-mail count, so a stranger's refused requests do not use up the owner's."""
    return _recent_resets(username=reset_account_key(email), detail="").count() >= settings.PASSWORD_RESET_LIMIT
