"""Celery tasks of the dashboard: thin, they call a service. Scheduled in scrsystem/celery.py."""

from celery import shared_task

from dashboard import services


@shared_task
def take_snapshot():
    """Record today's figures of every plan and agency (idempotent: a rerun updates the same rows)."""
    return services.snapshot_take()
