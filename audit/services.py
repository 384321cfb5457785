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


def audited_fields(obj):
    """The fields whose changes are recorded, declared once on the model as ``AUDITED_FIELDS``."""
    return type(obj).AUDITED_FIELDS


def snapshot_of(obj):
    """snapshot() of the model's audited fields, as stored now (not as changed in memory)."""
    return snapshot(type(obj).objects.get(pk=obj.pk), audited_fields(obj))


def record_created(obj, *, actor, fields=None):
    values = snapshot(obj, fields or audited_fields(obj))
    return _write(obj, actor, ChangeRecord.Verb.CREATED, {name: [None, value] for name, value in values.items()})


#: Models whose status only actionplans.lifecycle changes.
LIFECYCLE_MODELS = ("actionplans.Action", "evidence.Evidence")


@transaction.atomic
def save_audited(obj, *, actor, values, m2m=None):
    """Create or change ``obj``: set ``values`` (and many-to-many ``m2m``), check it with full_clean (so the
    model's rules hold whoever calls), save it and record the change, all in one transaction. Returns obj."""
    if "status" in values and obj._meta.label in LIFECYCLE_MODELS:
        raise ValueError(f"A {obj._meta.verbose_name}'s status changes only through actionplans.lifecycle.")
    creating = obj.pk is None
    before = None if creating else snapshot_of(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    if creating and hasattr(obj, "created_by_id"):
        obj.created_by = actor
    obj.full_clean()
    obj.save()
    for name, value in (m2m or {}).items():
        getattr(obj, name).set(value)
    if creating:
        record_created(obj, actor=actor)
    else:
        record_changed(obj, actor=actor, before=before)
    return obj


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
