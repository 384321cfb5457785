"""The password-reset and invitation e-mails, sent by accounts.tasks (never in the request)."""

import datetime
import urllib.parse

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import invitations
from accounts.forms import ResetRequestForm
from accounts.models import User


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


def send_invitation(user_id):
    """E-mail an invitation (accounts.invitations) with a link built from SITE_URL. Nothing is sent to an account
    that can no longer be invited: deactivated since, or using a password of its own by now."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or invitations.refusal(user):
        return
    context = {
        "user": user,
        "link": invitations.invitation_link(user),
        "days": settings.INVITATION_DAYS,
        "expires": timezone.localdate() + datetime.timedelta(days=settings.INVITATION_DAYS),
        "site_url": settings.SITE_URL,
    }
    send_mail(
        "scrsystem: your account is ready, choose your password",
        render_to_string("accounts/invitation_email.txt", context),
        None,
        [user.email],
    )
