"""Honest target dates (README, "Honest target dates"): every change of an action's target date is here.

An action keeps the target date it was created with (``Action.original_target_date``); each move of its current
date is a ``TargetDateChange`` with its reason, counted in ``Action.target_date_moves``. Two ways lead there:

- a sub-committee member (or an administrator) moves the date directly: ``change_target_date``, approved as made;
- a user of the lead agency asks: ``request_target_date`` leaves a request waiting, which a member approves or
  refuses (``decide_target_date``, a refusal needs a note) or the agency withdraws (``withdraw_date_request``).
  At most one request per action waits. While one waits, a member decides it before moving the date directly,
  so that nobody approves a request made against a date that is no longer the action's.

``accounts.access`` answers "who" (an agency user never moves a date directly); the functions below say when: no
date moves on a verified or cancelled action, and a new date must differ from the current one.

Each write is conditional, in one transaction with its change records: the action's date moves only
``UPDATE … WHERE target_date = <the date the person saw>`` (for a request: the date it was made against), and a
request is decided or withdrawn only ``UPDATE … WHERE status = 'pending'``. When two people act at once exactly
one write matches; the other raises ``Conflict`` (lifecycle's), naming what changed, by whom and when, and giving
back what the person wrote. The action's row is locked first in every function, so the writes queue in one order.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone

from accounts import access
from actionplans.lifecycle import Conflict, Refused, when, yours
from actionplans.models import Action, TargetDateChange
from actionplans.rules import Status
from audit.services import record_changed, record_created, snapshot

__all__ = [
    "Conflict",
    "Refused",
    "change_target_date",
    "day",
    "decide_target_date",
    "pending_request",
    "refusal",
    "request_target_date",
    "withdraw_date_request",
]

Pending = TargetDateChange.Status.PENDING
#: Statuses in which an action's target date no longer moves.
CLOSED = (Status.VERIFIED, Status.CANCELLED)


def day(date):
    """A date as the pages write it: 3 Mar 2026."""
    return formats.date_format(date, "j M Y")


def pending_request(action):
    """The request for a new target date waiting on this action, or None."""
    return (
        TargetDateChange.objects.filter(action_id=action.pk, status=Pending)
        .select_related("requested_by__agency")
        .first()
    )


def _pending_refusal(change):
    return (
        f"{change.requested_by} asked on {day(timezone.localdate(change.requested_at))} to move the target date of action "
        f"{change.action} to {day(change.new_date)}, and that request is waiting for a decision: approve or refuse "
        "it first."
    )


def refusal(action, pending=None):
    """Why the target date of this action cannot move now, in words, or None. ``pending``: its waiting request, if
    the caller has it already."""
    if action.status in CLOSED:
        return (
            f"Action {action} is {action.get_status_display().lower()}: its target date no longer changes."
        )
    pending = pending if pending is not None else pending_request(action)
    if pending is not None:
        return _pending_refusal(pending)
    return None


def _check_new(action, new_date, reason, current):
    if new_date is None:
        raise Refused("Give the new target date.")
    if new_date == current:
        raise Refused(f"The target date of action {action} is {day(current)} already: choose another date.")
    if not reason:
        raise Refused("Give a reason for changing the target date: it stays on record.")


def _locked(action, **seen):
    """The action's row as stored, locked until the transaction ends (None when it no longer matches ``seen``)."""
    return (
        Action.objects.select_for_update()
        .filter(pk=action.pk, **seen)
        .values("status", "target_date", "target_date_moves")
        .first()
    )


def _date_conflict(action, seen_date, text):
    """Someone moved the date since the person saw ``seen_date``: who, when, from what to what."""
    current = Action.objects.filter(pk=action.pk).values_list("target_date", flat=True).get()
    last = (
        TargetDateChange.objects.filter(action_id=action.pk, status=TargetDateChange.Status.APPROVED)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )
    who = f" by {last.decided_by} on {when(last.decided_at)}" if last and last.new_date == current else ""
    return Conflict(
        f"While you were working, the target date of action {action} was changed from {day(seen_date)} to "
        f"{day(current)}{who}, so nothing of yours was saved. Read its page as it is now, then try again if it still "
        f"applies.{yours(text)}",
        code="conflict",
    )


def _move(action, row, *, to, seen_date, now):
    """The conditional write of the new date, on the action's locked ``row``; False when its date is no longer
    ``seen_date``."""
    moved = Action.objects.filter(pk=action.pk, target_date=seen_date).update(
        target_date=to, target_date_moves=F("target_date_moves") + 1, updated_at=now
    )
    if moved:
        action.target_date, action.target_date_moves, action.updated_at = to, row["target_date_moves"] + 1, now
    return bool(moved)


@transaction.atomic
def change_target_date(*, action, actor, new_date, reason, seen_date):
    """A member moves the action's target date from ``seen_date`` (the date their page showed) to ``new_date``.
    Refused while an agency's request waits (decide it first)."""
    if not (access.can_change_target_date(actor, action) and actor.is_active):
        raise PermissionDenied(
            "Only sub-committee members can change a target date: the lead agency asks for a new one."
        )
    reason = (reason or "").strip()
    row = _locked(action, target_date=seen_date)
    if row is None:
        raise _date_conflict(action, seen_date, reason)
    action.status = row["status"]
    why_not = refusal(action)
    if why_not:
        raise Refused(why_not)
    _check_new(action, new_date, reason, seen_date)
    now = timezone.now()
    action.target_date = seen_date
    before = snapshot(action, ["target_date"])
    if not _move(action, row, to=new_date, seen_date=seen_date, now=now):  # the row is locked: cannot happen
        raise _date_conflict(action, seen_date, reason)
    change = TargetDateChange.objects.create(
        action=action, old_date=seen_date, new_date=new_date, reason=reason, status=TargetDateChange.Status.APPROVED,
        requested_by=actor, requested_at=now, decided_by=actor, decided_at=now,
    )
    record_created(change, actor=actor)
    record_changed(action, actor=actor, before=before)
    return change


@transaction.atomic
def request_target_date(*, action, actor, new_date, reason):
    """A user of the lead agency asks for a new target date; a member approves or refuses it. One request at a
    time per action."""
    if not (access.can_request_target_date(actor, action) and actor.is_active):
        raise PermissionDenied("Only users of the lead agency can ask for a new target date of this action.")
    reason = (reason or "").strip()
    row = _locked(action)
    if row is None:
        raise Refused(f"Action {action} no longer exists.")
    action.status, current = row["status"], row["target_date"]
    why_not = refusal(action)
    if why_not:
        raise Refused(why_not)
    _check_new(action, new_date, reason, current)
    change = TargetDateChange(
        action=action, old_date=current, new_date=new_date, reason=reason, status=Pending, requested_by=actor,
        requested_at=timezone.now(),
    )
    try:
        # The unique constraint is the backstop for two requests at once (the row lock makes it rare).
        with transaction.atomic():
            change.save()
    except IntegrityError:
        raise Refused(refusal(action) or "A request for a new target date is waiting already.") from None
    record_created(change, actor=actor)
    return change


def _decision_conflict(change, text):
    """The request was decided or withdrawn since the person saw it waiting."""
    stored = TargetDateChange.objects.select_related("decided_by").get(pk=change.pk)
    if stored.status == TargetDateChange.Status.WITHDRAWN:
        outcome = f"withdrawn by {stored.decided_by} on {when(stored.decided_at)}"
    else:
        outcome = f"{stored.get_status_display().lower()} by {stored.decided_by} on {when(stored.decided_at)}"
    return Conflict(
        f"While you were working, the request to move the target date of action {change.action} to "
        f"{day(change.new_date)} was {outcome}, so nothing of yours was saved. Read the action's page as it is now."
        f"{yours(text)}",
        code="conflict",
    )


def _close(change, *, actor, status, note, now):
    """The conditional write that takes a request out of waiting, and its change record; False if it was not
    waiting any more."""
    closed = TargetDateChange.objects.filter(pk=change.pk, status=Pending).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note
    )
    if not closed:
        return False
    before = snapshot(change, ["status", "decided_by", "decision_note"])
    change.status, change.decided_by, change.decided_at, change.decision_note = status, actor, now, note
    record_changed(change, actor=actor, before=before)
    return True


@transaction.atomic
def decide_target_date(*, change, actor, approve, note):
    """A member approves (the action's date moves, if it is still the one the request was made against) or refuses
    (with a note for the agency) a request for a new target date."""
    action = change.action
    if not (access.can_change_target_date(actor, action) and actor.is_active):
        raise PermissionDenied("Only sub-committee members can approve or refuse a new target date.")
    note = (note or "").strip()
    if not approve and not note:
        raise Refused("Write a note saying why the new target date is refused: the agency will read it.")
    row = _locked(action)
    action.status = row["status"]
    now = timezone.now()
    if not approve:
        if not _close(change, actor=actor, status=TargetDateChange.Status.REFUSED, note=note, now=now):
            raise _decision_conflict(change, note)
        return change
    if action.status in CLOSED:
        raise Refused(
            f"Action {action} is {action.get_status_display().lower()}: its target date no longer changes. Refuse "
            "the request instead, with a note."
        )
    if not _close(change, actor=actor, status=TargetDateChange.Status.APPROVED, note=note, now=now):
        raise _decision_conflict(change, note)
    action.target_date = row["target_date"]
    before = snapshot(action, ["target_date"])
    if not _move(action, row, to=change.new_date, seen_date=change.old_date, now=now):
        raise Conflict(
            f"The target date of action {action} is {day(row['target_date'])} now, not {day(change.old_date)} as "
            "when the request was made, so nothing was saved. Refuse the request, with a note, and ask the agency "
            f"for a new one if it still applies.{yours(note)}",
            code="conflict",
        )
    record_changed(action, actor=actor, before=before)
    return change


@transaction.atomic
def withdraw_date_request(*, change, actor):
    """The agency that asked takes its waiting request back; it stays on record as withdrawn."""
    if not access.can_withdraw_date_request(actor, change):
        raise PermissionDenied("Only the agency that asked for this new target date can withdraw the request.")
    _locked(change.action)
    if not _close(change, actor=actor, status=TargetDateChange.Status.WITHDRAWN, note="", now=timezone.now()):
        raise _decision_conflict(change, "")
    return change
