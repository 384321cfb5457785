"""Writes of learning events, attendance and their files: each atomic, each leaving its change record
(audit.services), each checking who may make it (accounts.access) whoever calls.

An event's status moves only through ``move_event``, a conditional write (``UPDATE … WHERE status = <the status
the person saw>``) like actionplans.lifecycle's: when two people act at once exactly one write matches and the
other is told who moved it first. Writes that keep a file (a register, materials) go through
evidence.services.store_then: call them outside any transaction, as their views are ``non_atomic_requests``.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import access
from actionplans.lifecycle import Conflict, Refused, Seen, when, yours
from actionplans.rules import today
from audit.services import history_of, record_changed, record_created, save_audited, snapshot
from evidence.services import store_then
from learning import rules
from learning.models import Attendance, EventFile, LearningEvent

Status = LearningEvent.Status
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


def _conflict(event, seen, text):
    current = LearningEvent.objects.get(pk=event.pk)
    # The latest change of its status (an edit of its details since is not the move that beat this one).
    last = next((record for record in history_of(current)[:50] if "status" in record.changes), None)
    who = f" by {last.actor or 'someone'} on {when(last.at)}" if last else ""
    seen_label, now_label = Status(str(seen)).label.lower(), current.get_status_display().lower()
    changed = f"changed from {seen_label} to {now_label}" if current.status != seen else f"changed and is now {now_label} again"
    return Conflict(
        f"While you were working, “{current.title}” was {changed}{who}, so nothing of yours was saved. Read its page "
        f"as it is now, then try again if it still applies.{yours(text)}",
        code="conflict",
    )


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
    claimed = LearningEvent.objects.filter(pk=event.pk, status=str(seen))
    if isinstance(seen, Seen):
        claimed = claimed.filter(status_changed_at=seen.changed_at)
    locked = claimed.select_for_update().first()
    if locked is None:
        raise _conflict(event, str(seen), reason)
    refusal = hold_refusal(locked) if name == "hold" else None
    if refusal:
        raise Refused(refusal)
    before = snapshot(locked, ["status", "cancellation_reason"])
    now = timezone.now()
    reason = reason if name == "cancel" else ""
    claimed.update(status=move.target, status_changed_at=now, cancellation_reason=reason, updated_at=now)
    locked.status, locked.status_changed_at, locked.cancellation_reason = move.target, now, reason
    record_changed(locked, actor=actor, before=before)
    return locked


def _keep_file(*, event, kind, agency, checked, stored_name, actor, description):
    kept = EventFile.objects.create(
        event=event, kind=kind, agency=agency, description=description, stored_name=stored_name,
        original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=actor,
    )
    record_created(kept, actor=actor)
    return kept


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
            _keep_file(event=locked, kind=EventFile.Kind.REGISTER, agency=agency, checked=register,
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
            _keep_file(event=locked, kind=EventFile.Kind.MATERIAL, agency=None, checked=checked, stored_name=name,
                       actor=actor, description=description)
            for checked, name in zip(uploads, names, strict=True)
        ]

    return store_then(write, uploads, FOLDER)
