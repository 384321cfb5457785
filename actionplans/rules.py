"""The numbers everyone reads: overdue, BRAG, completion and compliance.

These are the only definitions in the code. Python helpers work on one action;
the query helpers express the very same rules in SQL so that lists, filters and
aggregates agree with what each action page shows. See DOMAIN.md.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

#: An open action due within this many days (today included) is Amber.
DUE_SOON_DAYS = 30


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    VERIFIED = "verified", "Verified"
    CANCELLED = "cancelled", "Cancelled"


#: Statuses in which an action can be overdue or due soon.
OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)


class Brag(models.TextChoices):
    BLUE = "blue", "Blue: verified"
    RED = "red", "Red: overdue"
    AMBER = "amber", "Amber: due within 30 days"
    GREEN = "green", "Green: on track"

    @property
    def letter(self):
        return self.value[0].upper()

    @property
    def short_label(self):
        return self.label.split(":")[0]


def today():
    return timezone.localdate()


def is_overdue(status, target_date, on=None):
    on = on or today()
    return status in OPEN_STATUSES and target_date < on


def days_overdue(status, target_date, on=None):
    on = on or today()
    return (on - target_date).days if is_overdue(status, target_date, on) else 0


def is_due_soon(status, target_date, on=None):
    on = on or today()
    return status in OPEN_STATUSES and on <= target_date <= on + datetime.timedelta(days=DUE_SOON_DAYS)


def brag(status, target_date, on=None):
    """The BRAG rating, or None for a cancelled action: it is out of every figure, so it has no colour."""
    on = on or today()
    if status == Status.CANCELLED:
        return None
    if status == Status.VERIFIED:
        return Brag.BLUE
    if is_overdue(status, target_date, on):
        return Brag.RED
    if is_due_soon(status, target_date, on):
        return Brag.AMBER
    return Brag.GREEN


def has_slipped(target_date, original_target_date):
    """An action's date has slipped when its current target date is later than the one it was created with."""
    return target_date > original_target_date


def percentage(numerator, denominator):
    """A whole-number percentage, rounded half up as a spreadsheet does (5 of 8 is 62.5%, shown as 63%), or None
    when there is nothing to measure. Exact: integers, not floats, so 62.5 is never 62.4999…"""
    if not denominator:
        return None
    # floor((200·n + d) / 2d) is n/d·100 rounded half up, in whole numbers.
    return (200 * numerator + denominator) // (2 * denominator)


# --- The same rules as query expressions -------------------------------------------------


def overdue_q(on=None, prefix=""):
    on = on or today()
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}target_date__lt": on})


def due_soon_q(on=None, prefix=""):
    return due_within_q(DUE_SOON_DAYS, on, prefix)


def due_within_q(days, on=None, prefix=""):
    """Open and due between today and ``days`` days from now, both included (due soon is due within 30 days)."""
    on = on or today()
    return Q(
        **{
            f"{prefix}status__in": OPEN_STATUSES,
            f"{prefix}target_date__gte": on,
            f"{prefix}target_date__lte": on + datetime.timedelta(days=days),
        }
    )


def overdue_by_q(days, on=None, prefix=""):
    """Overdue by ``days`` days or more (days_overdue ≥ days, with days ≥ 1): the escalated actions when ``days``
    is REMINDER_ESCALATION_DAYS, as the reminders escalate them."""
    on = on or today()
    return overdue_q(on, prefix) & Q(**{f"{prefix}target_date__lte": on - datetime.timedelta(days=max(days, 1))})


def slipped_q(prefix=""):
    """The actions whose target date has slipped (has_slipped)."""
    return Q(**{f"{prefix}target_date__gt": F(f"{prefix}original_target_date")})


def counted_q(prefix=""):
    """The actions that count in percentages: all but the cancelled (Figures.counted)."""
    return ~Q(**{f"{prefix}status": Status.CANCELLED})


def done_q(prefix=""):
    """Completed or verified (Figures.done), the numerator of completion."""
    return Q(**{f"{prefix}status__in": (Status.COMPLETED, Status.VERIFIED)})


def brag_q(rating, on=None):
    """A filter that selects the actions with this BRAG rating."""
    blue = Q(status=Status.VERIFIED)
    red = overdue_q(on)
    amber = due_soon_q(on)
    return {
        Brag.BLUE: blue,
        Brag.RED: red,
        Brag.AMBER: amber,
        Brag.GREEN: ~blue & ~red & ~amber & counted_q(),
    }[Brag(rating)]


def brag_expression(on=None):
    """The BRAG rating in SQL; NULL for a cancelled action, as brag() gives None."""
    return Case(
        When(status=Status.CANCELLED, then=Value(None)),
        When(status=Status.VERIFIED, then=Value(Brag.BLUE.value)),
        When(overdue_q(on), then=Value(Brag.RED.value)),
        When(due_soon_q(on), then=Value(Brag.AMBER.value)),
        default=Value(Brag.GREEN.value),
        output_field=models.CharField(),
    )


@dataclass(frozen=True)
class Figures:
    """Counts for a set of actions, and the percentages derived from them."""

    total: int = 0
    cancelled: int = 0
    completed: int = 0
    verified: int = 0
    overdue: int = 0
    due_soon: int = 0
    #: Actions whose target date is later than the one they were created with (slipped_q), whatever their status.
    slipped: int = 0

    def __add__(self, other):
        """The figures of two sets of actions with no action in common (two reviews, say)."""
        return Figures(*(getattr(self, name) + getattr(other, name) for name in Figures.__dataclass_fields__))

    @property
    def counted(self):
        """The actions that count in percentages: all but the cancelled."""
        return self.total - self.cancelled

    @property
    def completion(self):
        return percentage(self.done, self.counted)

    @property
    def compliance(self):
        return percentage(self.verified, self.counted)

    @property
    def done(self):
        """Completed or verified: the numerator of completion."""
        return self.completed + self.verified

    @property
    def brag_counts(self):
        """How many are Blue, Red, Amber and Green, as brag() rates them: Green is the rest of the counted actions
        (a cancelled action has no rating)."""
        blue, red, amber = self.verified, self.overdue, self.due_soon
        return {Brag.BLUE: blue, Brag.RED: red, Brag.AMBER: amber, Brag.GREEN: self.counted - blue - red - amber}


def figures_aggregates(on=None, prefix=""):
    """Conditional counts that give Figures; usable in aggregate() or annotate() through ``prefix``."""
    on = on or today()
    field = f"{prefix}id" if prefix else "id"
    status = f"{prefix}status"
    return {
        "total": Count(field, distinct=bool(prefix)),
        "cancelled": Count(field, filter=Q(**{status: Status.CANCELLED}), distinct=bool(prefix)),
        "completed": Count(field, filter=Q(**{status: Status.COMPLETED}), distinct=bool(prefix)),
        "verified": Count(field, filter=Q(**{status: Status.VERIFIED}), distinct=bool(prefix)),
        "overdue": Count(field, filter=overdue_q(on, prefix), distinct=bool(prefix)),
        "due_soon": Count(field, filter=due_soon_q(on, prefix), distinct=bool(prefix)),
        "slipped": Count(field, filter=slipped_q(prefix), distinct=bool(prefix)),
    }


def figures_for(actions, on=None):
    """Figures for a queryset of actions, in one query."""
    return Figures(**actions.aggregate(**figures_aggregates(on)))


def figures_by(actions, key):
    """Figures of a queryset of actions grouped by ``key`` (a field path: a review, a theme, a recommendation), in
    one query: {key's value: Figures}."""
    rows = actions.order_by().values(key).annotate(**figures_aggregates())
    return {row.pop(key): Figures(**row) for row in rows}


def figures_from_row(row, prefix=""):
    """Figures from an object annotated with figures_aggregates(), attribute names prefixed."""
    return Figures(**{name: getattr(row, f"{prefix}{name}") or 0 for name in Figures.__dataclass_fields__})


def figures_in_python(actions, on=None):
    """The same Figures counted action by action, for the few places that hold them in memory."""
    on = on or today()
    actions = list(actions)
    return Figures(
        total=len(actions),
        cancelled=sum(a.status == Status.CANCELLED for a in actions),
        completed=sum(a.status == Status.COMPLETED for a in actions),
        verified=sum(a.status == Status.VERIFIED for a in actions),
        overdue=sum(is_overdue(a.status, a.target_date, on) for a in actions),
        due_soon=sum(is_due_soon(a.status, a.target_date, on) for a in actions),
        slipped=sum(has_slipped(a.target_date, a.original_target_date) for a in actions),
    )
