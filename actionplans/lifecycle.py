"""The lifecycle of an action and of an evidence item (DOMAIN.md, "Lifecycles"): every change of status is here.

Two tables, ``ACTION_MOVES`` and ``EVIDENCE_MOVES``, say which moves exist, from which statuses to which, who may
make each one (``accounts.access`` answers "who") and what must hold first. Pages, services, the admin site,
management commands and the demo seed change a status through the functions below and nowhere else.

Each move is a conditional write, ``UPDATE … WHERE status = <the status the person saw>``, in one transaction
with its progress entry and change record. When two people act at once exactly one write matches; the other
raises ``Conflict``, whose message names what changed, by whom and when, and repeats what the loser wrote, so
nothing of theirs is silently lost.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from accounts import access
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status
from audit.services import history_of, record_changed, record_created, record_sealed, snapshot
from evidence.models import Evidence, EvidenceDecision


class Refused(ValidationError):
    """The move is not possible now: the status does not allow it, or a precondition is not met."""


class Conflict(Refused):
    """Someone else changed the status after the person saw it; nothing was saved."""


class Seen(str):
    """A status as the person saw it, with the moment it was set (``changed_at``; None if it never changed).

    Moves that undo each other (sign off and withdraw the sign-off, cancel and reinstate, progress back and forth)
    bring a status back: only the moment tells that the person's page is out of date, so that they cannot undo a
    move they never saw. A plain status string is checked on the status alone."""

    changed_at = None

    def __new__(cls, status, changed_at=None):
        seen = super().__new__(cls, status)
        seen.changed_at = changed_at
        return seen

    @staticmethod
    def moment_of(action):
        """What a page carries of the moment the action's status was set: ISO 8601, or "never"."""
        return action.status_changed_at.isoformat() if action.status_changed_at else "never"

    @classmethod
    def from_form(cls, status, moment):
        """The Seen of a posted status and moment_of(); ValueError when the moment is not one."""
        if moment == "never":
            return cls(status)
        changed_at = datetime.datetime.fromisoformat(moment)
        if changed_at.tzinfo is None:
            raise ValueError(f"{moment} has no time zone")
        return cls(status, changed_at)


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    #: The statuses the move starts from.
    sources: tuple
    #: The statuses it may lead to (the person chooses when there are several).
    targets: tuple
    #: Who may make it: ``who(user, obj)``, answered by accounts.access.
    who: Callable
    #: Why it cannot be made now although the status allows it (``refusal(obj)`` → text or None).
    refusal: Callable = lambda obj: None

    def allows(self, user, obj, seen=None):
        """May ``user`` make this move on ``obj``? With ``seen``, the status a person's form says they saw, the
        status is judged as they saw it when the move starts from it: a change made since is then the conditional
        write's to report, as a Conflict naming who made it, not a bare refusal."""
        status = seen if seen in self.sources else obj.status
        return status in self.sources and self.who(user, obj) and user.is_active


WORKING = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED)


def verification_refusal(action):
    """Why this action cannot be signed off now, or None when it can (DOMAIN.md: completed + accepted evidence)."""
    if action.status != Status.COMPLETED:
        return "Only a completed action can be signed off as verified."
    if not Evidence.objects.filter(action=action, status=Evidence.Status.ACCEPTED).exists():
        return "An action needs at least one accepted evidence item before it can be signed off."
    return None


def _editor(user, obj):
    return access.can_change_reviews(user)


def _verifier(user, obj):
    return access.can_verify(user)


def _decider(user, obj):
    return access.can_decide(user)


# fmt: off
ACTION_MOVES = {move.name: move for move in [
    #    name                     label                       from                          to
    Move("progress",              "Record progress",          WORKING,                      WORKING,
         who=access.can_record_progress),
    Move("cancel",                "Cancel action",            WORKING,                      (Status.CANCELLED,),
         who=_editor),
    Move("reinstate",             "Reinstate",                (Status.CANCELLED,),          WORKING,
         who=_editor),
    Move("verify",                "Sign off as verified",     (Status.COMPLETED,),          (Status.VERIFIED,),
         who=_verifier, refusal=verification_refusal),
    Move("withdraw_verification", "Withdraw the sign-off",    (Status.VERIFIED,),           (Status.COMPLETED,),
         who=_verifier),
]}

E = Evidence.Status
EVIDENCE_MOVES = {move.name: move for move in [
    Move("accept",                "Accept",                   (E.SUBMITTED,),               (E.ACCEPTED,),
         who=_decider),
    Move("reject",                "Reject",                   (E.SUBMITTED,),               (E.REJECTED,),
         who=_decider),
    Move("new_version",           "New version",              Evidence.OPEN_STATUSES,       (E.SUPERSEDED,),
         who=access.can_replace_evidence,
         refusal=lambda evidence: submission_refusal(evidence.action)),
    Move("withdraw",              "Withdraw",                 Evidence.OPEN_STATUSES,       (E.WITHDRAWN,),
         who=access.is_submitting_agency),
]}
# fmt: on


def submission_refusal(action):
    """Why no new evidence is taken on this action now, or None (a new item starts as submitted)."""
    if action.status in (Status.CANCELLED, Status.VERIFIED):
        return f"Action {action} is {action.get_status_display().lower()}: it takes no new evidence."
    return None


def may_submit_evidence(user, action):
    return access.can_submit_evidence(user, action) and submission_refusal(action) is None


def _move(obj, name):
    return (ACTION_MOVES if isinstance(obj, Action) else EVIDENCE_MOVES)[name]


def allowed(user, obj, name):
    """May this user make this move on this object now (who, and the object's status)?"""
    return _move(obj, name).allows(user, obj)


def allowed_statuses(user, action, name="progress", seen=None):
    """The statuses this user may move the action to with ``name`` ("progress" or "reinstate"); [] when none.
    ``seen``: as in Move.allows."""
    move = ACTION_MOVES[name]
    return list(move.targets) if move.allows(user, action, seen) else []


def require(user, obj, name, seen=None):
    """PermissionDenied, with the reason in words, unless the user may make this move now. A view handling a
    posted form passes its ``seen_status`` as ``seen`` (see Move.allows): someone who lost a race is then told
    what changed and by whom, rather than refused."""
    move = _move(obj, name)
    if not move.who(user, obj) or not user.is_active:
        raise PermissionDenied(f"You may not {move.label.lower()} here.")
    if not move.allows(user, obj, seen):
        raise PermissionDenied(
            f"{_name(obj)} is {obj.get_status_display().lower()}: “{move.label}” is not possible any more."
        )


def _name(obj):
    return f"Action {obj}" if isinstance(obj, Action) else f"Evidence #{obj.pk} on action {obj.action}"


def when(moment):
    """A moment as the refusals name it: 3 Mar 2026 14:05, local time."""
    return formats.date_format(timezone.localtime(moment), "j M Y H:i")


def _check(move, user, obj, seen, target):
    if not (move.who(user, obj) and user.is_active):
        raise PermissionDenied(f"You may not {move.label.lower()} here.")
    if target not in move.targets:
        raise Refused(f"“{move.label}” cannot lead to {getattr(target, 'label', target)}.")
    if seen not in move.sources:
        raise Refused(f"{_name(obj)} is {obj.get_status_display().lower()}: “{move.label}” is not possible.")


def yours(text):
    """What the person wrote, given back in a refusal so that nothing of theirs is lost."""
    return f" What you wrote, to use again: “{text.strip()}”" if text and text.strip() else ""


# --- The status of the learning cycle's records -------------------------------------------------------------
# A learning event and a board concern (learning.services, concerns.services) move their status the same way as
# an action, without a progress log: a conditional UPDATE from the status (and the moment it was set) the person
# saw, and a change record that says who moved it.


def claim_status(model, pk, seen):
    """(the row as a queryset, the row locked) of ``model`` ``pk`` if its status is still ``seen`` (for a Seen with
    a moment, set at that moment), or (queryset, None) when someone moved it since."""
    claimed = model.objects.filter(pk=pk, status=str(seen))
    if isinstance(seen, Seen):
        claimed = claimed.filter(status_changed_at=seen.changed_at)
    return claimed, claimed.select_for_update().first()


def write_status(claimed, locked, *, actor, **values):
    """Write a status move claimed by claim_status (``values``: the status and what goes with it), with the moment
    it was set and its change record. Returns the row as written."""
    before = snapshot(locked, list(values))
    now = timezone.now()
    claimed.update(**values, status_changed_at=now, updated_at=now)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.status_changed_at = now
    record_changed(locked, actor=actor, before=before)
    return locked


def moved_since(obj, seen, text):
    """The Conflict of a status move that lost (claim_status found no row): what the status became, by whom and
    when (its latest change record of the status), and what the person wrote."""
    model = type(obj)
    current = model.objects.get(pk=obj.pk)
    last = next((record for record in history_of(current)[:50] if "status" in record.changes), None)
    who = f" by {last.actor or 'someone'} on {when(last.at)}" if last else ""
    seen_label, now_label = model.Status(str(seen)).label.lower(), current.get_status_display().lower()
    changed = f"changed from {seen_label} to {now_label}" if current.status != seen else f"changed and is now {now_label} again"
    return Conflict(
        f"While you were working, “{current.title}” was {changed}{who}, so nothing of yours was saved. Read its page "
        f"as it is now, then try again if it still applies.{yours(text)}",
        code="conflict",
    )


# --- Actions ---------------------------------------------------------------------------------------------------


def _action_conflict(action, seen, text):
    current = Action.objects.filter(pk=action.pk).values_list("status", flat=True).first()
    last = ProgressUpdate.objects.filter(action_id=action.pk).select_related("author").order_by("-created_at", "-id")
    last = (current != seen and last.filter(status_before=seen).first()) or last.first()
    seen_label, now_label = Status(seen).label.lower(), Status(current).label.lower()
    who = f" by {last.author} on {when(last.created_at)}" if last and last.status_after == current else ""
    # The same status again (see Seen): it was changed and changed back since the person saw it.
    changed = f"changed from {seen_label} to {now_label}" if current != seen else f"changed and is now {now_label} again"
    return Conflict(
        f"While you were working, action {action} was {changed}{who}, so nothing of yours was saved. Read its page "
        f"as it is now, then try again if it still applies.{yours(text)}",
        code="conflict",
    )


@transaction.atomic
def _move_action(name, *, action, actor, seen, target, note, entry, cancellation_reason=""):
    move = ACTION_MOVES[name]
    _check(move, actor, action, seen, target)
    claimed = Action.objects.filter(pk=action.pk, status=str(seen))
    if isinstance(seen, Seen):
        claimed = claimed.filter(status_changed_at=seen.changed_at)
    seen = str(seen)
    # Lock the row as the person saw it: a concurrent move waits for this one, or has won already and nothing
    # matches. The precondition is then read on the status the write will find.
    if not claimed.select_for_update().exists():
        raise _action_conflict(action, seen, note)
    action.status = seen
    refusal = move.refusal(action)
    if refusal:
        raise Refused(refusal)
    before = snapshot(action, ["status", "cancellation_reason"])
    if target != seen:
        now = timezone.now()
        claimed.update(status=target, status_changed_at=now, cancellation_reason=cancellation_reason, updated_at=now)
        action.status, action.status_changed_at = target, now
        action.cancellation_reason, action.updated_at = cancellation_reason, now
        record_changed(action, actor=actor, before=before)
    update = ProgressUpdate.objects.create(
        action=action, author=actor, note=entry, status_before=seen, status_after=target
    )
    record_sealed(update, actor=actor)
    return update


def record_progress(*, action, actor, status, note, seen_status):
    """A dated progress note from the lead agency or a member, moving the status among the working ones."""
    return _move_action(
        "progress", action=action, actor=actor, seen=seen_status, target=Status(status), note=note, entry=note
    )


def cancel(*, action, actor, reason, seen_status):
    """A member takes the action out of every percentage, with a reason."""
    reason = reason.strip()
    if not reason:
        raise Refused("Give a reason for cancelling this action.")
    return _move_action(
        "cancel",
        action=action,
        actor=actor,
        seen=seen_status,
        target=Status.CANCELLED,
        note=reason,
        entry=f"Cancelled: {reason}",
        cancellation_reason=reason,
    )


def reinstate(*, action, actor, status, note, seen_status=Status.CANCELLED):
    """A member brings a cancelled action back, to the working status chosen, with a note."""
    note = note.strip()
    if not note:
        raise Refused("Say why the action is reinstated.")
    return _move_action(
        "reinstate",
        action=action,
        actor=actor,
        seen=seen_status,
        target=Status(status),
        note=note,
        entry=f"Reinstated: {note}",
    )


def status_before_cancelling(action):
    """The working status the action had when it was cancelled (to offer first when reinstating)."""
    entry = action.progress_updates.filter(status_after=Status.CANCELLED).order_by("-created_at", "-id").first()
    return Status(entry.status_before) if entry and entry.status_before in WORKING else Status.IN_PROGRESS


@transaction.atomic
def verify(*, action, actor, note, seen_status=Status.COMPLETED):
    """The consultant signs the action off: completed → verified. Needs accepted evidence (the move's refusal).
    Its impact check falls due some months later (learning.services), in the same transaction."""
    from learning import services as learning_services  # learning reads this module

    update = _move_action(
        "verify", action=action, actor=actor, seen=seen_status, target=Status.VERIFIED, note=note,
        entry=f"Verified: {note}",
    )
    learning_services.impact_check_on_verified(action=action, actor=actor)
    return update


@transaction.atomic
def withdraw_verification(*, action, actor, reason, seen_status=Status.VERIFIED):
    """The consultant withdraws a sign-off: verified → completed, with the reason in the progress log. Its impact
    check still to do is withdrawn with it."""
    from learning import services as learning_services

    update = _move_action(
        "withdraw_verification", action=action, actor=actor, seen=seen_status, target=Status.COMPLETED,
        note=reason, entry=f"Sign-off withdrawn: {reason}",
    )
    learning_services.impact_checks_withdraw(action=action, actor=actor)
    return update


# --- Evidence --------------------------------------------------------------------------------------------------


def _evidence_conflict(evidence, seen, text):
    item = Evidence.objects.select_related("withdrawn_by").get(pk=evidence.pk)
    now_label = item.get_status_display().lower()
    detail = ""
    try:
        decision = EvidenceDecision.objects.select_related("decided_by").get(evidence_id=item.pk)
        detail = f" by {decision.decided_by} on {when(decision.decided_at)}"
    except ObjectDoesNotExist:
        newer = Evidence.objects.select_related("submitted_by").filter(supersedes_id=item.pk).first()
        if newer is not None:
            detail = f" by evidence #{newer.pk}, from {newer.submitted_by} on {when(newer.submitted_at)}"
        elif item.withdrawn_by is not None:
            detail = f" by {item.withdrawn_by} on {when(item.withdrawn_at)}"
    return Conflict(
        f"While you were working, evidence #{item.pk} on action {item.action} was {now_label}{detail}, so nothing "
        f"of yours was saved. Read it as it is now, then act again if it still applies.{yours(text)}",
        code="conflict",
    )


def _claim_evidence(name, *, evidence, actor, seen, target, text, **fields):
    """The conditional write of one evidence move, and its change record. Call inside a transaction."""
    move = EVIDENCE_MOVES[name]
    _check(move, actor, evidence, seen, target)
    refusal = move.refusal(evidence)
    if refusal:
        raise Refused(refusal)
    if not Evidence.objects.filter(pk=evidence.pk, status=seen).update(status=target, **fields):
        raise _evidence_conflict(evidence, seen, text)
    evidence.status = seen
    before = snapshot(evidence, ["status", "withdrawal_reason"])
    evidence.status = target
    for field, value in fields.items():
        setattr(evidence, field, value)
    record_changed(evidence, actor=actor, before=before)
    return evidence


@transaction.atomic
def decide(*, evidence, actor, accept, note, notify=True):
    """Accept or reject a submitted item. A rejection needs a note and e-mails the submitter after commit."""
    from evidence import tasks

    note = note.strip()
    if not accept and not note:
        raise Refused("Write a note saying why the evidence is rejected: the agency will read it.")
    outcome = EvidenceDecision.Outcome.ACCEPTED if accept else EvidenceDecision.Outcome.REJECTED
    _claim_evidence(
        "accept" if accept else "reject", evidence=evidence, actor=actor, seen=Evidence.Status.SUBMITTED,
        target=outcome, text=note,
    )
    decision = EvidenceDecision.objects.create(
        evidence=evidence, outcome=outcome, note=note, decided_by=actor, decided_at=timezone.now()
    )
    record_created(decision, actor=actor)
    if outcome == EvidenceDecision.Outcome.REJECTED and notify:
        # Only once the decision is committed: a rolled-back request sends nothing.
        tasks.send_rejection_email.delay_on_commit(decision.pk)
    return decision


@transaction.atomic
def withdraw_evidence(*, evidence, actor, reason, seen_status):
    """The submitting agency takes an undecided or rejected item back. It stays on record with the reason."""
    reason = reason.strip()
    if not reason:
        raise Refused("Give a reason: it stays on record.")
    return _claim_evidence(
        "withdraw", evidence=evidence, actor=actor, seen=seen_status, target=Evidence.Status.WITHDRAWN, text=reason,
        withdrawal_reason=reason, withdrawn_by=actor, withdrawn_at=timezone.now(),
    )


def supersede(*, old, actor, seen_status, text=""):
    """Mark ``old`` superseded by a new version being written in the caller's transaction (evidence.services)."""
    return _claim_evidence(
        "new_version", evidence=old, actor=actor, seen=seen_status, target=Evidence.Status.SUPERSEDED, text=text
    )
