"""Celery tasks of the evidence app: thin, they take ids and call a plain function."""

import smtplib

from celery import shared_task

from evidence import notifications


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=5)
def send_rejection_email(decision_id):
    """Enqueued by evidence.services.evidence_decide with delay_on_commit, so only for a committed rejection."""
    return notifications.send_rejection_email(decision_id)
