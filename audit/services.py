"""Recording changes. Every service that writes a review, plan, action or evidence item calls one of these, and
every row the chain seals (audit.chain.SEALED_FIELDS) is sealed here, in the transaction that writes it."""

import contextlib
import datetime
import sqlite3

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import formats, timezone

from audit import chain
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


#: Models whose status only their lifecycle changes (actionplans.lifecycle; learning events' and impact checks',
#: learning.services).
LIFECYCLE_MODELS = ("actionplans.Action", "evidence.Evidence", "learning.LearningEvent", "learning.ImpactCheck")


@transaction.atomic
def save_audited(obj, *, actor, values, m2m=None):
    """Create or change ``obj``: set ``values`` (and many-to-many ``m2m``), check it with full_clean (so the
    model's rules hold whoever calls), save it and record the change, all in one transaction. Returns obj."""
    if "status" in values and obj._meta.label in LIFECYCLE_MODELS:
        raise ValueError(f"A {obj._meta.verbose_name}'s status changes only through its lifecycle.")
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


def record_sealed(obj, *, actor):
    """Put a row that is written once and never changed (a progress entry, an evidence download, a security event)
    in the chain: a "recorded" record carrying its seal. Call it in the transaction that wrote the row, so that
    there is never one without the other; verify_audit_chain reports a sealed row without its record.

    A deliberate correction of such a row (the demo seed dates its story) is sealed again the same way, in the
    correction's transaction: the newest seal is the one the row must match, and the chain keeps both."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"Seal {obj._meta.verbose_name} #{obj.pk} in the transaction that writes it.")
    return _write(obj, actor, ChangeRecord.Verb.RECORDED, {})


def _new_record(obj, actor, verb, changes, at):
    """The ChangeRecord of one change, not yet in the chain (no place, no hash)."""
    labelled = {str(obj._meta.get_field(name).verbose_name): values for name, values in changes.items()}
    # A sealed row is named by kind and number: its own str() may cost queries (a progress entry names its
    # action's review), on paths as frequent as sign-in.
    name = f"{obj._meta.verbose_name} #{obj.pk}" if verb == ChangeRecord.Verb.RECORDED else str(obj)
    return ChangeRecord(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=name[:300],
        verb=verb,
        changes=labelled,
        actor=actor,
        at=at,
        seal=chain.seal_of(obj),
    )


def _write(obj, actor, verb, changes):
    record = _new_record(obj, actor, verb, changes, timezone.now())
    with transaction.atomic(savepoint=False):  # the caller's transaction, or one of its own
        # The head row is locked until the transaction ends: one writer extends the chain at a time.
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        record.sequence = head.sequence + 1
        record.previous_hash = head.last_hash
        record.hash = record.compute_hash()
        record.save()
        head.sequence, head.last_hash = record.sequence, record.hash
        head.save(update_fields=["sequence", "last_hash"])
    return record


# --- Many changes at once (actionplans.bulk) -------------------------------------------------------------------
# record_many() writes the records of many changes with a fixed number of queries: the chain head is locked and
# moved once, and the records, chained one to the next exactly as _write() chains them, go in with one INSERT.
# Its entries are built with created(), changed() and sealed(), the batch forms of record_created(),
# record_changed() and record_sealed().


def created(obj, fields=None):
    """The entry of record_created(obj) for record_many()."""
    values = snapshot(obj, fields or audited_fields(obj))
    return obj, ChangeRecord.Verb.CREATED, {name: [None, value] for name, value in values.items()}


def changed(obj, before):
    """The entry of record_changed(obj, before=before) for record_many(); None when nothing changed."""
    after = snapshot(obj, before.keys())
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    return (obj, ChangeRecord.Verb.CHANGED, changes) if changes else None


def sealed(obj):
    """The entry of record_sealed(obj) for record_many()."""
    return obj, ChangeRecord.Verb.RECORDED, {}


def record_many(entries, *, actor):
    """Record many changes by one person, in the order given, in the caller's transaction (like record_sealed,
    refused outside one: the rows and their records are committed together). ``entries`` come from created(),
    changed() and sealed(); None entries (nothing changed) are skipped. Returns the records.

    The queries are the same however many entries there are: the chain head read and locked once, one INSERT of
    the records (see one_insert_per_table), the head moved once."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record many changes in the transaction that makes them.")
    at = timezone.now()
    records = [_new_record(obj, actor, verb, changes, at) for obj, verb, changes in filter(None, entries)]
    if not records:
        return []
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    sequence, previous = head.sequence, head.last_hash
    for record in records:
        sequence += 1
        record.sequence, record.previous_hash = sequence, previous
        record.hash = previous = record.compute_hash()
    with one_insert_per_table():
        ChangeRecord.objects.bulk_create(records)
    head.sequence, head.last_hash = sequence, previous
    head.save(update_fields=["sequence", "last_hash"])
    return records


@contextlib.contextmanager
def one_insert_per_table():
    """While open, a bulk_create on this connection is one INSERT, however many rows (up to the database's limit
    of values in one statement), so that a bulk write runs a fixed number of queries.

    On PostgreSQL it is already (Django's figure is 65,535 values a statement). On SQLite Django 5.2 assumes 999,
    the default of SQLite before 3.32, and splits every bulk_create after 999 values (90 change records); the
    library in use says its own limit (SQLITE_LIMIT_VARIABLE_NUMBER: 32,766 by default since 3.32), which this
    gives Django for as long as the block lasts."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    features = connection.features
    outer = features.__dict__.get("max_query_params")  # an enclosing block's
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    features.max_query_params = max(limit, type(features).max_query_params)
    try:
        yield
    finally:
        if outer is None:
            del features.max_query_params  # back to the class's figure
        else:
            features.max_query_params = outer


def history_of(obj):
    """The object's changes, newest first. The chain's "recorded" seals are not changes and are left out."""
    return (
        ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .exclude(verb=ChangeRecord.Verb.RECORDED)
        .select_related("actor")
    )
