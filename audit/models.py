from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ChangeRecord(models.Model):
    """Who changed what and when, with old and new values. Written by audit.services only."""

    class Verb(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=300)
    verb = models.CharField(max_length=20, choices=Verb.choices)
    #: {field verbose name: [old value as text, new value as text]}
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.object_repr} {self.verb} by {self.actor or 'system'} at {self.at:%Y-%m-%d %H:%M}"
