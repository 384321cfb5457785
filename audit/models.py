from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit import chain


class ChangeRecord(models.Model):
    """Who changed what and when, with old and new values. Written by audit.services only.

    Records form a keyed hash chain (audit.chain): each one's ``hash`` covers its own content, its ``sequence``
    and the previous record's hash, so an edited, inserted or removed record breaks the chain, and only the
    holder of AUDIT_CHAIN_KEY can write one (``manage.py verify_audit_chain``). ``seal`` ties the record to the
    row it is about as written, for the models of audit.chain.SEALED_FIELDS.
    """

    class Verb(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        #: A row written once and never changed (a progress entry, a download, a security event) is in the chain.
        #: History pages leave these out: the row itself is shown where it belongs.
        RECORDED = "recorded", "Recorded"

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
    #: The record's place in the chain: 1, 2, 3 … without gaps (ids may have gaps after a rollback).
    sequence = models.PositiveBigIntegerField(unique=True)
    #: audit.chain.seal() of the row as written; empty for models that are not sealed.
    seal = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            # audit.verification reads the seals of one model in the order of its rows.
            models.Index(fields=["content_type", "object_id", "sequence"], name="audit_record_seals_idx"),
        ]

    def __str__(self):
        return f"{self.object_repr} {self.verb} by {self.actor or 'system'} at {self.at:%Y-%m-%d %H:%M}"

    def sentences(self):
        """The change in plain words, one sentence a field, e.g. “Target date changed from 1 Mar 2026 to 1 Apr 2026”."""
        if self.verb in (self.Verb.CREATED, self.Verb.RECORDED):
            return [self.get_verb_display()]
        return [f"{field[:1].upper()}{field[1:]} changed from {old} to {new}" for field, (old, new) in self.changes.items()]

    def compute_hash(self):
        return chain.record_hash(self)


class ChainHead(models.Model):
    """One row holding the newest record's place and hash; locking it serialises writers of the chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self):
        return f"audit chain head: record {self.sequence}, {self.last_hash[:12]}"
