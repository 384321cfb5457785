import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

app = Celery("scrsystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender, **kwargs):
    """The beat schedule lives here, in one place. Times are in CELERY_TIMEZONE (the TIME_ZONE setting).

    It is set once the configuration is read, because the times come from Django's settings.
    """
    from django.conf import settings

    if hasattr(settings, "CELERY_REDBEAT_REDIS_URL"):
        # Under its own name too: redbeat looks for this key without the CELERY_ namespace.
        sender.conf.redbeat_redis_url = settings.CELERY_REDBEAT_REDIS_URL
    sender.conf.beat_schedule = {
        "send-reminders": {
            "task": "reminders.tasks.send_reminders",
            "schedule": crontab(hour=settings.REMINDER_HOUR, minute=settings.REMINDER_MINUTE),
        },
        "take-dashboard-snapshot": {
            "task": "dashboard.tasks.take_snapshot",
            "schedule": crontab(hour=settings.SNAPSHOT_HOUR, minute=settings.SNAPSHOT_MINUTE),
        },
        "anchor-audit-chain": {
            "task": "audit.tasks.anchor_audit_chain",
            "schedule": crontab(hour=settings.AUDIT_ANCHOR_HOUR, minute=settings.AUDIT_ANCHOR_MINUTE),
        },
    }
