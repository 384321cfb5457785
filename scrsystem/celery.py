import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

app = Celery("scrsystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives here, in one place, as periodic jobs are added.
app.conf.beat_schedule = {}
