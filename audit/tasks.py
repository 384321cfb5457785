"""Celery tasks of the audit app: thin, they call a plain function. Scheduled in scrsystem/celery.py."""

import smtplib

from celery import shared_task

from audit import anchors


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, max_retries=5)
def anchor_audit_chain():
    """Log the audit chain's head and e-mail it to the administrators (audit.anchors). A retry after a failed
    e-mail anchors the head as it is then: any day's anchor is as good as another."""
    anchor, recipients = anchors.anchor_chain()
    return f"{anchor} (e-mailed to {len(recipients)})"
