"""Celery tasks of the accounts app: thin, they take plain values and call a plain function."""

import smtplib

from celery import shared_task

from accounts import notifications


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=5)
def send_password_reset(email):
    """Enqueued by accounts.views.PasswordResetView with delay_on_commit."""
    return notifications.send_password_reset(email)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=5)
def send_invitation(user_id):
    """Enqueued by accounts.invitations.invite with delay_on_commit."""
    return notifications.send_invitation(user_id)
