"""Two-factor sign-in with an authenticator app (TOTP, through django-otp)."""

import base64

import segno
from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecondFactorRule


def is_required(user):
    rule = SecondFactorRule.objects.filter(role=user.role).first()
    if rule is not None:
        return rule.required
    return user.role in settings.SECOND_FACTOR_ROLES


def has_device(user):
    return user_has_device(user, confirmed=True)


def pending_device(user):
    """The user's unconfirmed authenticator, created on first use, so that a reload shows the same code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_code_data_uri(device):
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def readable_secret(device):
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
