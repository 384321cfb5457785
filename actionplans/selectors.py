"""Reads of actions that several pages share: the latest word on each action, and what changed since a date.

``with_latest_progress`` is the one way an action list learns the latest entry of each action's progress log
(its date, who wrote it and the start of its note): three correlated subqueries in the list's own query, so a
list costs the same number of queries however many actions it holds. ``latest_progress`` reads them back for
one action, and ``first_line`` is the one definition of what a list shows of the note.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Substr, Trim
from django.utils import timezone

from accounts import access
from actionplans import rules
from actionplans.models import ProgressUpdate, TargetDateChange

#: What a list shows of a progress note: its first line, cut to this many characters.
FIRST_LINE_CHARS = 120
#: How much of each note the list's query reads: enough to see whether the first line goes on, or more follows.
_NOTE_HEAD_CHARS = FIRST_LINE_CHARS + 80


def first_line(note, limit=FIRST_LINE_CHARS):
    """The note up to its first line break, cut to ``limit`` characters; "…" when anything was left out."""
    lines = [line.strip() for line in (note or "").strip().splitlines()]
    if not lines:
        return ""
    line = lines[0]
    if len(line) > limit:
        return line[:limit].rstrip() + "…"
    return line + "…" if len(lines) > 1 else line


def with_latest_progress(actions):
    """``actions`` annotated with their latest progress entry (newest ``created_at``, then highest id):
    ``latest_progress_at``, ``latest_progress_by`` (the author as str(user) reads) and ``latest_progress_note``
    (the note's first characters). All None for an action with no progress yet. No extra query."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-id")
    full_name = Trim(Concat("author__first_name", Value(" "), "author__last_name", output_field=CharField()))
    author = latest.annotate(name=Coalesce(NullIf(full_name, Value("")), "author__username", output_field=CharField()))
    head = latest.annotate(head=Substr("note", 1, _NOTE_HEAD_CHARS))
    return actions.annotate(
        latest_progress_at=Subquery(latest.values("created_at")[:1]),
        latest_progress_by=Subquery(author.values("name")[:1]),
        latest_progress_note=Subquery(head.values("head")[:1]),
    )


@dataclass(frozen=True)
class LatestProgress:
    """The latest word on an action: when (a local date), who, and the first line of the note."""

    on: object
    by: str
    line: str


def latest_progress(action):
    """The LatestProgress of an action read through ``with_latest_progress``, or None when it has no progress."""
    try:
        at = action.latest_progress_at
    except AttributeError:
        raise ImproperlyConfigured(
            f"Action {action.pk} was not read through actionplans.selectors.with_latest_progress."
        ) from None
    if at is None:
        return None
    return LatestProgress(on=timezone.localdate(at), by=action.latest_progress_by, line=first_line(action.latest_progress_note))


# --- What changed since a date (the chair's home page and the action list's "changed" filter) ---------------

#: The changes the chair follows between board reports, in the order the home page shows them.
CHANGES = {
    "verified": "Verified",
    "overdue": "Became overdue",
    "slipped": "Target date moved later",
    "accepted": "Evidence accepted",
    "rejected": "Evidence rejected",
}


def changed_since(actions, what, since, user):
    """The actions of ``actions`` with a change of kind ``what`` (a key of CHANGES) on or after the date ``since``:
    signed off as verified (and still verified); overdue now but not yet on ``since`` (their target date is on or
    after it); target date moved later by an approved change decided since; evidence this user may see accepted
    or rejected since."""
    if what == "verified":
        return actions.filter(status=rules.Status.VERIFIED, status_changed_at__date__gte=since)
    if what == "overdue":
        return actions.filter(rules.overdue_q() & Q(target_date__gte=since))
    if what == "slipped":
        moves = TargetDateChange.objects.filter(
            status=TargetDateChange.Status.APPROVED, decided_at__date__gte=since, new_date__gt=F("old_date")
        )
        return actions.filter(pk__in=moves.values("action_id"))
    if what in ("accepted", "rejected"):
        decided = access.visible_evidence(user).filter(
            decision__outcome=what, decision__decided_at__date__gte=since
        )
        return actions.filter(pk__in=decided.values("action_id"))
    raise ValueError(f"Unknown change {what!r}: one of {', '.join(CHANGES)}.")
