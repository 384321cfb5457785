"""Recording changes. Every service that writes a review, plan or action calls one of these."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import ChangeRecord


def _display(obj, field):
    if isinstance(field, models.ManyToManyField):
        return ", ".join(sorted(str(related) for related in getattr(obj, field.name).all())) or "—"
    value = getattr(obj, field.name)
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.date):
        return value.isoformat()
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
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        verb=verb,
        changes=labelled,
        actor=actor,
    )


def history_of(obj):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")
