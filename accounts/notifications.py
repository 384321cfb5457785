"""The password-reset e-mail, sent by accounts.tasks.send_password_reset (never in the request)."""

import urllib.parse

from django.conf import settings

from accounts.forms import ResetRequestForm


def send_password_reset(email):
    """E-mail a reset link to each active account with this address that has a usable password; links are
    built from SITE_URL, never from a request's Host header. Returns how many e-mails were sent."""
    form = ResetRequestForm(data={"email": email})
    if not form.is_valid():
        return 0
    recipients = list(form.get_users(form.cleaned_data["email"]))
    if not recipients:
        return 0
    site = urllib.parse.urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="accounts/password_reset_subject.txt",
        email_template_name="accounts/password_reset_email.txt",
        extra_email_context={"site_url": settings.SITE_URL},
    )
    return len(recipients)
