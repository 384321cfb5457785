"""Two-factor sign-in with an authenticator app (TOTP, through django-otp), and recovery codes for when the phone is
lost (django-otp's static tokens): made when the app is linked, shown once, each usable once."""

import base64

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sso
from accounts.models import SecondFactorRule


def is_required(user):
    rule = SecondFactorRule.objects.filter(role=user.role).first()
    if rule is not None:
        return rule.required
    return user.role in settings.SECOND_FACTOR_ROLES


#: How many recovery codes a person gets at a time.
RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


def verified(request):
    """Has this session passed the second step: a code from the app or a recovery code (django-otp), or a single
    sign-on whose provider did multi-factor (accounts.sso)?"""
    return request.user.is_verified() or bool(request.session.get(sso.SECOND_FACTOR))


def has_device(user):
    """Has the user a linked authenticator app? Recovery codes alone are not one: they stand in for it."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_device(user):
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def new_recovery_codes(user):
    """Replace the user's recovery codes with RECOVERY_CODES new ones; return them (the only time they are read out).
    Kept as django-otp keeps them, in its table: whoever can read the database can read them, as with the
    authenticator's secret beside them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [readable_code(code) for code in codes]


def readable_code(code):
    """"abcd efgh" for "abcdefgh": easier to read out and copy by hand (recovery codes, the app's key)."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def use_recovery_code(device, typed):
    """True if ``typed`` is one of the device's codes, which is then used up. A conditional delete: of two sign-ins
    giving the same code at once, one deletes the row and the other finds nothing. Wrong codes count towards
    django-otp's throttle, as wrong authenticator codes do."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    code = "".join(typed.split()).replace("-", "").lower()
    used = StaticToken.objects.filter(device=device, token=code).delete()[0] == 1
    if used:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
    else:
        device.throttle_increment()
    return used


def pending_device(user):
    """The user's unconfirmed authenticator, created on first use, so that a reload shows the same code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_code_data_uri(device):
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def readable_secret(device):
    return readable_code(base64.b32encode(device.bin_key).decode().rstrip("="))
