"""Writes of board concerns, their log, indicators and data points: each atomic, each leaving its change record
(audit.services), each checking who may make it (accounts.access) whoever calls.

A concern's status moves only through ``move_concern``, a conditional write (``UPDATE … WHERE status = <the status
the person saw> AND status_changed_at = <the moment it was set>``): when two people act at once exactly one write
matches and the other is told who moved it first. A data point is entered once per period (the database's unique
constraint decides between two at once) and corrected only from the value the person saw: a correction keeps the
old value with who and why (DataPointCorrection). Writes that keep a file go through evidence.services.store_then:
call them outside any transaction, as their views are ``non_atomic_requests``.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import access
from actionplans import lifecycle
from actionplans.lifecycle import Conflict, Refused, when, yours
from actionplans.rules import today
from audit.services import history_of, record_created, save_audited
from concerns import rules
from concerns.models import Concern, ConcernFile, DataPoint, DataPointCorrection, Entry, Indicator
from evidence.services import store_then

Status = Concern.Status
#: Where the evidence behind data points is kept in the evidence storage.
FOLDER = "concerns"


def concern_create(*, actor, agencies, **values):
    access.require_change_concerns(actor)
    if not agencies:
        raise ValidationError("Choose at least one agency the concern is about.")
    return save_audited(Concern(), actor=actor, values=values, m2m={"agencies": agencies})


@transaction.atomic
def concern_update(*, concern, actor, agencies=None, **values):
    access.require_change_concerns(actor)
    if agencies is not None:
        if not agencies:
            raise ValidationError("Choose at least one agency the concern is about.")
        owners = set(concern.indicators.values_list("owner_id", flat=True))
        kept = {agency.pk for agency in agencies}
        if owners - kept:
            names = ", ".join(sorted(str(i.owner) for i in concern.indicators.filter(owner_id__in=owners - kept)))
            raise ValidationError(f"The concern's indicators are reported by {names}: keep that agency.")
    return save_audited(concern, actor=actor, values=values, m2m={"agencies": agencies} if agencies is not None else None)


@dataclass(frozen=True)
class ConcernMove:
    label: str
    sources: tuple
    target: str


# fmt: off
CONCERN_MOVES = {
    "monitor": ConcernMove("Move to monitoring", (Status.OPEN,), Status.MONITORING),
    "close":   ConcernMove("Close the concern",  (Status.OPEN, Status.MONITORING), Status.CLOSED),
    "reopen":  ConcernMove("Open it again",      (Status.MONITORING, Status.CLOSED), Status.OPEN),
}
# fmt: on


def moves_for(user, concern):
    if not access.can_change_concerns(user):
        return []
    return [name for name, move in CONCERN_MOVES.items() if concern.status in move.sources]


@transaction.atomic
def move_concern(name, *, concern, actor, seen, reason=""):
    """Move a concern to monitoring, close it (with the reason) or open it again, from the status the person saw
    (a lifecycle.Seen with the moment it was set: closing and reopening undo each other)."""
    move = CONCERN_MOVES[name]
    access.require_change_concerns(actor)
    if str(seen) not in move.sources:
        raise Refused(f"The concern is {Status(str(seen)).label.lower()}: “{move.label}” is not possible.")
    reason = reason.strip()
    if name == "close" and not reason:
        raise Refused("Give the reason the concern is closed: it stays on record.")
    claimed, locked = lifecycle.claim_status(Concern, concern.pk, seen)
    if locked is None:
        raise lifecycle.moved_since(concern, seen, reason)
    return lifecycle.write_status(claimed, locked, actor=actor, status=move.target,
                                  closed_reason=reason if name == "close" else "")


@transaction.atomic
def entry_add(*, concern, actor, text, on):
    """Add a line to the concern's log: a member's update, or the response of the agency of an agency user (whose
    agency the concern names: checked on the locked row, so that an agency removed meanwhile cannot answer)."""
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if access.can_change_concerns(actor):
        values = {"kind": Entry.Kind.UPDATE, "agency": None}
    elif access.can_respond(actor, locked):
        values = {"kind": Entry.Kind.RESPONSE, "agency": actor.agency}
    else:
        raise PermissionDenied("Members add updates; the users of the agencies the concern names add responses.")
    return save_audited(Entry(concern=locked), actor=actor, values={**values, "text": text.strip(), "on": on})


def _check_owner(concern, owner):
    if not concern.agencies.filter(pk=owner.pk).exists():
        raise ValidationError(f"{owner.name} is not one of the agencies the concern names: add it to the concern "
                              "first, or choose one of them.")


@transaction.atomic
def indicator_create(*, concern, actor, **values):
    access.require_change_concerns(actor)
    _check_owner(concern, values["owner"])
    values["first_period"] = rules.period_of(values["first_period"], values["frequency"])
    return save_audited(Indicator(concern=concern), actor=actor, values=values)


@transaction.atomic
def indicator_update(*, indicator, actor, **values):
    access.require_change_concerns(actor)
    if "owner" in values:
        _check_owner(indicator.concern, values["owner"])
    stored = Indicator.objects.get(pk=indicator.pk).frequency  # the form may have set the posted one on the object
    frequency = values.get("frequency", stored)
    if frequency != stored and indicator.points.exists():
        raise ValidationError("The indicator has values by its present frequency: it cannot change now. Stop "
                              "reporting it and add a new indicator instead.")
    if "first_period" in values:
        values["first_period"] = rules.period_of(values["first_period"], frequency)
    return save_audited(indicator, actor=actor, values=values)


def _period_refusal(indicator, period):
    if period != rules.period_of(period, indicator.frequency):
        return "Choose a period from the list."
    if period not in rules.open_periods(indicator, today()):
        return (f"{rules.period_label(period, indicator.frequency)} is outside the periods this indicator reports "
                f"(from {rules.period_label(indicator.first_period, indicator.frequency)} to the present one).")
    return None


def _keep_files(point, uploads, names, actor):
    for checked, name in zip(uploads, names, strict=True):
        ConcernFile.keep(checked, name, actor=actor, point=point)


def data_point_record(*, indicator, actor, period, value, note="", uploads=()):
    """Enter ``indicator``'s value for ``period`` (the first day of a month or quarter it reports), with its
    evidence (CheckedUploads). A period that has a value already is refused (Conflict): it is corrected instead."""
    uploads = list(uploads)

    def write(names):
        locked = Indicator.objects.select_for_update().select_related("owner").get(pk=indicator.pk)
        if not access.can_enter_data(actor, locked):
            raise PermissionDenied(f"{locked.owner.name} reports this indicator: its users (and members) enter its "
                                   "values.")
        refusal = _period_refusal(locked, period)
        if refusal:
            raise Refused(refusal)
        existing = DataPoint.objects.filter(indicator=locked, period=period).select_related("entered_by").first()
        if existing is not None:
            raise _taken(existing, note)
        try:
            with transaction.atomic():
                point = DataPoint(indicator=locked, period=period, value=value, note=note.strip(), entered_by=actor)
                point.full_clean(validate_constraints=False)
                point.save()
        except IntegrityError:  # another value for the period was saved between the check and this insert
            raise _taken(DataPoint.objects.select_related("entered_by").get(indicator=locked, period=period),
                         note) from None
        record_created(point, actor=actor)
        _keep_files(point, uploads, names, actor)
        return point

    return store_then(write, uploads, FOLDER)


def _taken(existing, note):
    label = rules.period_label(existing.period, existing.indicator.frequency)
    return Conflict(
        f"{label} already has a value, {rules.number(existing.value)}, entered by {existing.entered_by} on "
        f"{when(existing.entered_at)}, so nothing of yours was saved. Correct that value if yours is right."
        f"{yours(note)}",
        code="conflict",
    )


def data_point_correct(*, point, actor, value, reason, note=None, loaded_version, uploads=()):
    """Correct a data point's value (and note) from the version the person saw (``loaded_version``: its
    ``updated_at`` then), keeping the old value with who and why. A value changed since is not overwritten."""
    uploads = list(uploads)
    reason = reason.strip()

    def write(names):
        locked = DataPoint.objects.select_for_update().select_related("indicator__owner").get(pk=point.pk)
        if not access.can_enter_data(actor, locked.indicator):
            raise PermissionDenied(f"{locked.indicator.owner.name} reports this indicator: its users (and members) "
                                   "correct its values.")
        if locked.updated_at != loaded_version:
            last = history_of(locked).first()
            who = f" by {last.actor or 'someone'} on {when(last.at)}" if last else ""
            raise Conflict(
                f"This value was changed to {rules.number(locked.value)}{who} after you opened the form, so nothing of yours was "
                f"saved. Check it, then correct it again if yours still applies.{yours(reason)}",
                code="conflict",
            )
        if not reason:
            raise Refused("Say why the value is corrected: the old value stays on record with your reason.")
        if value == locked.value and (note is None or note.strip() == locked.note) and not uploads:
            raise Refused("Nothing to correct: the value and note are what they were.")
        old = locked.value
        changed = save_audited(locked, actor=actor, values={"value": value, **({"note": note.strip()} if note is not None else {})})
        correction = DataPointCorrection(point=changed, old_value=old, new_value=value, reason=reason,
                                         corrected_by=actor)
        correction.full_clean()
        correction.save()
        _keep_files(changed, uploads, names, actor)
        return changed

    return store_then(write, uploads, FOLDER)
