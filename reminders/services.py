"""Reminders: who gets what on a day (``plan_reminders``) and sending it exactly once (``send_reminders``).

The rules are DOMAIN.md's "Reminders", with the offsets from settings (README, "Reminders"):

- due soon: an open action exactly REMINDER_DUE_SOON_DAYS days (30, 7, 1) before its target date;
- overdue: on the first day overdue, then every REMINDER_OVERDUE_REPEAT_DAYS (7) days: 1, 8, 15, 22, 29 ...;
- escalation: on the day an action is REMINDER_ESCALATION_DAYS (28) overdue, to the usual people and to every
  sub-committee member, once (that day has no ordinary overdue reminder);
- evidence waiting: every REMINDER_EVIDENCE_DIGEST_WEEKDAY (Monday), to every active consultant, the evidence
  items still waiting for a decision more than REMINDER_EVIDENCE_WAITING_DAYS (14) days after submission.

"Overdue" and "open" are actionplans.rules' definitions. The usual people are the action's responsible officer
or, when it has none (or the officer's account is inactive), the active users of its lead agency.

Exactly once: each e-mail is a Reminder row, unique per (recipient, kind, day), inserted (claimed) before the
e-mail is sent, together with its items, in one short transaction. A second run, in parallel or later, cannot
insert the same row and so sends nothing; on PostgreSQL its INSERT ... ON CONFLICT DO NOTHING waits for the
first run's transaction and then skips the row. A claim holds for REMINDER_CLAIM_TIMEOUT seconds; a run that
finds a claim past that time (its worker was killed) or a failed e-mail whose retry is due takes it over with a
conditional UPDATE, so only one run can. After REMINDER_MAX_ATTEMPTS attempts it is recorded as failed.
"""

import dataclasses
import datetime
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Min, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import Role, User
from actionplans import rules
from actionplans.models import Action
from reminders.models import Kind, Reminder, ReminderItem, ReminderPreference

log = logging.getLogger(__name__)

#: How many e-mails are claimed in one transaction and sent over one SMTP connection.
BATCH_SIZE = 100

#: The order of the sections of an e-mail, most urgent first.
SECTION_ORDER = [Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.EVIDENCE_WAITING]


@dataclasses.dataclass
class Item:
    """One thing to remind someone of: an action (or evidence item) and the number of days that matters."""

    kind: str
    days: int
    action: Action | None = None
    evidence: object | None = None

    @property
    def key(self):
        return (self.kind, self.action.pk if self.action else None, self.evidence.pk if self.evidence else None)


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
    if overdue:
        if overdue == settings.REMINDER_ESCALATION_DAYS:
            return Kind.ESCALATION, overdue
        if (overdue - 1) % settings.REMINDER_OVERDUE_REPEAT_DAYS == 0:
            return Kind.OVERDUE, overdue
        return None
    days_left = (target_date - on).days
    if days_left in settings.REMINDER_DUE_SOON_DAYS:
        return Kind.DUE_SOON, days_left
    return None


def _actions_with_reminders(on):
    """The open actions that have a reminder on this day, each with its (kind, days). Two queries.

    The first query reads only the distinct target dates of open actions that are overdue or at a due-soon
    offset; the rule is applied to each date, and the second query loads the actions on the dates that hit.
    """
    due_soon_dates = [on + datetime.timedelta(days=d) for d in settings.REMINDER_DUE_SOON_DAYS]
    open_actions = Action.objects.filter(status__in=rules.OPEN_STATUSES)
    dates = (
        open_actions.filter(rules.overdue_q(on) | Q(target_date__in=due_soon_dates))
        .order_by()
        .values_list("target_date", flat=True)
        .distinct()
    )
    hits = {date: reminder for date in dates if (reminder := action_reminder_on(date, on))}
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


def plan_reminders(*, on):
    """Every e-mail to send on day ``on``: one per person (or one per kind, for those who chose so).

    Reads only; the number of queries is fixed, whatever the number of actions. Items that a reminder of the
    same day already covers are left out, so a second run (even after a change of preference) plans nothing new.
    """
    per_user = defaultdict(dict)  # user pk -> {item key: Item}
    users = {}

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
        for member in User.objects.filter(role=Role.MEMBER, is_active=True):
            for action, days in escalated:
                add(member, Item(kind=Kind.ESCALATION, days=days, action=action))
    waiting = _evidence_waiting(on)
    if waiting:
        for consultant in User.objects.filter(role=Role.CONSULTANT, is_active=True):
            for item in waiting:
                add(consultant, item)

    if not per_user:
        return []
    preferences = {p.user_id: p for p in ReminderPreference.objects.all()}
    covered = set(
        ReminderItem.objects.filter(reminder__day=on).values_list(
            "reminder__recipient_id", "kind", "action_id", "evidence_id"
        )
    )
    planned = []
    for user_pk in sorted(per_user):
        user, preference = users[user_pk], preferences.get(user_pk) or ReminderPreference()
        items = [
            item
            for item in per_user[user_pk].values()
            if (user_pk, *item.key) not in covered and (item.kind != Kind.DUE_SOON or preference.due_soon)
        ]
        items.sort(key=lambda i: (SECTION_ORDER.index(i.kind), -i.days if i.kind != Kind.DUE_SOON else i.days))
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
    _resume_due_claims(outcome)
    planned = plan_reminders(on=on)
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
            _send_claimed(token, outcome)
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
        ReminderItem.objects.bulk_create(
            [
                ReminderItem(
                    reminder_id=mine[p.recipient.pk, p.kind],
                    kind=item.kind, action=item.action, evidence=item.evidence, days=item.days,
                )
                for p in batch
                if (p.recipient.pk, p.kind) in mine
                for item in p.items
            ]
        )
    outcome.claimed += len(mine)
    return token


def _resume_due_claims(outcome):
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
            _send_claimed(token, outcome)


def _send_claimed(token, outcome):
    """Send the reminders this run holds under ``token`` over one connection, recording each outcome."""
    reminders = list(
        Reminder.objects.filter(claim_token=token, status=Reminder.Status.CLAIMED)
        .select_related("recipient")
        .prefetch_related(Prefetch("items", queryset=ReminderItem.objects.select_related(
            "action__plan__review", "action__plan__agency", "evidence__agency"
        )))
    )
    if not reminders:
        return
    messages = [(reminder, build_message(reminder)) for reminder in reminders]
    connection = get_connection(fail_silently=False)
    broken = False
    try:
        for reminder, message in messages:
            try:
                if broken:
                    connection.close()
                if broken or connection_needs_opening(connection):
                    connection.open()
                    broken = False
                if connection.send_messages([message]) != 1:
                    raise RuntimeError("The e-mail backend accepted no message.")
            except Exception as exc:  # any SMTP or network error: recorded, retried later, never lost
                broken = True
                _record_failure(reminder, exc, outcome)
                continue
            # Marked one by one, right after the server accepted it, so a killed worker re-sends nothing.
            Reminder.objects.filter(pk=reminder.pk).update(
                status=Reminder.Status.SENT, sent_at=timezone.now(), error="", claim_token=None
            )
            outcome.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too; nothing is left to record
            log.debug("Closing the e-mail connection failed", exc_info=True)


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
}


def days_text(item):
    plural = "" if abs(item.days) == 1 else "s"
    if item.kind == Kind.DUE_SOON:
        return f"{item.days} day{plural} left"
    if item.kind == Kind.EVIDENCE_WAITING:
        return f"waiting {item.days} day{plural} for a decision"
    return f"{item.days} day{plural} overdue"


def plan_label(plan):
    """Which plan of the review: action references are unique only within a plan."""
    return f"{plan.agency.short_name} plan" if plan.is_single_agency else "multi-agency plan"


def _line(item):
    """What the e-mail says about one item: references, the action's short title, dates and a link only."""
    action = item.action
    return {
        "review_reference": action.plan.review.reference,
        "action_reference": action.reference,
        "plan": plan_label(action.plan),
        "title": Truncator(" ".join(action.description.split())).chars(120),
        "target_date": action.target_date,
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


def build_message(reminder):
    """The plain-text and HTML e-mail of a claimed reminder, from its stored items."""
    items = sorted(reminder.items.all(), key=lambda i: (SECTION_ORDER.index(i.kind), i.pk))
    sections = []
    for kind in SECTION_ORDER:
        lines = [_line(item) for item in items if item.kind == kind]
        if lines:
            title = SECTION_TITLES[kind].format(
                days=settings.REMINDER_ESCALATION_DAYS, waiting=settings.REMINDER_EVIDENCE_WAITING_DAYS
            )
            sections.append({"kind": kind, "title": title, "lines": lines})
    counts = {
        Kind.ESCALATION: "escalated",
        Kind.OVERDUE: "overdue",
        Kind.DUE_SOON: "due soon",
        Kind.EVIDENCE_WAITING: "evidence waiting",
    }
    summary = ", ".join(f"{len(s['lines'])} {counts[s['kind']]}" for s in sections)
    context = {
        "reminder": reminder,
        "recipient": reminder.recipient,
        "sections": sections,
        "summary": summary,
        "site_url": settings.SITE_URL,
        "preferences_url": settings.SITE_URL + reverse("reminders:preferences"),
    }
    subject = f"scrsystem reminders for {reminder.day:%-d %B %Y}: {summary}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reminders/email.txt", context),
        to=[reminder.email],
        headers={"Auto-Submitted": "auto-generated", "X-Scrsystem-Reminder": str(reminder.pk)},
    )
    message.attach_alternative(render_to_string("reminders/email.html", context), "text/html")
    return message
