"""Reminders: who gets what on a day (``plan_reminders``) and sending it exactly once (``send_reminders``).

The rules are DOMAIN.md's "Reminders", with the offsets from settings (README, "Reminders"):

- due soon: an open action exactly REMINDER_DUE_SOON_DAYS days (30, 7, 1) before its target date;
- overdue: on the first day overdue, then every REMINDER_OVERDUE_REPEAT_DAYS (7) days: 1, 8, 15, 22, 29 ...;
- escalation: on the day an action is REMINDER_ESCALATION_DAYS (28) overdue, to the usual people and to every
  sub-committee member, once (that day has no ordinary overdue reminder);
- evidence waiting: every REMINDER_EVIDENCE_DIGEST_WEEKDAY (Monday), to every active consultant, the evidence
  items still waiting for a decision more than REMINDER_EVIDENCE_WAITING_DAYS (14) days after submission;
- impact checks (the learning cycle): an open check due soon or overdue on the same days as an action (no
  escalation), to the active members of its sub-committee (or, with none, every active member);
- attendance: REMINDER_ATTENDANCE_DAYS (7, 14, 21, 28) days after a learning event was held, to the active users of
  each partner agency whose attendance is not recorded (an agency with none: the member who recorded the event,
  or every active member);
- board concerns: an indicator's value late (concerns.rules), on the first day late and every
  REMINDER_OVERDUE_REPEAT_DAYS after, to the active users of the agency that reports it (with none, every active
  member); a concern not closed with no update for CONCERN_UPDATE_DAYS (90) days, on that day and every
  REMINDER_OVERDUE_REPEAT_DAYS after, to every active member.

"Overdue" and "open" are actionplans.rules' definitions. The usual people are the action's responsible officer
or, when it has none (or the officer's account is inactive), the active users of its lead agency.

Exactly once: each e-mail is a Reminder row, unique per (recipient, kind, day), inserted (claimed) before the
e-mail is sent, together with its items, in one short transaction. A second run, in parallel or later, cannot
insert the same row and so sends nothing; on PostgreSQL its INSERT ... ON CONFLICT DO NOTHING waits for the
first run's transaction and then skips the row. A claim holds for REMINDER_CLAIM_TIMEOUT seconds; a run that
finds a claim past that time (its worker was killed) or a failed e-mail whose retry is due takes it over with a
conditional UPDATE, so only one run can. After REMINDER_MAX_ATTEMPTS attempts it is recorded as failed.
E-mails the server accepted are marked sent in groups (MARK_EVERY, MARK_WITHIN): a worker killed after sending
a group and before marking it leaves those claimed, and they are sent again once the claim times out.

Fast at scale (README, "Reminders"): each line of an e-mail is rendered once per run (Writer), items are inserted
and sent rows marked with one statement per batch or group, and the MIME bytes are made with less work
(ReminderEmail). The e-mails are byte for byte what they were (tests/test_reminders_output.py).
"""

import dataclasses
import datetime
import email.generator
import email.policy
import functools
import logging
import re
import time
import uuid
from collections import defaultdict
from email.utils import formatdate, make_msgid
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    SafeMIMEMultipart,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.core.mail.utils import DNS_NAME
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.template.loader import get_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.text import Truncator

from accounts.models import Role, User
from actionplans import rules
from actionplans.models import Action
from reminders.models import Kind, Reminder, ReminderItem, ReminderPreference

log = logging.getLogger(__name__)

#: How many e-mails are claimed in one transaction and sent over one SMTP connection.
BATCH_SIZE = 100

#: E-mails the server accepted are marked ``sent`` in groups, one UPDATE each: a group is written once it holds
#: MARK_EVERY e-mails or has been sending for MARK_WITHIN seconds, and at the end of each batch. A worker killed
#: in between leaves at most that many accepted e-mails ``claimed``; they are sent again once their claim times
#: out (README, "Reminders"). With a slow server (one e-mail takes MARK_WITHIN or more) each is marked at once.
MARK_EVERY = 50
MARK_WITHIN = 0.2

#: The order of the sections of an e-mail, most urgent first.
SECTION_ORDER = [
    Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.EVIDENCE_WAITING, Kind.IMPACT_OVERDUE, Kind.IMPACT_DUE,
    Kind.ATTENDANCE, Kind.VALUE_LATE, Kind.CONCERN_QUIET,
]

#: The reminders before a date, which a person may turn off (ReminderPreference.due_soon); soonest first.
DUE_SOON_KINDS = (Kind.DUE_SOON, Kind.IMPACT_DUE)

#: What an item is about, besides its kind: the fields of Item (and the columns of ReminderItem) that name it.
SUBJECTS = ("action", "evidence", "impact_check", "event", "agency", "indicator", "concern")


@dataclasses.dataclass
class Item:
    """One thing to remind someone of, and the number of days that matters: an action (with an evidence item for
    the consultants' digest), an impact check (with its action), a held event with the agency whose
    attendance is missing, an indicator with values late, or a board concern gone quiet."""

    kind: str
    days: int
    action: Action | None = None
    evidence: object | None = None
    impact_check: object | None = None
    event: object | None = None
    agency: object | None = None
    indicator: object | None = None
    concern: object | None = None

    @functools.cached_property
    def key(self):
        """(kind, then the pk of each of SUBJECTS or None): what a ReminderItem row of it holds, days aside."""
        return (self.kind, *(subject.pk if (subject := getattr(self, name)) else None for name in SUBJECTS))


@dataclasses.dataclass
class Planned:
    """One e-mail that the day's run should send."""

    recipient: User
    kind: str
    items: list


@dataclasses.dataclass
class Outcome:
    """What a run did, for the command's output, the task's retry and the logs."""

    day: datetime.date
    planned: int = 0
    claimed: int = 0
    resumed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    gave_up: int = 0
    without_email: list = dataclasses.field(default_factory=list)
    retry_in: float | None = None

    def __str__(self):
        text = (
            f"Reminders for {self.day:%Y-%m-%d}: {self.planned} e-mails due, {self.claimed} claimed by this run, "
            f"{self.resumed} earlier ones resumed; {self.sent} sent, {self.retrying} to retry, "
            f"{self.failed + self.gave_up} failed."
        )
        if self.without_email:
            text += f" Not sent, no e-mail address: {', '.join(sorted(self.without_email))}."
        if self.retry_in is not None:
            text += f" Next retry in {self.retry_in:.0f} s."
        return text


# --- Who gets what ------------------------------------------------------------------------------------


def action_reminder_on(target_date, on):
    """(kind, days) of the reminder that an open action with this target date has on day ``on``, or None."""
    overdue = rules.days_overdue(rules.Status.IN_PROGRESS, target_date, on)
    if overdue == settings.REMINDER_ESCALATION_DAYS:
        return Kind.ESCALATION, overdue
    return dated_reminder_on(target_date, on)


def dated_reminder_on(due, on, overdue_kind=Kind.OVERDUE, due_soon_kind=Kind.DUE_SOON):
    """(kind, days) of the reminder something open with date ``due`` (an action's target date, an impact check's
    due date) has on day ``on``, escalation aside: overdue on the first day past it and every
    REMINDER_OVERDUE_REPEAT_DAYS days after, due soon REMINDER_DUE_SOON_DAYS days before it; or None."""
    overdue = rules.days_overdue(rules.Status.IN_PROGRESS, due, on)
    if overdue:
        if (overdue - 1) % settings.REMINDER_OVERDUE_REPEAT_DAYS == 0:
            return overdue_kind, overdue
        return None
    days_left = (due - on).days
    if days_left in settings.REMINDER_DUE_SOON_DAYS:
        return due_soon_kind, days_left
    return None


def _dates_with_reminders(dated, field, on, reminder_on):
    """{date: (kind, days)} for the distinct values of ``field`` in the queryset ``dated`` (open things) that are past
    or at a due-soon offset on day ``on`` and have a reminder (``reminder_on(date, on)``). One query."""
    due_soon_dates = [on + datetime.timedelta(days=d) for d in settings.REMINDER_DUE_SOON_DAYS]
    dates = (
        dated.filter(Q(**{f"{field}__lt": on}) | Q(**{f"{field}__in": due_soon_dates}))
        .order_by()
        .values_list(field, flat=True)
        .distinct()
    )
    return {date: reminder for date in dates if (reminder := reminder_on(date, on))}


def _actions_with_reminders(on):
    """The open actions that have a reminder on this day, each with its (kind, days). Two queries.

    The first query reads only the distinct target dates of open actions that are overdue or at a due-soon
    offset; the rule is applied to each date, and the second query loads the actions on the dates that hit.
    """
    open_actions = Action.objects.filter(status__in=rules.OPEN_STATUSES)
    hits = _dates_with_reminders(open_actions, "target_date", on, action_reminder_on)
    if not hits:
        return []
    actions = (
        open_actions.filter(target_date__in=hits)
        .select_related("plan__review", "plan__agency", "responsible_officer")
        .order_by("plan__review__reference", "reference", "pk")
    )
    return [(action, *hits[action.target_date]) for action in actions]


def _usual_recipients(actions):
    """For each action, the responsible officer or, without one, the lead agency's active users. One query."""
    def officer(action):
        person = action.responsible_officer
        return person if person is not None and person.is_active else None

    fallback = {action.lead_agency_id for action in actions if officer(action) is None}
    agency_users = defaultdict(list)
    if fallback:
        for user in User.objects.filter(agency_id__in=fallback, role=Role.AGENCY, is_active=True):
            agency_users[user.agency_id].append(user)
    return {action.pk: [officer(action)] if officer(action) else agency_users[action.lead_agency_id] for action in actions}


def _evidence_waiting(on):
    """On the digest's weekday: evidence submitted more than REMINDER_EVIDENCE_WAITING_DAYS days before ``on``
    and still waiting for the consultant's decision, oldest first. One query; none on other days."""
    if on.isoweekday() != settings.REMINDER_EVIDENCE_DIGEST_WEEKDAY:
        return []
    from evidence.models import Evidence

    waited_since = on - datetime.timedelta(days=settings.REMINDER_EVIDENCE_WAITING_DAYS)
    waiting = (
        Evidence.objects.filter(status=Evidence.Status.SUBMITTED, submitted_at__date__lt=waited_since)
        .select_related("action__plan__review", "action__plan__agency", "agency")
        .order_by("submitted_at", "pk")
    )
    return [
        Item(
            kind=Kind.EVIDENCE_WAITING,
            days=(on - timezone.localdate(evidence.submitted_at)).days,
            action=evidence.action,
            evidence=evidence,
        )
        for evidence in waiting
    ]


def _impact_checks_with_reminders(on, board):
    """The open impact checks due soon or overdue on this day (dated_reminder_on), each with its (kind, days) and
    the people to remind: its sub-committee's active members who are board members (those who may record the
    finding) or, when that leaves nobody, every active member (who can give the check to a sub-committee).
    Two queries when none hits; four when some do (and the members, once per run, for the fallback)."""
    from learning.models import ImpactCheck, SubCommittee

    def reminder_on(due, on):
        return dated_reminder_on(due, on, Kind.IMPACT_OVERDUE, Kind.IMPACT_DUE)

    open_checks = ImpactCheck.objects.filter(status=ImpactCheck.Status.OPEN)
    hits = _dates_with_reminders(open_checks, "due_on", on, reminder_on)
    if not hits:
        return []
    checks = list(
        open_checks.filter(due_on__in=hits)
        .select_related("action__plan__review", "action__plan__agency", "sub_committee")
        .order_by("due_on", "action__plan__review__reference", "action__reference", "pk")
    )
    members = defaultdict(list)
    for membership in SubCommittee.members.through.objects.filter(
        subcommittee_id__in={c.sub_committee_id for c in checks if c.sub_committee_id and c.sub_committee.is_active},
        user__is_active=True, user__role=Role.MEMBER,
    ).select_related("user"):
        members[membership.subcommittee_id].append(membership.user)
    found = []
    for check in checks:
        people = members.get(check.sub_committee_id) if check.sub_committee_id and check.sub_committee.is_active else None
        if not people:
            people = board()
        found.append((check, *hits[check.due_on], people))
    return found


def _attendance_missing(on, board):
    """The learning events held REMINDER_ATTENDANCE_DAYS days before ``on`` (exactly) and, for each, the active
    partner agencies with no attendance recorded, with the people to remind: the agency's active users or, with
    none, the member who recorded the event (if still an active member) or every active member. One query when no
    event hits; four when some do (and the members, once per run, for the fallback)."""
    from accounts.models import Agency
    from learning.models import Attendance, LearningEvent
    from learning.rules import partner_q

    held_on = [on - datetime.timedelta(days=d) for d in settings.REMINDER_ATTENDANCE_DAYS]
    events = list(
        LearningEvent.objects.filter(status=LearningEvent.Status.HELD, held_on__in=held_on)
        .select_related("created_by")
        .order_by("held_on", "title", "pk")
    )
    if not events:
        return []
    agencies = list(Agency.objects.filter(partner_q(), is_active=True).order_by("name", "pk"))
    recorded = set(Attendance.objects.filter(event__in=events).values_list("event_id", "agency_id"))
    users = defaultdict(list)
    for user in User.objects.filter(agency__in=agencies, role=Role.AGENCY, is_active=True):
        users[user.agency_id].append(user)
    found = []
    for event in events:
        for agency in agencies:
            if (event.pk, agency.pk) in recorded:
                continue
            people = users.get(agency.pk)
            if not people:
                creator = event.created_by
                if creator is not None and creator.is_active and creator.role == Role.MEMBER:
                    people = [creator]
                else:
                    people = board()
            found.append((event, agency, (on - event.held_on).days, people))
    return found


def _board_members():
    """Every active member, read once per run and only if some reminder needs them (an escalation, a quiet concern,
    or the fallback of an impact check, an attendance or an indicator with nobody else to remind): a function."""
    return functools.cache(lambda: list(User.objects.filter(role=Role.MEMBER, is_active=True)))


def _repeats_on(days):
    """Whether something late (or quiet) by ``days`` days is reminded of today: on its first day, then every
    REMINDER_OVERDUE_REPEAT_DAYS days, as an overdue action."""
    return days >= 1 and (days - 1) % settings.REMINDER_OVERDUE_REPEAT_DAYS == 0


def _values_late(on, board):
    """The active indicators of board concerns not closed whose values are late (concerns.rules) and reminded of
    today (_repeats_on, counted from the oldest late period's due day), each with its late periods, the days late
    and the people to remind: the reporting agency's active users or, with none, every active member. Two queries
    when none is late; three otherwise (and the members, once per run, for the fallback)."""
    from concerns import rules as concern_rules
    from concerns.models import Concern, DataPoint, Indicator

    indicators = list(
        Indicator.objects.filter(is_active=True).exclude(concern__status=Concern.Status.CLOSED)
        .select_related("owner", "concern").order_by("concern__title", "name", "pk")
    )
    entered = defaultdict(set)
    for indicator_id, period in DataPoint.objects.filter(indicator__in=indicators).values_list("indicator_id", "period"):
        entered[indicator_id].add(period)
    hits = []
    for indicator in indicators:
        late = concern_rules.late_periods(indicator, entered[indicator.pk], on)
        if late:
            days = (on - concern_rules.due_on(late[0], indicator.frequency)).days
            if _repeats_on(days):
                indicator.late = late
                hits.append((indicator, days))
    if not hits:
        return []
    users = defaultdict(list)
    for user in User.objects.filter(agency__in={i.owner_id for i, _ in hits}, role=Role.AGENCY, is_active=True):
        users[user.agency_id].append(user)
    found = []
    for indicator, days in hits:
        people = users.get(indicator.owner_id)
        if not people:
            people = board()
        found.append((indicator, days, people))
    return found


def _concerns_quiet(on):
    """The board concerns not closed that have gone quiet (concerns.rules.quiet_days) and are reminded of today:
    on the day they reach CONCERN_UPDATE_DAYS, then every REMINDER_OVERDUE_REPEAT_DAYS days. One query."""
    from concerns import rules as concern_rules
    from concerns.models import Concern

    found = []
    for concern in concern_rules.with_last_activity(Concern.objects.exclude(status=Concern.Status.CLOSED)).order_by(
            "title", "pk"):
        days = concern_rules.quiet_days(concern.last_activity, on)
        if days is not None and _repeats_on(days - settings.CONCERN_UPDATE_DAYS + 1):
            found.append((concern, days))
    return found


def plan_reminders(*, on):
    """Every e-mail to send on day ``on``: one per person (or one per kind, for those who chose so).

    Reads only; the number of queries is fixed, whatever the number of actions. Items that a reminder of the
    same day already covers are left out, so a second run (even after a change of preference) plans nothing new.
    """
    per_user = defaultdict(dict)  # user pk -> {item key: Item}
    users = {}
    board = _board_members()

    def add(user, item):
        users[user.pk] = user
        per_user[user.pk].setdefault(item.key, item)

    found = _actions_with_reminders(on)
    recipients = _usual_recipients([action for action, _, _ in found])
    escalated = [(action, days) for action, kind, days in found if kind == Kind.ESCALATION]
    for action, kind, days in found:
        for user in recipients[action.pk]:
            add(user, Item(kind=kind, days=days, action=action))
    if escalated:
        for member in board():
            for action, days in escalated:
                add(member, Item(kind=Kind.ESCALATION, days=days, action=action))
    waiting = _evidence_waiting(on)
    if waiting:
        for consultant in User.objects.filter(role=Role.CONSULTANT, is_active=True):
            for item in waiting:
                add(consultant, item)
    for check, kind, days, people in _impact_checks_with_reminders(on, board):
        item = Item(kind=kind, days=days, action=check.action, impact_check=check)
        for user in people:
            add(user, item)
    for event, agency, days, people in _attendance_missing(on, board):
        item = Item(kind=Kind.ATTENDANCE, days=days, event=event, agency=agency)
        for user in people:
            add(user, item)
    for indicator, days, people in _values_late(on, board):
        item = Item(kind=Kind.VALUE_LATE, days=days, indicator=indicator)
        for user in people:
            add(user, item)
    quiet = _concerns_quiet(on)
    if quiet:
        for member in board():
            for concern, days in quiet:
                add(member, Item(kind=Kind.CONCERN_QUIET, days=days, concern=concern))

    if not per_user:
        return []
    preferences = {p.user_id: p for p in ReminderPreference.objects.all()}
    covered = set(
        ReminderItem.objects.filter(reminder__day=on).values_list(
            "reminder__recipient_id", "kind", *(f"{name}_id" for name in SUBJECTS)
        )
    )
    planned = []
    for user_pk in sorted(per_user):
        user, preference = users[user_pk], preferences.get(user_pk) or ReminderPreference()
        items = [
            item
            for item in per_user[user_pk].values()
            if (user_pk, *item.key) not in covered and (item.kind not in DUE_SOON_KINDS or preference.due_soon)
        ]
        items.sort(key=lambda i: (SECTION_ORDER.index(i.kind), i.days if i.kind in DUE_SOON_KINDS else -i.days))
        if not items:
            continue
        if preference.delivery == ReminderPreference.Delivery.SEPARATE:
            by_kind = defaultdict(list)
            for item in items:
                by_kind[item.kind].append(item)
            planned += [Planned(user, kind, kind_items) for kind, kind_items in by_kind.items()]
        else:
            planned.append(Planned(user, Kind.DIGEST, items))
    return planned


# --- Claiming and sending -----------------------------------------------------------------------------


def send_reminders(*, on):
    """Send the reminders of day ``on`` exactly once, and resume any earlier ones whose retry is due."""
    outcome = Outcome(day=on)
    writer = Writer()
    _resume_due_claims(outcome, writer)
    planned = plan_reminders(on=on)
    writer.know(planned)
    outcome.planned = len(planned)
    for start in range(0, len(planned), BATCH_SIZE):
        batch = []
        for p in planned[start : start + BATCH_SIZE]:
            if p.recipient.email:
                batch.append(p)
            else:
                outcome.without_email.append(p.recipient.username)
        if batch:
            token = _claim(batch, on, outcome)
            _send_claimed(token, outcome, writer)
    outcome.retry_in = next_retry_in()
    if outcome.without_email:
        log.warning("Reminders not sent, no e-mail address: %s", ", ".join(outcome.without_email))
    log.info("%s", outcome)
    return outcome


def _claim(batch, on, outcome):
    """Insert the batch's reminders; the rows this run inserted, and only those, are its to send."""
    token, now = uuid.uuid4(), timezone.now()
    lease = now + datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT)
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    recipient=p.recipient, kind=p.kind, day=on, email=p.recipient.email,
                    claimed_at=now, retry_after=lease, claim_token=token,
                )
                for p in batch
            ],
            ignore_conflicts=True,
        )
        mine = {
            (recipient_id, kind): pk
            for pk, recipient_id, kind in Reminder.objects.filter(claim_token=token).values_list("pk", "recipient_id", "kind")
        }
        _insert_items(
            (mine[p.recipient.pk, p.kind], *item.key, item.days)
            for p in batch
            if (p.recipient.pk, p.kind) in mine
            for item in p.items
        )
    outcome.claimed += len(mine)
    return token


def _insert_items(rows):
    """Insert ReminderItem rows given as (reminder pk, kind, pks of SUBJECTS, days), in one statement.

    About ten items per e-mail (16,725 for 1,562 e-mails at 100,000 actions): building a model instance for each,
    as bulk_create does, cost more than the database's work. On PostgreSQL one INSERT ... SELECT FROM unnest().
    """
    rows = list(rows)
    if not rows:
        return
    table = db_connection.ops.quote_name(ReminderItem._meta.db_table)
    columns = ", ".join(["reminder_id", "kind", *(f"{name}_id" for name in SUBJECTS), "days"])
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "postgresql":
            arrays = ", ".join(["%s::bigint[]", "%s::varchar[]", *["%s::bigint[]"] * len(SUBJECTS), "%s::integer[]"])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            values = ", ".join(["%s"] * (len(SUBJECTS) + 3))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)


def _resume_due_claims(outcome, writer):
    """Take over claims whose time is up: a retry after a failure, or the claim of a run that died."""
    started = timezone.now()
    due = Reminder.objects.filter(status=Reminder.Status.CLAIMED, retry_after__lte=started)
    for reminder in due.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).only("pk", "error", "attempts"):
        error = reminder.error or "Claimed but never confirmed as sent: the run that claimed it stopped."
        gave_up = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.CLAIMED, retry_after__lte=started).update(
            status=Reminder.Status.FAILED,
            claim_token=None,
            error=Reminder.error_text(f"Gave up after {reminder.attempts} attempts. {error}"),
        )
        outcome.gave_up += gave_up
    while ids := list(due.filter(attempts__lt=settings.REMINDER_MAX_ATTEMPTS).values_list("pk", flat=True)[:BATCH_SIZE]):
        token, now = uuid.uuid4(), timezone.now()
        taken = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.CLAIMED, retry_after__lte=started).update(
            claim_token=token,
            attempts=F("attempts") + 1,
            claimed_at=now,
            retry_after=now + datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT),
        )
        outcome.resumed += taken
        if taken:
            _send_claimed(token, outcome, writer)


def _send_claimed(token, outcome, writer):
    """Send the reminders this run holds under ``token`` over one connection, recording each outcome.

    A fixed number of queries per batch: the reminders, their items, the actions and evidence of lines not yet
    rendered in this run, and one UPDATE per group of e-mails sent (MARK_EVERY, MARK_WITHIN).
    """
    reminders = list(
        Reminder.objects.filter(claim_token=token, status=Reminder.Status.CLAIMED).select_related("recipient")
    )
    if not reminders:
        return
    keys = defaultdict(list)  # reminder pk -> its items' line keys, in the order they were planned
    for reminder_id, *key in (
        ReminderItem.objects.filter(reminder_id__in=[r.pk for r in reminders])
        .order_by("reminder_id", "pk")
        .values_list("reminder_id", "kind", *(f"{name}_id" for name in SUBJECTS), "days")
    ):
        keys[reminder_id].append(tuple(key))
    writer.prepare(key for reminder_keys in keys.values() for key in reminder_keys)
    messages = [(reminder, writer.message(reminder, keys[reminder.pk])) for reminder in reminders]
    connection = get_connection(fail_silently=False)
    broken = False
    accepted, group_started = [], None  # (pk, when) of e-mails sent and not yet marked; when that group began
    try:
        for reminder, message in messages:
            if group_started is None:
                group_started = time.monotonic()
            try:
                if broken:
                    connection.close()
                if broken or connection_needs_opening(connection):
                    connection.open()
                    broken = False
                if not _send_one(connection, message):
                    raise RuntimeError("The e-mail backend accepted no message.")
            except Exception as exc:  # any SMTP or network error: recorded, retried later, never lost
                broken = True
                _record_failure(reminder, exc, outcome)
                continue
            accepted.append((reminder.pk, timezone.now()))
            if len(accepted) >= MARK_EVERY or time.monotonic() - group_started >= MARK_WITHIN:
                _mark_sent(accepted, outcome)
                accepted, group_started = [], None
        _mark_sent(accepted, outcome)
        accepted = []
    finally:
        try:
            _mark_sent(accepted, outcome)  # only after an unexpected error above: keep what was sent, if we can
        except Exception:
            log.exception("Marking %s sent reminders failed; they will be sent again after their claim times out",
                          len(accepted))
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too; nothing is left to record
            log.debug("Closing the e-mail connection failed", exc_info=True)


def _send_one(connection, message):
    """Send one reminder; True once the server accepted it.

    Through Django's SMTP backend (or a subclass), the MIME bytes ReminderEmail.smtp_payload makes go out on the
    connection the backend opened (its host, port, TLS or SSL, login and timeout): the bytes, sender and
    recipients Django's backend would send, with less work. Any other backend (locmem in tests, console, file),
    or a message the fast path does not cover, goes through the backend's send_messages as before."""
    if isinstance(connection, SmtpBackend) and connection.connection is not None:
        payload = message.smtp_payload()
        if payload is not None:
            connection.connection.sendmail(*payload)  # raises on refusal, as Django's backend does
            return True
    return connection.send_messages([message]) == 1


def _mark_sent(accepted, outcome):
    """Mark a group of accepted e-mails ``sent`` in one UPDATE, each at the time the server accepted it.

    Plain SQL: the ORM's Case(When(...)) for fifty rows took longer to build than the database to run it."""
    if not accepted:
        return
    adapt = db_connection.ops.adapt_datetimefield_value
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {db_connection.ops.quote_name(Reminder._meta.db_table)} "
            f"SET status = %s, error = '', claim_token = NULL, sent_at = CASE id {'WHEN %s THEN %s ' * len(accepted)}END "
            f"WHERE id IN ({', '.join(['%s'] * len(accepted))})",
            [Reminder.Status.SENT, *(v for pk, at in accepted for v in (pk, adapt(at))), *(pk for pk, _ in accepted)],
        )
    outcome.sent += len(accepted)


def connection_needs_opening(connection):
    return getattr(connection, "connection", None) is None


def _record_failure(reminder, exc, outcome):
    error = Reminder.error_text(f"{type(exc).__name__}: {exc}")
    log.warning("Reminder %s to %s failed (attempt %s): %s", reminder.pk, reminder.email, reminder.attempts, error)
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.FAILED, error=error, claim_token=None)
        outcome.failed += 1
        return
    backoff = settings.REMINDER_RETRY_BACKOFF * 2 ** (reminder.attempts - 1)
    Reminder.objects.filter(pk=reminder.pk).update(
        error=error, retry_after=timezone.now() + datetime.timedelta(seconds=backoff)
    )
    outcome.retrying += 1


def next_retry_in():
    """Seconds until the earliest claimed reminder may be resumed, or None when none is waiting."""
    earliest = Reminder.objects.filter(status=Reminder.Status.CLAIMED).aggregate(at=Min("retry_after"))["at"]
    if earliest is None:
        return None
    return max(1.0, (earliest - timezone.now()).total_seconds() + 1)


# --- The e-mail -------------------------------------------------------------------------------------------


SECTION_TITLES = {
    Kind.ESCALATION: "Escalated: {days} days overdue",
    Kind.OVERDUE: "Overdue",
    Kind.DUE_SOON: "Due soon",
    Kind.EVIDENCE_WAITING: "Evidence waiting for a decision for more than {waiting} days",
    Kind.IMPACT_OVERDUE: "Impact checks overdue",
    Kind.IMPACT_DUE: "Impact checks due soon",
    Kind.ATTENDANCE: "Attendance at learning events not recorded",
    Kind.VALUE_LATE: "Indicator values late",
    Kind.CONCERN_QUIET: "Board concerns with no update for {quiet} days or more",
}

#: Each kind's line templates (reminders/<name>.txt and .html) and its HTML table's date column.
LINE_TEMPLATES = {
    **{kind: "email_line" for kind in (Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.EVIDENCE_WAITING)},
    Kind.IMPACT_OVERDUE: "email_line_impact",
    Kind.IMPACT_DUE: "email_line_impact",
    Kind.ATTENDANCE: "email_line_attendance",
    Kind.VALUE_LATE: "email_line_value",
    Kind.CONCERN_QUIET: "email_line_concern",
}
#: Each kind's section templates, by form: the plain text is the same for all; an HTML table has its columns.
#: The HTML sections of the kinds not about an action (email_section_rows.html): an introduction and the columns.
ROW_SECTIONS = {
    Kind.ATTENDANCE: ("Record each agency's attendance, 0 if nobody came, so the dissemination matrix shows who the "
                      "learning reached.", ["Event", "Agency", "Held on", "When"]),
    Kind.VALUE_LATE: ("Enter each value on the indicator's page; the board's concerns register shows them.",
                      ["Indicator", "Concern", "When"]),
    Kind.CONCERN_QUIET: ("Log an update on the concern's page, or close it if the board no longer presses it.",
                         ["Concern", "Status", "When"]),
}
SECTION_TEMPLATES = {
    kind: {"txt": "email_section.txt", "html": "email_section_rows.html" if kind in ROW_SECTIONS else "email_section.html"}
    for kind in Kind
}
DATE_HEADINGS = {Kind.IMPACT_OVERDUE: "Check due", Kind.IMPACT_DUE: "Check due"}


def days_text(item):
    plural = "" if abs(item.days) == 1 else "s"
    if item.kind in DUE_SOON_KINDS:
        return f"{item.days} day{plural} left"
    if item.kind == Kind.EVIDENCE_WAITING:
        return f"waiting {item.days} day{plural} for a decision"
    if item.kind == Kind.ATTENDANCE:
        return f"held {item.days} day{plural} ago"
    if item.kind == Kind.VALUE_LATE:
        return f"oldest value missing {item.days} day{plural} late"
    if item.kind == Kind.CONCERN_QUIET:
        return f"no update for {item.days} day{plural}"
    return f"{item.days} day{plural} overdue"


def plan_label(plan):
    """Which plan of the review: action references are unique only within a plan."""
    return f"{plan.agency.short_name} plan" if plan.is_single_agency else "multi-agency plan"


class Writer:
    """Writes the e-mails of one run.

    An e-mail is a few lines (one per action, or evidence item, at a number of days) inside a greeting and a
    footer; the same line goes to everyone it concerns (an action without an officer: all its agency's users; an
    escalation: every sub-committee member). So each line is rendered once per run, in both formats
    (email_line.txt and email_line.html), and each e-mail only puts its lines together (email.txt, email.html).
    Dates are formatted once per run each, as the ``date`` filter would (django.utils.dateformat).
    """

    def __init__(self):
        self.lines = {}  # (kind, pks of SUBJECTS, days) -> (text, html)
        self.known = {name: {} for name in SUBJECTS}  # subject -> pk -> the object a line is written from
        self.dates = {}
        names = {
            "email.txt", "email.html",
            *(f"{name}.{form}" for name in LINE_TEMPLATES.values() for form in ("txt", "html")),
            *(name for forms in SECTION_TEMPLATES.values() for name in forms.values()),
        }
        self.templates = {name: get_template(f"reminders/{name}") for name in names}
        self.preferences_url = settings.SITE_URL + reverse("reminders:preferences")
        marks = {"name": "\x00NAME\x00", "day": "\x00DAY\x00", "sections": "\x00SECTIONS\x00",
                 "intro": "\x00INTRO\x00"}
        self.frames = {
            form: _frame(self.templates[f"email.{form}"], {**marks, "site_url": settings.SITE_URL,
                                                           "preferences_url": self.preferences_url})
            for form in ("txt", "html")
        }
        self.section_frames = {}  # (kind, "txt" or "html") -> frame of email_section.*

    def date(self, value, format):
        if (value, format) not in self.dates:
            self.dates[value, format] = dateformat.format(value, format)
        return self.dates[value, format]

    def know(self, planned):
        """The actions, evidence items, impact checks, events and agencies of the planned e-mails (Planned), as
        plan_reminders loaded them: their lines are written from these, with no query. Only claims resumed from
        an earlier run need reading."""
        for plan in planned:
            for item in plan.items:
                for name in SUBJECTS:
                    if (subject := getattr(item, name)) is not None:
                        self.known[name][subject.pk] = subject

    def prepare(self, keys):
        """Render the lines of these item keys that this run has not rendered yet. No query for the planned ones
        (``know``); at most one per kind of subject for those of claims resumed from an earlier run."""
        missing = {key for key in keys if key not in self.lines}
        if not missing:
            return
        for position, name in enumerate(SUBJECTS, start=1):
            wanted = {key[position] for key in missing if key[position] is not None} - self.known[name].keys()
            if wanted:
                self.known[name].update(_subjects(name).in_bulk(wanted))
        for key in missing:
            kind, *pks, days = key
            subjects = {name: self.known[name].get(pk) for name, pk in zip(SUBJECTS, pks, strict=True)}
            line = _line(Item(kind=kind, days=days, **subjects), self.date)
            self.lines[key] = tuple(
                self.templates[f"{LINE_TEMPLATES[kind]}.{form}"].render({"line": line}) for form in ("txt", "html")
            )

    def section_frame(self, kind, form):
        if (kind, form) not in self.section_frames:
            title = SECTION_TITLES[kind].format(
                days=settings.REMINDER_ESCALATION_DAYS, waiting=settings.REMINDER_EVIDENCE_WAITING_DAYS,
                quiet=settings.CONCERN_UPDATE_DAYS,
            )
            template = self.templates[SECTION_TEMPLATES[kind][form]]
            intro, headers = ROW_SECTIONS.get(kind, ("", []))
            self.section_frames[kind, form] = _frame(
                template, {"title": title, "lines": "\x00LINES\x00", "rows": "\x00LINES\x00",
                           "date_heading": DATE_HEADINGS.get(kind, "Target date"), "intro": intro, "headers": headers}
            )
        return self.section_frames[kind, form]

    def message(self, reminder, keys):
        """The plain-text and HTML e-mail of a claimed reminder, from its items' keys (their lines prepared).

        The templates are rendered once per run with markers where the name, the day, the sections and their
        lines go (frames); an e-mail fills them in, escaping for HTML what the template would have escaped."""
        keys = sorted(keys, key=lambda key: SECTION_ORDER.index(key[0]))  # stable: planned order within a kind
        text_sections, html_sections, counts = [], [], []
        for kind in SECTION_ORDER:
            lines = [self.lines[key] for key in keys if key[0] == kind]
            if lines:
                counts.append(f"{len(lines)} {section_count(kind, len(lines))}")
                text_sections.append(_fill(self.section_frame(kind, "txt"), {"LINES": "".join(t for t, _ in lines)}))
                html_sections.append(_fill(self.section_frame(kind, "html"), {"LINES": "".join(h for _, h in lines)}))
        summary = ", ".join(counts)
        recipient = reminder.recipient
        intro = "These actions need" if all(key[0] in ACTION_KINDS for key in keys) else "These items need"
        name, day = recipient.get_full_name() or recipient.username, self.date(reminder.day, "j F Y")
        subject = f"scrsystem reminders for {reminder.day:%-d %B %Y}: {summary}"
        message = ReminderEmail(
            subject=subject,
            body=_fill(self.frames["txt"], {"NAME": name, "DAY": day, "SECTIONS": "".join(text_sections),
                                            "INTRO": intro}),
            to=[reminder.email],
            headers={"Auto-Submitted": "auto-generated", "X-Scrsystem-Reminder": str(reminder.pk)},
        )
        html = _fill(self.frames["html"], {"NAME": escape(name), "DAY": escape(day), "SECTIONS": "".join(html_sections),
                                           "INTRO": intro})
        message.attach_alternative(html, "text/html")
        return message


_FIELD = re.compile("\x00(NAME|DAY|SECTIONS|LINES|INTRO)\x00")


def _frame(template, context):
    """The template rendered once with markers (``\\x00NAME\\x00`` ...) as some values: the constant pieces, with
    the markers' names at the odd places."""
    return _FIELD.split(template.render(context))


def _fill(frame, values):
    return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(frame))


class _FoldOncePolicy(type(email.policy.compat32)):
    """Python's default e-mail policy (compat32), remembering how it folded recent header lines.

    Flattening a message folds every header line (email.header.Header.encode); most lines are the same in every
    reminder (From, MIME-Version, Auto-Submitted, the parts' Content-Type and Content-Transfer-Encoding). The
    folded bytes depend only on the policy's settings, the name and the value, so they are the same; the
    generator still checks every line it writes.
    """

    _folded = {}
    _KEEP = 512  # recent lines; the per-message ones (Date, Message-ID, To, Subject) come and go

    def fold_binary(self, name, value):
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        key = (self.linesep, self.max_line_length, self.cte_type, name, value)
        folded = self._folded.get(key)
        if folded is None:
            if len(self._folded) >= self._KEEP:
                self._folded.clear()
            folded = self._folded[key] = super().fold_binary(name, value)
        return folded


FOLD_ONCE = _FoldOncePolicy()


class _Generator(email.generator.BytesGenerator):
    """Python's BytesGenerator writing the same bytes with less work per message.

    - A body (about 300 lines for ten actions) is written in one piece, not line by line: the same line endings.
    - A boundary is checked against the parts with a substring test before falling back to the standard search,
      which compiles a regular expression for every new (random) boundary.
    """

    def _write_lines(self, lines):
        if not lines:
            return
        lines = email.generator.NLCRE.split(lines)
        if len(lines) > 1:
            self.write(self._NL.join(lines[:-1]) + self._NL)
        if lines[-1]:
            self.write(lines[-1])

    @classmethod
    def _make_boundary(cls, text=None):
        boundary = super()._make_boundary()  # random, in the standard format
        if text is None or ("--" + boundary).encode("ascii") not in text:
            return boundary  # absent from the parts: the standard search would keep it too
        return super()._make_boundary(text)


class _ReminderMIME(SafeMIMEMultipart):
    """The MIME message of a reminder: Django's, flattened by _Generator with FOLD_ONCE."""

    def as_bytes(self, unixfrom=False, linesep="\n"):
        fp = BytesIO()
        _Generator(fp, mangle_from_=False, policy=FOLD_ONCE).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()


FOLD_CRLF = FOLD_ONCE.clone(linesep="\r\n")  # what Django's SMTP backend flattens with (as_bytes(linesep="\r\n"))

#: An address sanitize_address returns unchanged: a dot-atom local part and an ASCII host name (no display name,
#: no quoting, no CR/LF). Others go through sanitize_address itself (tests/test_reminders_output.py).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
#: A header value the compat32 policy writes as it is: printable ASCII without spaces, on one short line.
_UNFOLDED = re.compile(r"[\x21-\x7e]+")
_BOUNDARY_PLACEHOLDER = "=" * 15 + "0" * 19 + "=="  # the generator's boundary format, random digits
_MULTIPART = FOLD_CRLF.fold_binary("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY_PLACEHOLDER}"')
_PART_HEAD = 'Content-Type: text/{}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: {}\r\n\r\n'


def _sanitized(address, encoding):
    """sanitize_address's result, and a ValueError for an address with a line break anywhere in it."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    if "\r" in address or "\n" in address:
        raise ValueError(f"Invalid address {address!r}: an e-mail address cannot contain a line break.")
    return sanitize_address(address, encoding)


def _header(name, value, encoding, cache=None):
    """A header line as Django sets it (forbid_multi_line_headers: no CR/LF, encoded) and as the generator folds
    it (compat32, CRLF). ``cache`` (a dict) keeps lines that repeat: From, Subject, Date."""
    if cache is not None and (name, value) in cache:
        return cache[name, value]
    if name != "Subject" and len(name) + len(value) <= 76 and _UNFOLDED.fullmatch(value):
        line = f"{name}: {value}\r\n".encode("ascii")  # ASCII, no CR/LF, no space to fold at, fits a line
    else:
        line = FOLD_CRLF.fold_binary(*forbid_multi_line_headers(name, value, encoding))
    if cache is not None:
        cache[name, value] = line
    return line


def _text_part(subtype, content):
    """A text part as Django makes it (SafeMIMEText, utf-8) and the generator writes it; None if it would be
    quoted-printable (a line longer than 998 bytes), which the fast path leaves to Django."""
    data = content.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")  # email.generator.NLCRE
    data = data.encode("utf-8", "surrogateescape")
    if max(map(len, data.split(b"\r\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    return _PART_HEAD.format(subtype, "7bit" if data.isascii() else "8bit").encode("ascii") + data


class ReminderEmail(EmailMultiAlternatives):
    """A reminder e-mail: Django's, flattened to the same bytes in about a third of the time (0.6 s to 0.2 s for
    the 1,562 e-mails of the benchmark). tests/test_reminders_output.py compares the bytes.

    ``smtp_payload`` makes what Django's SMTP backend sends (sender, recipients, MIME bytes) without building the
    MIME objects or parsing plain addresses: 0.8 s of the benchmark's 1,562 e-mails went there."""

    header_cache = {}  # From, Subject, Date lines, shared by the messages of a run (cleared when large)

    def message(self):
        message = super().message()
        if type(message) is SafeMIMEMultipart:  # text and HTML, as every reminder is
            message.__class__ = _ReminderMIME  # the same object, flattened by _Generator
        return message

    def smtp_payload(self):
        """(sender, recipients, bytes) as Django's SMTP backend would send them, or None where this does not
        cover the message (other charset, attachments, copies, a header Django sets itself, a long line)."""
        encoding = self.encoding or settings.DEFAULT_CHARSET
        if (encoding.lower() != "utf-8" or self.attachments or self.cc or self.bcc or self.reply_to
                or len(self.to) != 1 or not self.to[0] or len(self.alternatives) != 1 or self.alternatives[0][1] != "text/html"
                or self.content_subtype != "plain" or not self.body
                or {name.lower() for name in self.extra_headers} & {"from", "to", "date", "message-id"}):
            return None
        text, html = _text_part("plain", self.body), _text_part("html", self.alternatives[0][0])
        if text is None or html is None:
            return None
        cache = self.header_cache
        if len(cache) > 1024:
            cache.clear()
        to = self.to[0]
        if ("envelope", self.from_email) not in cache:  # the same sender for every reminder
            cache["envelope", self.from_email] = _sanitized(self.from_email, encoding)
        sender, recipient = cache["envelope", self.from_email], _sanitized(to, encoding)  # raise if invalid
        head = [
            _header("Subject", self.subject, encoding, cache),
            _header("From", self.from_email, encoding, cache),
            _header("To", to, encoding),
            _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME), encoding, cache),
            _header("Message-ID", make_msgid(domain=DNS_NAME), encoding),
            *(_header(name, str(value), encoding, cache if name == "Auto-Submitted" else None)
              for name, value in self.extra_headers.items()),
        ]
        boundary = _Generator._make_boundary(text + b"\r\n" + html)
        dash = f"--{boundary}".encode("ascii")
        data = b"".join([
            _MULTIPART.replace(_BOUNDARY_PLACEHOLDER.encode("ascii"), boundary.encode("ascii")),
            b"MIME-Version: 1.0\r\n", *head, b"\r\n",
            dash, b"\r\n", text, b"\r\n", dash, b"\r\n", html, b"\r\n", dash, b"--\r\n",
        ])
        return sender, [recipient], data


SECTION_COUNTS = {
    Kind.ESCALATION: "escalated",
    Kind.OVERDUE: "overdue",
    Kind.DUE_SOON: "due soon",
    Kind.EVIDENCE_WAITING: "evidence waiting",
    Kind.IMPACT_OVERDUE: ("impact check overdue", "impact checks overdue"),
    Kind.IMPACT_DUE: ("impact check due", "impact checks due"),
    Kind.ATTENDANCE: ("attendance to record", "attendances to record"),
    Kind.VALUE_LATE: ("indicator late", "indicators late"),
    Kind.CONCERN_QUIET: ("concern with no update", "concerns with no update"),
}

#: The kinds whose lines are about an action: an e-mail of only these says "These actions need your attention".
ACTION_KINDS = (Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.EVIDENCE_WAITING, Kind.IMPACT_OVERDUE,
                Kind.IMPACT_DUE)


def section_count(kind, count):
    """The words after the number in the subject's summary ("2 overdue", "1 impact check due")."""
    words = SECTION_COUNTS[kind]
    return words if isinstance(words, str) else words[count != 1]


def _subjects(name):
    """The queryset a line's subject ``name`` (one of SUBJECTS) is read from, with what its line shows."""
    from accounts.models import Agency
    from concerns.models import Concern, Indicator
    from evidence.models import Evidence
    from learning.models import ImpactCheck, LearningEvent

    return {
        "action": Action.objects.select_related("plan__review", "plan__agency"),
        "evidence": Evidence.objects.select_related("agency"),
        "impact_check": ImpactCheck.objects.select_related("sub_committee"),
        "event": LearningEvent.objects.all(),
        "agency": Agency.objects.all(),
        "indicator": Indicator.objects.select_related("owner", "concern"),
        "concern": Concern.objects.all(),
    }[name]


def _line(item, date=dateformat.format):
    """What the e-mail says about one item: references, the action's short title, dates and a link only.

    ``date(value, format)`` formats a date as the template filter ``date`` would (Writer.date: once per run)."""
    if item.kind == Kind.ATTENDANCE:
        return _attendance_line(item, date)
    if item.kind == Kind.VALUE_LATE:
        return _value_line(item)
    if item.kind == Kind.CONCERN_QUIET:
        return _concern_line(item)
    action = item.action
    if item.impact_check is not None:
        check = item.impact_check
        return {
            "review_reference": action.plan.review.reference,
            "action_reference": action.reference,
            "plan": plan_label(action.plan),
            "title": Truncator(" ".join(action.description.split())).chars(120),
            "due_on": date(check.due_on, "j F Y"),
            "due_on_short": date(check.due_on, "j M Y"),
            "days_text": days_text(item),
            "sub_committee": check.sub_committee.name if check.sub_committee else "no sub-committee yet",
            "url": settings.SITE_URL + check.get_absolute_url(),
        }
    return {
        "review_reference": action.plan.review.reference,
        "action_reference": action.reference,
        "plan": plan_label(action.plan),
        "title": Truncator(" ".join(action.description.split())).chars(120),
        "target_date": date(action.target_date, "j F Y"),
        "target_date_short": date(action.target_date, "j M Y"),
        "days_text": days_text(item),
        "url": settings.SITE_URL + action.get_absolute_url(),
        # Evidence is named by its number, agency and date only: its description is the agency's own text.
        "evidence": (
            f"evidence #{item.evidence.pk} from {item.evidence.agency.short_name}, "
            f"submitted {timezone.localdate(item.evidence.submitted_at):%-d %B %Y}"
            if item.evidence
            else ""
        ),
        "evidence_url": settings.SITE_URL + item.evidence.get_absolute_url() if item.evidence else "",
    }


def _attendance_line(item, date):
    """A held event whose attendance from an agency is not recorded: the event's title, kind and date, the agency,
    and a link to the form that records it."""
    event, agency = item.event, item.agency
    return {
        "event": Truncator(" ".join(event.title.split())).chars(120),
        "event_kind": event.get_kind_display(),
        "held_on": date(event.held_on, "j F Y"),
        "held_on_short": date(event.held_on, "j M Y"),
        "agency": agency.name,
        "days_text": days_text(item),
        "url": settings.SITE_URL + reverse("learning:attendance", args=[event.pk, agency.pk]),
    }


def _value_line(item):
    """An indicator with a value late: its name and agency, its concern, and a link to enter the values. What it
    says does not depend on the day, so a claim resumed later is written the same (``item.days`` counts from the
    due day of the oldest value missing; the indicator's page lists them all)."""
    indicator = item.indicator
    return {
        "indicator": indicator.name,
        "agency": indicator.owner.name,
        "frequency": indicator.get_frequency_display().lower(),
        "concern": Truncator(" ".join(indicator.concern.title.split())).chars(120),
        "days_text": days_text(item),
        "url": settings.SITE_URL + reverse("concerns:point_add", args=[indicator.pk]),
    }


def _concern_line(item):
    """A board concern gone quiet: its title, its status and a link to it."""
    concern = item.concern
    return {
        "concern": Truncator(" ".join(concern.title.split())).chars(120),
        "status": concern.get_status_display(),
        "days_text": days_text(item),
        "url": settings.SITE_URL + concern.get_absolute_url(),
    }
