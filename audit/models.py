import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ChangeRecord(models.Model):
    """Who changed what and when, with old and new values. Written by audit.services only.

    Records form a hash chain: each one's ``hash`` covers its own content and the previous record's
    hash, so an edited, inserted or removed record breaks the chain (``manage.py verify_audit_chain``).
    """

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
    at = models.DateTimeField(db_index=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.object_repr} {self.verb} by {self.actor or 'system'} at {self.at:%Y-%m-%d %H:%M}"

    def sentences(self):
        """The change in plain words, one sentence a field, e.g. “Target date changed from 1 Mar 2026 to 1 Apr 2026”."""
        if self.verb == self.Verb.CREATED:
            return ["Created"]
        return [f"{field[:1].upper()}{field[1:]} changed from {old} to {new}" for field, (old, new) in self.changes.items()]

    def compute_hash(self):
        content = {
            "content_type": self.content_type_id,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "verb": self.verb,
            "changes": self.changes,
            "actor": self.actor_id,
            "at": self.at.isoformat(),
            "previous_hash": self.previous_hash,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ChainHead(models.Model):
    """One row holding the newest record's hash; locking it serialises writers of the chain."""

    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self):
        return f"audit chain head {self.last_hash[:12]}"
