"""The keyed hash chain of change records, and the seals that tie rows of other tables to it.

Each ChangeRecord's ``hash`` is an HMAC-SHA256, keyed with AUDIT_CHAIN_KEY, of its content, its place in the
chain (``sequence``) and the previous record's hash. Whoever can edit the database but does not hold the key
cannot write a record, or re-hash the records after one they altered, so that the chain still verifies.

A record may also carry a *seal*: the HMAC of the row it is about, as that row was written. Rows that are written
once and never changed (progress entries, evidence decisions and downloads, security events) are sealed whole;
actions and evidence items are sealed on their status, which the lifecycle changes with a conditional UPDATE.
audit.verification compares every such row with the newest seal of it.

Plain functions of plain values, so that the data migrations can use them on historical models too.
"""

import datetime
import hashlib
import hmac
import json

from django.conf import settings

#: The sealed models (by label) and their sealed fields. Rows of the first four are never changed once written,
#: so every field is sealed except those in UNSEALED; actions and evidence items are sealed on their status.
#: tests/test_audit_chain.py checks that each field of a whole-row model is in one list or the other, so a new
#: field is a decision, not an accident. (Changing a list changes the seal of existing rows: re-seal them.)
SEALED_FIELDS = {
    "actionplans.ProgressUpdate": ["action", "author", "created_at", "note", "status_before", "status_after"],
    "evidence.EvidenceDecision": ["evidence", "outcome", "note", "decided_by", "decided_at"],
    "evidence.EvidenceDownload": ["evidence", "user", "ip_address", "at"],
    "accounts.SecurityEvent": ["kind", "user", "username", "ip_address", "path", "detail", "at"],
    "actionplans.Action": ["status"],
    "evidence.Evidence": ["status"],
}
#: Fields of the whole-row sealed models that are not sealed, and why.
UNSEALED = {
    "evidence.EvidenceDecision": {"notified_at": "set when the rejection e-mail is claimed, after the decision"},
}
#: The models sealed on their status only (the rest are sealed whole).
STATUS_SEALED = ("actionplans.Action", "evidence.Evidence")


def mac(content):
    """HMAC-SHA256, in hex, of ``content`` (a dict of JSON values) in canonical form, keyed with AUDIT_CHAIN_KEY."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def same(left, right):
    """Compare two hashes in constant time."""
    return hmac.compare_digest(left, right)


def _canonical(value):
    """One text for one value, whether it is in memory just after the write or read back from the database."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def record_hash(record):
    """The hash of a ChangeRecord: everything it says, its place in the chain and its link to the previous one."""
    return mac({
        "sequence": record.sequence,
        "content_type": record.content_type_id,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "verb": record.verb,
        "changes": record.changes,
        "actor": record.actor_id,
        "at": _canonical(record.at),
        "seal": record.seal,
        "previous_hash": record.previous_hash,
    })


def sealed_columns(model):
    """The columns (attnames) of the model's sealed fields, or None when the model is not sealed."""
    names = SEALED_FIELDS.get(model._meta.label)
    return None if names is None else [model._meta.get_field(name).attname for name in names]


def seal(model, pk, values):
    """The seal of one row: ``values`` maps each of sealed_columns(model) to the row's value."""
    return mac({"model": model._meta.label, "pk": pk, **{column: _canonical(values[column]) for column in values}})


def seal_of(obj):
    """The seal of ``obj`` as it is in memory (as just written), or "" when its model is not sealed."""
    columns = sealed_columns(type(obj))
    if columns is None:
        return ""
    return seal(type(obj), obj.pk, {column: getattr(obj, column) for column in columns})
