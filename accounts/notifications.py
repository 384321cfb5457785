"""The password-reset e-mail, sent by accounts.tasks.send_password_reset (never in the request)."""

import urllib.parse

from django.conf import settings

from accounts.forms import ResetRequestForm


def send_password_reset(email):
    """E-mail a reset link to each active account with this address that has a usable password (Django's
    PasswordResetForm finds them; none, and nothing is sent). Links are built from SITE_URL, never from a
    request's Host header."""
    form = ResetRequestForm(data={"email": email})
    if not form.is_valid():
        return
    site = urllib.parse.urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="accounts/password_reset_subject.txt",
        email_template_name="accounts/password_reset_email.txt",
        extra_email_context={"site_url": settings.SITE_URL},
    )
