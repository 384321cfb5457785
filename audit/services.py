"""Recording changes. Every service that writes a review, plan or action calls one of these."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import formats, timezone

from audit.models import ChainHead, ChangeRecord


def _display(obj, field):
    if isinstance(field, models.ManyToManyField):
        return ", ".join(sorted(str(related) for related in getattr(obj, field.name).all())) or "—"
    value = getattr(obj, field.name)
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j M Y")
    return str(value)


def snapshot(obj, fields):
    """The displayed values of the named fields, to compare before and after a change."""
    return {name: _display(obj, obj._meta.get_field(name)) for name in fields}


def record_created(obj, *, actor, fields):
    values = snapshot(obj, fields)
    return _write(obj, actor, ChangeRecord.Verb.CREATED, {name: [None, value] for name, value in values.items()})


def record_changed(obj, *, actor, before):
    """Record the fields whose displayed value differs from ``before`` (a snapshot()). None if nothing changed."""
    after = snapshot(obj, before.keys())
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if not changes:
        return None
    return _write(obj, actor, ChangeRecord.Verb.CHANGED, changes)


def _write(obj, actor, verb, changes):
    labelled = {str(obj._meta.get_field(name).verbose_name): values for name, values in changes.items()}
    record = ChangeRecord(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        verb=verb,
        changes=labelled,
        actor=actor,
        at=timezone.now(),
    )
    with transaction.atomic():
        # The head row is locked until the transaction ends: one writer extends the chain at a time.
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        record.previous_hash = head.last_hash
        record.hash = record.compute_hash()
        record.save()
        head.last_hash = record.hash
        head.save(update_fields=["last_hash"])
    return record


def verify_chain():
    """Walk the chain oldest first. Returns (number of records checked, first broken record or None, reason)."""
    previous = ""
    checked = 0
    for record in ChangeRecord.objects.order_by("id").iterator(chunk_size=2000):
        if record.previous_hash != previous:
            return checked, record, "its link to the previous record does not match (a record was removed or inserted)"
        if record.compute_hash() != record.hash:
            return checked, record, "its content does not match its hash (the record was altered)"
        previous = record.hash
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != previous:
        return checked, None, "the newest records are missing (the chain head does not match the last record)"
    return checked, None, ""


def history_of(obj):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")
