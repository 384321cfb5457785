"""Checking the audit chain (``manage.py verify_audit_chain``).

Three things are checked, streaming every table once in order (constant memory, time linear in the rows):

1. the chain: records 1, 2, 3 … each linked to the one before and carrying its keyed hash (audit.chain), up to
   the chain head; and, for each anchor given (``N:HASH``, from the daily anchor: audit.anchors), record N is
   still there with that hash, so that removing the newest records and moving the head back is detected;
2. every sealed row (audit.chain.SEALED_FIELDS) against the newest seal the chain holds of it: a row changed
   since it was written, a row with no record (written outside the application) and a record whose row has
   gone are each reported; for actions and evidence items the seal is of the status, so a status set by a
   direct UPDATE is reported;
3. on PostgreSQL all of it in one read-only REPEATABLE READ transaction, so that writes made meanwhile (a row
   and its record are committed together) are not mistaken for tampering.
"""

import collections
import contextlib
import itertools
import operator
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from audit import chain
from audit.models import ChainHead, ChangeRecord

CHUNK = 2000
#: Problems listed before the check stops looking: enough to see the pattern of a tampering.
MAX_PROBLEMS = 20
#: An anchor as ``verify_audit_chain --anchor`` takes it, and as the anchor's log line and e-mail word it.
ANCHOR = re.compile(r"\s*(\d+):([0-9a-fA-F]{64})\s*")
ANCHOR_WORDS = re.compile(r"\bsequence (\d+), hash ([0-9a-fA-F]{64})\b")


@dataclass
class Verification:
    """What verify_chain found: how many records and sealed rows it checked as good, and the problems, in words."""

    records: int = 0
    rows: int = 0
    problems: list = field(default_factory=list)

    @property
    def intact(self):
        return not self.problems

    def report(self, problem):
        """Note a problem. True when enough are noted to stop looking."""
        self.problems.append(problem)
        return len(self.problems) >= MAX_PROBLEMS


def parse_anchor(text):
    """(sequence, hash) from "N:HASH", or from the anchor's own words "sequence N, hash HASH" (as logged and
    e-mailed). ValueError, naming the text, when it is neither."""
    match = ANCHOR.fullmatch(text) or ANCHOR_WORDS.search(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            f"“{text.strip()}” is not an anchor: give the record's number and its hash, e.g. 1234:{'0' * 64}."
        )
    return int(match.group(1)), match.group(2).lower()


def verify_chain(anchors=None):
    """Check the chain and every sealed row; ``anchors`` maps record numbers to their anchored hashes.
    Returns a Verification whose ``problems`` say, in words, what is wrong and where (empty when intact)."""
    result = Verification()
    with _one_snapshot():
        if not _walk_chain(result, dict(anchors or {})):
            for model in (apps.get_model(label) for label in chain.SEALED_FIELDS):
                if _check_seals(model, result):
                    break
    return result


@contextlib.contextmanager
def _one_snapshot():
    """On PostgreSQL, one read-only transaction that sees the database as it was when the check began."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _walk_chain(result, anchors):
    """Check the records oldest first, then the anchors and the head; the walk ends at the first broken link.
    True when enough problems are noted to stop looking."""
    previous = ""
    for record in ChangeRecord.objects.order_by("sequence").iterator(chunk_size=CHUNK):
        place = f"Record {record.sequence} (#{record.pk}, {record.object_repr!r} {record.verb})"
        if record.sequence != result.records + 1:
            return result.report(
                f"Record {result.records + 1} is missing (the next one is record {record.sequence}): records were "
                "removed or renumbered."
            )
        if record.previous_hash != previous:
            return result.report(f"{place} is not linked to the record before it: a record was removed or inserted.")
        if not chain.same(record.hash, chain.record_hash(record)):
            return result.report(
                f"{place} does not match its keyed hash: it was altered, or it was not written with this "
                "AUDIT_CHAIN_KEY."
            )
        anchored = anchors.pop(record.sequence, None)
        if anchored is not None and not chain.same(anchored, record.hash):
            return result.report(
                f"{place} does not have the hash of its anchor ({anchored[:12]}…): the chain was rewritten since."
            )
        previous = record.hash
        result.records += 1
    for sequence in sorted(anchors):
        result.report(
            f"The chain ends at record {result.records}, but an anchor shows it reached record {sequence}: "
            "the newest records were removed."
        )
    head = ChainHead.objects.filter(pk=1).first()
    head_at = (head.sequence, head.last_hash) if head else (0, "")
    if head_at != (result.records, previous):
        result.report(
            f"The chain head says the newest record is record {head_at[0]}, but the chain ends at record "
            f"{result.records}: the newest records were removed, or the head was changed."
        )
    return len(result.problems) >= MAX_PROBLEMS


def _check_seals(model, result):
    """Merge the model's rows (by id) with the newest seal of each in the chain. True when enough was found."""
    columns = chain.sealed_columns(model)
    name = model._meta.verbose_name
    rows = model._default_manager.order_by("pk").values_list("pk", *columns).iterator(chunk_size=CHUNK)
    seals = (
        ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model))
        .exclude(seal="")
        .order_by("object_id", "sequence")
        .values_list("object_id", "sequence", "seal")
        .iterator(chunk_size=CHUNK)
    )
    what = "status" if model._meta.label in chain.STATUS_SEALED else "content"
    for row, sealed in _merge(rows, _newest_of_each(seals)):
        if row is None:
            problem = f"Record {sealed[1]} is of {name} #{sealed[0]}, which no longer exists: it was deleted."
        elif sealed is None:
            problem = f"{name} #{row[0]} has no record in the chain: it was written outside the application."
        else:
            result.rows += 1
            if chain.same(sealed[2], chain.seal(model, row[0], dict(zip(columns, row[1:], strict=True)))):
                continue
            problem = (
                f"{name} #{row[0]}: its {what} is not what record {sealed[1]} of the chain sealed: it was changed "
                "outside the application."
            )
        if result.report(problem[:1].upper() + problem[1:]):
            return True
    return False


def _newest_of_each(seals):
    """(object id, sequence, seal) of the newest seal of each object, from seals ordered by object and sequence."""
    for _, group in itertools.groupby(seals, key=operator.itemgetter(0)):
        yield collections.deque(group, maxlen=1)[0]


def _merge(rows, seals):
    """Pairs (row, seal) of two streams ordered by id; None on the side that has nothing for that id."""
    row, sealed = next(rows, None), next(seals, None)
    while row is not None or sealed is not None:
        if sealed is None or (row is not None and row[0] < sealed[0]):
            yield row, None
            row = next(rows, None)
        elif row is None or sealed[0] < row[0]:
            yield None, sealed
            sealed = next(seals, None)
        else:
            yield row, sealed
            row, sealed = next(rows, None), next(seals, None)
