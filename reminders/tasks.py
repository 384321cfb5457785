"""Celery tasks: thin wrappers around reminders.services. The schedule is in scrsystem/celery.py."""

import datetime

from celery import shared_task
from django.conf import settings

from actionplans import rules
from reminders import services


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_reminders(self, on=None):
    """Send the reminders of ``on`` (ISO date; default: today in TIME_ZONE), then retry what is still pending.

    A failed e-mail or a claim left by a killed worker is retried with backoff by a later run of this same task;
    the number of attempts per e-mail is bounded by REMINDER_MAX_ATTEMPTS in the service, which then records it
    as failed, so the task's own retries are bounded too.
    """
    day = datetime.date.fromisoformat(on) if on else rules.today()
    outcome = services.send_reminders(on=day)
    limit = settings.REMINDER_MAX_ATTEMPTS * 2
    if outcome.retry_in is not None and self.request.retries < limit:
        raise self.retry(kwargs={"on": day.isoformat()}, countdown=outcome.retry_in, max_retries=limit)
    return str(outcome)
