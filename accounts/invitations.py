"""Inviting a person: an administrator creates their account with an e-mail address and no password, and the
person gets a link to choose their own (README "Security and trust", invitations).

The link carries a token of its own kind (not a password-reset token): it expires INVITATION_DAYS after it was
sent, and works once, since the hash it signs changes as soon as the password is set or the person signs in.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from accounts import security, tasks
from accounts.models import SecurityEvent, User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token (it signs the password hash, the last sign-in and the e-mail address) with its own
    salt, so a reset token is no invitation and an invitation no reset token, and its own lifetime."""

    key_salt = "accounts.invitations.InvitationTokenGenerator"

    def check_token(self, user, token):
        # Django's check ends a token after PASSWORD_RESET_TIMEOUT; an invitation lives INVITATION_DAYS.
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        secrets = [self.secret, *self.secret_fallbacks]
        if not any(constant_time_compare(self._make_token_with_timestamp(user, ts, s), token) for s in secrets):
            return False
        return self._num_seconds(self._now()) - ts <= settings.INVITATION_DAYS * 24 * 3600


invitation_tokens = InvitationTokenGenerator()


def refusal(user):
    """Why ``user`` cannot be (re-)invited, in words, or "" when they can: an invitation is for an active account
    with an e-mail address whose owner has not chosen a password yet."""
    if not user.is_active:
        return "the account is inactive"
    if not user.email:
        return "the account has no e-mail address"
    if not user.needs_own_password:
        return "they have chosen their own password already (“Forgotten your password?” on the sign-in page helps)"
    return ""


def invite(user, *, request):
    """Record the invitation and send it after the commit (accounts.tasks.send_invitation). The administrator
    doing it is ``request.user``; the event names the invited person."""
    if refusal(user):
        raise ValueError(f"{user.get_username()} cannot be invited: {refusal(user)}")
    if not user.must_set_password:
        User.objects.filter(pk=user.pk).update(must_set_password=True)
        user.must_set_password = True
    security.record(
        SecurityEvent.Kind.INVITATION_SENT, request, user=user,
        detail=f"to {user.email} by {request.user.get_username()}, valid for {settings.INVITATION_DAYS} days",
    )
    tasks.send_invitation.delay_on_commit(user.pk)


def invitation_link(user):
    path = reverse(
        "accounts:invitation", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                       "token": invitation_tokens.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"
