"""Writes of learning events, attendance and their files: each atomic, each leaving its change record
(audit.services), each checking who may make it (accounts.access) whoever calls.

An event's status moves only through ``move_event``, a conditional write (``UPDATE … WHERE status = <the status
the person saw>``) like actionplans.lifecycle's: when two people act at once exactly one write matches and the
other is told who moved it first. Writes that keep a file (a register, materials) go through
evidence.services.store_then: call them outside any transaction, as their views are ``non_atomic_requests``.
"""

import calendar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import access
from actionplans import lifecycle
from actionplans.lifecycle import Conflict, Refused, when, yours
from actionplans.rules import today
from audit.services import history_of, record_changed, save_audited, snapshot
from evidence.services import store_then
from learning import rules
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile, SubCommittee

Status = LearningEvent.Status
CheckStatus = ImpactCheck.Status
Finding = ImpactCheck.Finding
#: Where learning events' files are kept in the evidence storage.
FOLDER = "learning"


def event_create(*, actor, themes, **values):
    access.require_change_events(actor)
    return save_audited(LearningEvent(), actor=actor, values=values, m2m={"themes": themes})


def event_update(*, event, actor, themes=None, **values):
    access.require_change_events(actor)
    return save_audited(event, actor=actor, values=values, m2m={"themes": themes} if themes is not None else None)


@dataclass(frozen=True)
class EventMove:
    label: str
    sources: tuple
    target: str


# fmt: off
EVENT_MOVES = {
    "hold":      EventMove("Mark as held",      (Status.SCHEDULED,), Status.HELD),
    "cancel":    EventMove("Cancel the event",  (Status.SCHEDULED,), Status.CANCELLED),
    "reinstate": EventMove("Schedule it again", (Status.CANCELLED,), Status.SCHEDULED),
}
# fmt: on


def hold_refusal(event):
    """Why the event cannot be marked as held now, or None."""
    if event.held_on > today():
        return f"“{event.title}” is dated {when_day(event.held_on)}: it can be marked as held from that day."
    return None


def when_day(day):
    return f"{day:%-d %b %Y}"


def moves_for(user, event):
    """The moves this user may make on the event now, by name (for the page's buttons)."""
    if not access.can_change_events(user):
        return []
    return [name for name, move in EVENT_MOVES.items()
            if event.status in move.sources and not (name == "hold" and hold_refusal(event))]


@transaction.atomic
def move_event(name, *, event, actor, seen, reason=""):
    """Hold, cancel (with a reason) or reinstate an event, from the status the person saw (a lifecycle.Seen, with
    the moment it was set: cancelling and reinstating undo each other)."""
    move = EVENT_MOVES[name]
    access.require_change_events(actor)
    if str(seen) not in move.sources:
        raise Refused(f"The event is {Status(str(seen)).label.lower()}: “{move.label}” is not possible.")
    reason = reason.strip()
    if name == "cancel" and not reason:
        raise Refused("Give the reason the event is cancelled: it stays on record.")
    claimed, locked = lifecycle.claim_status(LearningEvent, event.pk, seen)
    if locked is None:
        raise lifecycle.moved_since(event, seen, reason)
    refusal = hold_refusal(locked) if name == "hold" else None
    if refusal:
        raise Refused(refusal)
    return lifecycle.write_status(claimed, locked, actor=actor, status=move.target,
                                  cancellation_reason=reason if name == "cancel" else "")


def _keep_file(*, kind, checked, stored_name, actor, description, event=None, agency=None, impact_check=None):
    return LearningFile.keep(checked, stored_name, actor=actor, event=event, impact_check=impact_check, kind=kind,
                             agency=agency, description=description)


def attendance_record(*, event, agency, actor, attended, note="", loaded_version=None, register=None):
    """Record (or correct) how many of ``agency``'s people attended a held event, with its register if given (a
    CheckedUpload). ``loaded_version`` is the record's ``updated_at`` when the person opened the form (None when
    there was none): a record saved since is not overwritten (Conflict)."""

    def write(names):
        locked = LearningEvent.objects.select_for_update().get(pk=event.pk)
        if not access.can_record_attendance(actor, agency):
            raise PermissionDenied("Only the agency's own users and sub-committee members can record its attendance.")
        if not rules.is_partner(agency):
            raise Refused(f"{agency.name} runs the events: its own attendance is not counted.")
        if locked.status != Status.HELD:
            raise Refused(
                f"“{locked.title}” is {locked.get_status_display().lower()}: attendance is recorded once it is held."
            )
        existing = Attendance.objects.select_for_update().filter(event=locked, agency=agency).first()
        if existing is not None and existing.updated_at != loaded_version:
            last = history_of(existing).first()
            who = f" by {last.actor or 'someone'} on {when(last.at)}" if last else ""
            raise Conflict(
                f"{agency.short_name}'s attendance at this event was recorded as {existing.attended}{who} after you "
                f"opened the form, so nothing of yours was saved. Check it, then save again if yours still applies."
                f"{yours(note)}",
                code="conflict",
            )
        attendance = save_audited(
            existing or Attendance(event=locked, agency=agency), actor=actor,
            values={"attended": attended, "note": note.strip()},
        )
        if register is not None:
            _keep_file(event=locked, kind=LearningFile.Kind.REGISTER, agency=agency, checked=register,
                       stored_name=names[0], actor=actor, description=f"{agency.short_name}'s register")
        return attendance

    return store_then(write, [register] if register is not None else [], FOLDER)


def materials_add(*, event, actor, uploads, description=""):
    """Keep the event's materials (slides, handouts: CheckedUploads), one file each. Returns them."""
    uploads = list(uploads)

    def write(names):
        locked = LearningEvent.objects.select_for_update().get(pk=event.pk)
        access.require_change_events(actor)
        return [
            _keep_file(event=locked, kind=LearningFile.Kind.MATERIAL, agency=None, checked=checked, stored_name=name,
                       actor=actor, description=description)
            for checked, name in zip(uploads, names, strict=True)
        ]

    return store_then(write, uploads, FOLDER)


# --- Impact checks ----------------------------------------------------------------------------------------------


def add_months(day, months):
    """The same day ``months`` later (the month's last day when it has no such day: 31 Aug + 6 months = 28 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def impact_check_schedule(*, action, actor, due_on, follows=None, sub_committee=None):
    """A new impact check of ``action`` due on ``due_on``, for ``sub_committee`` (by default the one that checks
    impact by default, if any). None when the action has an open check already (one at a time)."""
    if ImpactCheck.objects.filter(action=action, status=CheckStatus.OPEN).exists():
        return None
    if sub_committee is None:
        sub_committee = SubCommittee.objects.filter(checks_impact=True, is_active=True).first()
    check = ImpactCheck(action=action, due_on=due_on, follows=follows, sub_committee=sub_committee)
    return save_audited(check, actor=actor, values={})


def impact_check_on_verified(*, action, actor):
    """actionplans.lifecycle, in the transaction that verifies ``action``: its check falls due IMPACT_CHECK_MONTHS
    after today."""
    return impact_check_schedule(action=action, actor=actor, due_on=add_months(today(), settings.IMPACT_CHECK_MONTHS))


def impact_checks_withdraw(*, action, actor):
    """actionplans.lifecycle, in the transaction that withdraws ``action``'s sign-off: its open check is withdrawn
    (kept on record), by a conditional write; a new one falls due when it is verified again."""
    now = timezone.now()
    for check in ImpactCheck.objects.select_for_update().filter(action=action, status=CheckStatus.OPEN):
        before = snapshot(check, ["status"])
        ImpactCheck.objects.filter(pk=check.pk, status=CheckStatus.OPEN).update(
            status=CheckStatus.WITHDRAWN, status_changed_at=now, updated_at=now)
        check.status = CheckStatus.WITHDRAWN
        record_changed(check, actor=actor, before=before)


def impact_check_update(*, check, actor, **values):
    """Reassign an open check to another sub-committee, or move its due date (members)."""
    access.require_change_events(actor)
    if check.status != CheckStatus.OPEN:
        raise Refused(f"This check is {check.get_status_display().lower()}: only a check still to do is changed.")
    return save_audited(check, actor=actor, values=values)


#: What each finding asks for next: "check" a new check must be scheduled, "either" a new check or a new action,
#: "may" a new check may be.
FOLLOW_UPS = {Finding.EMBEDDED: None, Finding.PARTLY: "may", Finding.NOT_EMBEDDED: "either",
              Finding.CANNOT_TELL: "check"}


def finding_refusal(finding, follow_up):
    """Why this finding cannot be recorded with this follow-up ("check", "action" or "") or None."""
    need = FOLLOW_UPS[finding]
    if need == "check" and follow_up != "check":
        return "“Cannot tell yet” needs a new check: give the date it falls due."
    if need == "either" and follow_up not in ("check", "action"):
        return "“Not embedded” reopens the question: schedule a new check, or add a new action."
    if need is None and follow_up:
        return "An embedded finding closes the question: no follow-up is needed."
    if need == "may" and follow_up == "action":
        return "A new action follows a “not embedded” finding; for “partly embedded”, schedule a new check."
    return None


def impact_finding_record(*, check, actor, seen, finding, looked_at, finding_note, checked_on, follow_up="",
                          follow_up_due=None, new_action=None, uploads=()):
    """Record a check's finding (a sub-committee member of its sub-committee), with its evidence (CheckedUploads)
    and its follow-up: a new check due ``follow_up_due``, or a new action in the same plan answering the same
    recommendation (``new_action``: reference, description, target_date, success_measure). The check moves from
    open to done by a conditional write on the status the person saw (``seen``, a lifecycle.Seen)."""
    refusal = finding_refusal(finding, follow_up)
    if refusal:
        raise Refused(refusal)
    if checked_on > today():
        raise Refused("The finding cannot be dated in the future.")
    if follow_up == "check" and not (follow_up_due and follow_up_due > today()):
        raise Refused("Give the date the new check falls due, after today.")
    if follow_up == "action" and not (new_action and new_action.get("target_date") and new_action["target_date"] > today()):
        raise Refused("Give the new action a target date after today.")
    uploads = list(uploads)

    def write(names):
        from actionplans.models import Action

        # The action first, then the check: the order in which verifying and withdrawing a sign-off lock them
        # (actionplans.lifecycle, then impact_checks_withdraw), so that a finding and a withdrawal wait for each
        # other instead of deadlocking.
        Action.objects.select_for_update().filter(pk=check.action_id).first()
        claimed = ImpactCheck.objects.filter(pk=check.pk, status=str(seen))
        if isinstance(seen, lifecycle.Seen):
            claimed = claimed.filter(status_changed_at=seen.changed_at)
        # Only the check's row is locked (of=): PostgreSQL locks no nullable side of an outer join.
        locked = (
            claimed.select_for_update(of=("self",)).select_related("action__plan", "action__recommendation").first()
        )
        if locked is None or locked.status != CheckStatus.OPEN:
            raise _check_conflict(check, finding_note)
        if not access.can_record_finding(actor, locked):
            raise PermissionDenied("Only the members of the check's sub-committee can record its finding.")
        before = snapshot(locked, ImpactCheck.AUDITED_FIELDS)
        now = timezone.now()
        values = {"status": CheckStatus.DONE, "finding": finding, "looked_at": looked_at.strip(),
                  "finding_note": finding_note.strip(), "checked_on": checked_on, "checked_by": actor,
                  "status_changed_at": now, "updated_at": now}
        if follow_up == "action":
            values["follow_up_action"] = _follow_up_action(locked, actor, new_action)
        claimed.update(**values)
        for name, value in values.items():
            setattr(locked, name, value)
        record_changed(locked, actor=actor, before=before)
        if follow_up == "check":
            impact_check_schedule(action=locked.action, actor=actor, due_on=follow_up_due, follows=locked,
                                  sub_committee=locked.sub_committee)
        for checked, name in zip(uploads, names, strict=True):
            _keep_file(impact_check=locked, kind=LearningFile.Kind.IMPACT, checked=checked, stored_name=name,
                       actor=actor, description="Evidence of the finding")
        return locked

    return store_then(write, uploads, FOLDER)


def _follow_up_action(check, actor, values):
    """The new action a "not embedded" finding asks for: in the checked action's plan, answering the same
    recommendation, led by the same agency, with its themes."""
    from actionplans import services as action_services

    if not access.can_change_reviews(actor):
        raise PermissionDenied("Only sub-committee members can add actions.")
    action = check.action
    return action_services.action_create(
        plan=action.plan, actor=actor, themes=list(action.themes.all()), recommendation=action.recommendation,
        lead_agency=action.lead_agency, **values,
    )


def _check_conflict(check, text):
    current = ImpactCheck.objects.select_related("checked_by").get(pk=check.pk)
    who = f" by {current.checked_by} on {when_day(current.checked_on)}" if current.checked_by else ""
    return Conflict(
        f"While you were working, this check was {current.get_status_display().lower()}{who}, so nothing of yours "
        f"was saved. Read it as it is now.{yours(text)}",
        code="conflict",
    )
