"""Bulk updates in the board meeting (README, "Bulk updates"): a member selects actions on the action list and
reassigns their responsible officer, moves their target dates with one reason, or records one progress note on
each.

Two steps. ``prepare`` judges each selected action and says what will change on it (old → new) or why it is
refused, in words; it signs what the person saw of each action into a token, which the confirmation page carries.
``apply`` takes the token back: it locks the actions, refuses each one changed since the confirmation ("changed
since you confirmed, by …") and each one the rules now refuse, and changes the rest with conditional writes
(``UPDATE … WHERE <the values the person saw>``), each change recorded on its own (audit.services.record_many).

The rules are those of one action: a progress note as the lifecycle's "progress" move allows it (not on a
verified or cancelled action), a target date moved as actionplans.dates moves one (not on a verified or cancelled
action, nor while an agency's request waits; each move a TargetDateChange approved as made, the action's
target_date_moves counted), and a responsible officer an active user of the action's lead agency, as the action's
form offers. Actions the member may not see are not there at all (accounts.access.visible_actions).

Both steps run a fixed number of queries whatever the number of actions: one read of the actions, one read of
what the rules need (waiting date requests), one UPDATE, one INSERT per table, one batch of change records.
"""

import dataclasses
import datetime
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from accounts import access
from accounts.models import Role, User
from actionplans import dates, lifecycle
from actionplans.models import Action, ProgressUpdate, TargetDateChange
from actionplans.rules import Status
from audit import services as audit
from audit.models import ChangeRecord

#: The most actions one bulk change takes: a board meeting's worth, with room to spare.
MAX_ACTIONS = 1000
#: How long a confirmation page stays good, in seconds.
TOKEN_MAX_AGE = 60 * 60
_SALT = "actionplans.bulk"


class Operation(models.TextChoices):
    OFFICER = "officer", "Reassign the responsible officer"
    DATES = "dates", "Move the target dates"
    NOTE = "note", "Record a progress note on each"


#: For each operation, the fields of an action its change depends on: what the person saw of each action on the
#: confirmation page, compared again under the lock, and the WHERE of the conditional write. A note also depends
#: on the action's newest progress entry (``latest_entry``): a note or a move recorded since, or the same
#: confirmation posted twice, is refused rather than recorded again.
SEEN = {
    Operation.OFFICER: ("responsible_officer", "lead_agency"),
    Operation.DATES: ("target_date", "status"),
    Operation.NOTE: ("status", "status_changed_at"),
}


class TooMany(ValueError):
    """More actions than MAX_ACTIONS are selected."""


class Unreadable(lifecycle.Refused):
    """The confirmation posted is out of date or not one this site made; nothing was changed."""


def _officer_name(officer):
    if officer is None:
        return "none named"
    return f"{officer} ({officer.agency.short_name})" if officer.agency else str(officer)


@dataclasses.dataclass(frozen=True)
class Change:
    """What the member asked for: one operation, with its values."""

    operation: str
    #: OFFICER: the new responsible officer (a User), or None for none named.
    officer: object = None
    #: DATES: one new date for every action, or a number of days later than each one's current date.
    new_date: datetime.date | None = None
    days: int | None = None
    reason: str = ""
    #: NOTE: the progress note.
    note: str = ""

    def new_date_of(self, action):
        return self.new_date or action.target_date + datetime.timedelta(days=self.days)

    def describe(self):
        """The change in words, as the confirmation and result pages head their lists with it."""
        if self.operation == Operation.OFFICER:
            if self.officer is None:
                return "Take the responsible officer off each action (its lead agency's users are reminded instead)."
            return f"Make {_officer_name(self.officer)} the responsible officer of each action."
        if self.operation == Operation.DATES:
            to = f"to {dates.day(self.new_date)}" if self.new_date else f"{self.days} day{'s' * (self.days != 1)} later"
            return f"Move the target date of each action {to}, because: {self.reason}"
        return f"Record this progress note on each action, leaving its status as it is: {self.note}"

    @property
    def column(self):
        """The heading of the confirmation's column of changes."""
        return {
            Operation.OFFICER: "Responsible officer: before → after",
            Operation.DATES: "Target date: before → after",
            Operation.NOTE: "Progress log",
        }[self.operation]

    def as_token(self):
        return {
            "operation": str(self.operation),
            "officer": self.officer.pk if self.officer else None,
            "new_date": self.new_date.isoformat() if self.new_date else None,
            "days": self.days,
            "reason": self.reason,
            "note": self.note,
        }

    @classmethod
    def from_token(cls, data):
        officer = None
        if data["officer"] is not None:
            officer = User.objects.select_related("agency").filter(pk=data["officer"]).first()
            if officer is None:
                raise Unreadable("The officer chosen no longer exists, so nothing was changed. Choose another one.")
        new_date = datetime.date.fromisoformat(data["new_date"]) if data["new_date"] else None
        return cls(
            operation=Operation(data["operation"]), officer=officer, new_date=new_date, days=data["days"],
            reason=data["reason"], note=data["note"],
        )


@dataclasses.dataclass(frozen=True)
class Line:
    """One action on the confirmation or result page: what changes on it (``before`` → ``after``), or why not."""

    pk: int
    #: str(action): the review's reference and the action's, e.g. "SCR-2009-01 1.2".
    name: str
    before: str = ""
    after: str = ""
    refusal: str = ""


@dataclasses.dataclass
class Confirmation:
    """What ``prepare`` found: the changes it will make, the refusals, and the token to make them with."""

    change: Change
    changes: list
    refusals: list
    token: str


@dataclasses.dataclass
class Outcome:
    """What ``apply`` did: the actions changed and those refused (at confirmation or since), each in words."""

    summary: str
    changed: list
    refused: list
    #: The heading of the column of changes (Change.column).
    column: str = "Change"

    def message(self):
        changed, refused = len(self.changed), len(self.refused)
        if not changed:
            return f"Nothing was changed: {_count(refused)} refused, each listed below with the reason."
        text = f"{_count(changed)} changed"
        return text + (f"; {refused} refused, each listed below with the reason." if refused else ".")

    def as_session(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_session(cls, data):
        return cls(
            summary=data["summary"],
            changed=[Line(**line) for line in data["changed"]],
            refused=[Line(**line) for line in data["refused"]],
            column=data.get("column", "Change"),
        )


def _count(n):
    return f"{n:,} action{'s' * (n != 1)}"


# --- reading and judging ---------------------------------------------------------------------------------------


def _require(user, change):
    """Only members (and administrators) make bulk changes: the same people who change actions one by one."""
    access.require_change_reviews(user)


def _read(actions, change):
    """The actions with what the pages name them by, and what the operation's rules read."""
    actions = actions.select_related("plan__review", "lead_agency", "responsible_officer__agency").order_by(
        "plan__review__reference", "plan_id", "reference", "pk"
    )
    if change.operation == Operation.NOTE:
        newest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-id").values("id")[:1]
        actions = actions.annotate(latest_entry=Subquery(newest))
    return actions


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _seen(action, change):
    """What the person sees of the action for this operation, as plain values (for the token)."""
    values = [_plain(getattr(action, Action._meta.get_field(name).attname)) for name in SEEN[change.operation]]
    if change.operation == Operation.NOTE:
        values.append(action.latest_entry)
    return values


def _waiting_requests(change, actions):
    """The requests for a new target date waiting on these actions, by action (the date operation only)."""
    if change.operation != Operation.DATES or not actions:
        return {}
    by_pk = {action.pk: action for action in actions}
    waiting = TargetDateChange.objects.filter(
        action_id__in=list(by_pk), status=TargetDateChange.Status.PENDING
    ).select_related("requested_by")
    for request in waiting:
        request.action = by_pk[request.action_id]  # named in the refusal: no query for it
    return {request.action_id: request for request in waiting}


def _refusal(user, action, change, waiting):
    """Why this change is refused on this action, in words naming it, or None."""
    if change.operation == Operation.OFFICER:
        officer = change.officer
        if officer is None:
            return None if action.responsible_officer_id else f"Action {action} has no responsible officer already."
        if not (officer.is_active and officer.role == Role.AGENCY):
            return f"{officer} is no longer an active agency user, so cannot be responsible for action {action}."
        if officer.agency_id != action.lead_agency_id:
            return (
                f"{officer} works for {officer.agency.short_name}, but action {action} is led by "
                f"{action.lead_agency.short_name}: its officer must be one of {action.lead_agency.short_name}'s users."
            )
        if action.responsible_officer_id == officer.pk:
            return f"{officer} is the responsible officer of action {action} already."
        return None
    if change.operation == Operation.DATES:
        if not access.can_change_target_date(user, action):
            return f"You may not change the target date of action {action}."
        if action.status in dates.CLOSED or action.pk in waiting:
            return dates.refusal(action, waiting.get(action.pk))
        if change.new_date_of(action) == action.target_date:
            return f"The target date of action {action} is {dates.day(action.target_date)} already."
        return None
    if not lifecycle.ACTION_MOVES["progress"].allows(user, action):
        if action.status == Status.CANCELLED:
            return f"Action {action} is cancelled: reinstate it before recording progress on it."
        if action.status == Status.VERIFIED:
            return f"Action {action} is verified: its sign-off is withdrawn before progress is recorded on it."
        return f"You may not record progress on action {action}."
    return None


def _before_after(action, change):
    if change.operation == Operation.OFFICER:
        return _officer_name(action.responsible_officer), _officer_name(change.officer)
    if change.operation == Operation.DATES:
        return dates.day(action.target_date), dates.day(change.new_date_of(action))
    status = action.get_status_display().lower()
    return "", f"progress note recorded; the status stays {status}"


def _line(action, change):
    before, after = _before_after(action, change)
    return Line(action.pk, str(action), before=before, after=after)


def prepare(user, actions, change):
    """The confirmation of ``change`` on ``actions`` (a queryset from access.visible_actions(user)): what will
    change on each, which are refused and why, and the token that carries what the person saw to ``apply``.
    TooMany when more than MAX_ACTIONS are selected. Changes nothing."""
    _require(user, change)
    rows = list(_read(actions, change)[: MAX_ACTIONS + 1])
    if len(rows) > MAX_ACTIONS:
        total = actions.count()
        raise TooMany(
            f"{total:,} actions are selected, and one bulk change takes at most {MAX_ACTIONS:,}. Narrow the filter "
            "(by review, plan or lead agency, say) and change them in parts."
        )
    waiting = _waiting_requests(change, rows)
    changes, refusals, seen = [], [], []
    for action in rows:
        why = _refusal(user, action, change, waiting)
        if why:
            refusals.append(Line(action.pk, str(action), refusal=why))
        else:
            changes.append(_line(action, change))
            seen.append([action.pk, str(action), _seen(action, change)])
    token = signing.dumps(
        {
            "change": change.as_token(),
            "seen": seen,
            "refused": [[line.pk, line.name, line.refusal] for line in refusals],
            "at": timezone.now().isoformat(),
        },
        salt=_SALT,
        compress=True,
    )
    return Confirmation(change, changes, refusals, token)


# --- applying --------------------------------------------------------------------------------------------------


def _unsign(token):
    try:
        return signing.loads(token, salt=_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise Unreadable(
            f"This confirmation is more than {TOKEN_MAX_AGE // 60} minutes old, so nothing was changed: select the "
            "actions and check the changes again."
        ) from None
    except (signing.BadSignature, ValueError):
        raise Unreadable(
            "This confirmation could not be read, so nothing was changed: select the actions and check the changes "
            "again."
        ) from None


def _still_as_seen(rows, fields):
    """The WHERE of the conditional write: each of ``rows`` still holds, in each of ``fields``, the value read
    (under the lock, and equal to what the person saw). One CASE a field, so one statement for any number."""
    where = Q(pk__in=[row.pk for row in rows])
    for name in fields:
        field = Action._meta.get_field(name)
        values = {row.pk: getattr(row, field.attname) for row in rows}
        output = models.BigIntegerField() if field.is_relation else field
        parts = []
        nulls = [pk for pk, value in values.items() if value is None]
        if nulls:
            parts.append(Q(pk__in=nulls, **{f"{field.attname}__isnull": True}))
        known = {pk: value for pk, value in values.items() if value is not None}
        if known:
            each = Case(*(When(pk=pk, then=Value(value, output_field=output)) for pk, value in known.items()))
            parts.append(Q(pk__in=list(known), **{field.attname: each}))
        where &= reduce(or_, parts)
    return where


def _conflicts(conflicting, change, since):
    """The refusal of each action changed since the confirmation: what changed, by whom and when (the newest
    change since). One query for them all."""
    if not conflicting:
        return []
    pks = [action.pk for action in conflicting]
    newest = {}
    if change.operation == Operation.NOTE:
        entries = ProgressUpdate.objects.filter(action_id__in=pks, created_at__gte=since).select_related("author")
        for entry in entries.order_by("-created_at", "-id"):
            if entry.action_id not in newest:
                what = (
                    f"status changed from {Status(entry.status_before).label.lower()} to "
                    f"{Status(entry.status_after).label.lower()}"
                    if entry.changed_status
                    else "a progress note recorded"
                )
                newest[entry.action_id] = (entry.author, entry.created_at, what)
    else:
        records = ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(Action),
            object_id__in=pks,
            verb=ChangeRecord.Verb.CHANGED,
            at__gte=since,
        ).select_related("actor")
        for record in records.order_by("-sequence"):
            if record.object_id not in newest:
                what = "; ".join(sentence[:1].lower() + sentence[1:] for sentence in record.sentences())
                newest[record.object_id] = (record.actor or "the system", record.at, what)
    lines = []
    for action in conflicting:
        found = newest.get(action.pk)
        who = f", by {found[0]} on {lifecycle.when(found[1])} ({found[2]})" if found else ""
        lines.append(
            Line(action.pk, str(action), refusal=f"Action {action} was changed since you confirmed{who}, so nothing "
                 "was changed on it. Check it again if the change still applies.")
        )
    return lines


def _write(user, change, actions):
    """Make the change on ``actions`` (locked, as the person saw them, allowed by the rules) and record each."""
    if not actions:
        return
    now = timezone.now()
    fields = SEEN[change.operation]
    if change.operation == Operation.NOTE:
        entries = [
            ProgressUpdate(action=action, author=user, note=change.note, status_before=action.status,
                           status_after=action.status)
            for action in actions
        ]
        with audit.one_insert_per_table():
            ProgressUpdate.objects.bulk_create(entries)
        audit.record_many([audit.sealed(entry) for entry in entries], actor=user)
        return
    if change.operation == Operation.OFFICER:
        befores = [audit.snapshot(action, ["responsible_officer"]) for action in actions]
        values = {"responsible_officer": change.officer, "updated_at": now}
    else:
        befores = [audit.snapshot(action, ["target_date"]) for action in actions]
        moves = {action.pk: change.new_date_of(action) for action in actions}
        new_date = (
            Value(change.new_date)
            if change.new_date
            else Case(*(When(pk=pk, then=Value(date)) for pk, date in moves.items()), output_field=models.DateField())
        )
        values = {"target_date": new_date, "target_date_moves": F("target_date_moves") + 1, "updated_at": now}
    written = Action.objects.filter(_still_as_seen(actions, fields)).update(**values)
    if written != len(actions):  # the rows are locked as read: this cannot happen, but never write half of it
        raise lifecycle.Conflict(
            "Some of these actions changed while the change was being made, so nothing was changed. Check the "
            "changes again.",
            code="conflict",
        )
    if change.operation == Operation.OFFICER:
        for action in actions:
            action.responsible_officer, action.updated_at = change.officer, now
        audit.record_many([audit.changed(a, before) for a, before in zip(actions, befores, strict=True)], actor=user)
        return
    moved = [
        TargetDateChange(
            action=action, old_date=action.target_date, new_date=moves[action.pk], reason=change.reason,
            status=TargetDateChange.Status.APPROVED, requested_by=user, requested_at=now, decided_by=user,
            decided_at=now,
        )
        for action in actions
    ]
    with audit.one_insert_per_table():
        TargetDateChange.objects.bulk_create(moved)
    entries = []
    for action, before, record in zip(actions, befores, moved, strict=True):
        action.target_date, action.target_date_moves = moves[action.pk], action.target_date_moves + 1
        action.updated_at = now
        # As actionplans.dates records one move: the approved change, then the action's new date.
        entries += [audit.created(record), audit.changed(action, before)]
    audit.record_many(entries, actor=user)


@transaction.atomic
def apply(user, token):
    """Make the change a confirmation page showed (its ``token``, from ``prepare``), on each action still as the
    person saw it and still allowed; refuse the others, saying why. Returns the Outcome. Unreadable (a Refused)
    when the token is out of date or not this site's; nothing is changed then."""
    data = _unsign(token)
    change = Change.from_token(data["change"])
    _require(user, change)
    since = datetime.datetime.fromisoformat(data["at"])
    seen = {pk: (name, values) for pk, name, values in data["seen"]}
    # Locked as they are now, until the transaction ends: nobody changes them between the check and the write.
    rows = list(
        _read(access.visible_actions(user).filter(pk__in=list(seen)), change).select_for_update(of=("self",))
    )
    waiting = _waiting_requests(change, rows)
    found = {action.pk for action in rows}
    refused = [Line(pk, name, refusal=reason) for pk, name, reason in data["refused"]]
    refused += [
        Line(pk, name, refusal=f"Action {name} no longer exists, or you may no longer see it.")
        for pk, (name, _) in seen.items()
        if pk not in found
    ]
    conflicting, ready, changed = [], [], []
    for action in rows:
        if _seen(action, change) != seen[action.pk][1]:
            conflicting.append(action)
            continue
        why = _refusal(user, action, change, waiting)
        if why:
            refused.append(Line(action.pk, str(action), refusal=why))
        else:
            ready.append(action)
            changed.append(_line(action, change))
    refused += _conflicts(conflicting, change, since)
    _write(user, change, ready)
    return Outcome(change.describe(), changed, refused, change.column)
