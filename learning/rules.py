"""Dissemination (DOMAIN.md, "The learning cycle"): defined here once, in Python for loaded objects and in SQL for
lists and counts, tested to agree (tests/test_learning_rules.py), as actionplans.rules does for actions.

An agency is **reached** on a theme by an event that was **held**, that carried the theme, and at which the
agency's recorded attendance is at least one person. A scheduled or cancelled event reaches no one, nor does an
attendance of none. A cell of the dissemination matrix (an agency and a theme) counts the events that reached
the agency on the theme, the people they reached (the attendance summed) and the latest of their dates. A cell
with no such event is a **gap**: no one from that agency has been at a held event on that theme.

The matrix's rows are the partner agencies: every active agency but the board itself (whose staff run the
events), and an inactive one only while something it attended is counted.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Agency
from actionplans import rules as action_rules
from learning.models import Attendance, ImpactCheck, LearningEvent

Status = LearningEvent.Status


def reaches(status, attended):
    """Does an attendance of ``attended`` people at an event in ``status`` reach its agency?"""
    return status == Status.HELD and attended > 0


def reach_q(prefix=""):
    """The attendance records that reach (``reaches``), as a filter on Attendance (``prefix`` leads to them)."""
    return Q(**{f"{prefix}event__status": Status.HELD, f"{prefix}attended__gt": 0})


@dataclass(frozen=True)
class Reach:
    """One cell of the matrix: the events that reached an agency on a theme, the people, the latest date."""

    events: int = 0
    people: int = 0
    latest: datetime.date | None = None

    @property
    def gap(self):
        return not self.events

    def add(self, held_on, attended):
        """This cell with one more event that reached ``attended`` people on ``held_on``."""
        latest = held_on if self.latest is None else max(self.latest, held_on)
        return Reach(self.events + 1, self.people + attended, latest)


def reach_in_python(attendances):
    """{(agency pk, theme pk): Reach} of attendance records whose ``event`` (with its themes) is loaded."""
    cells = {}
    for attendance in attendances:
        if not reaches(attendance.event.status, attendance.attended):
            continue
        for theme in attendance.event.themes.all():
            key = (attendance.agency_id, theme.pk)
            cells[key] = cells.get(key, Reach()).add(attendance.event.held_on, attendance.attended)
    return cells


def reach_by_agency_and_theme(attendances=None):
    """The same as reach_in_python, of a queryset of attendance records (all by default), in one query."""
    attendances = Attendance.objects.all() if attendances is None else attendances
    rows = (
        attendances.filter(reach_q()).order_by().values("agency_id", "event__themes")
        .annotate(events=Count("event_id", distinct=True), people=Sum("attended"), latest=Max("event__held_on"))
    )
    return {(row["agency_id"], row["event__themes"]): Reach(row["events"], row["people"], row["latest"])
            for row in rows if row["event__themes"] is not None}


def event_reach():
    """Each event's reach, as annotations on LearningEvent: ``agencies_reached`` (the agencies whose attendance
    reaches) and ``people_reached`` (their people). A scheduled or cancelled event reaches none."""
    reaching = reach_q("attendance__")
    return {
        "agencies_reached": Count("attendance", filter=reaching, distinct=True),
        "people_reached": Coalesce(Sum("attendance__attended", filter=reaching), 0),
    }


def reached_q(agency):
    """The events that reached ``agency`` (a pk or an Agency), as a filter on LearningEvent."""
    return Exists(Attendance.objects.filter(reach_q(), event=OuterRef("pk"), agency=agency))


def missed_q(agency):
    """The held events that did not reach ``agency``: a matrix gap opens these (for a theme)."""
    return Q(status=Status.HELD) & ~reached_q(agency)


def partner_q():
    """The agencies expected at events, as a filter on Agency: all but the board itself."""
    return ~Q(kind=Agency.Kind.BOARD)


def is_partner(agency):
    return agency.kind != Agency.Kind.BOARD


# --- Impact ---------------------------------------------------------------------------------------------------
# An open impact check is **overdue** once its due date has passed, **due** from 30 days before it
# (actionplans.rules.DUE_SOON_DAYS, as an action is due soon). A verified action's **impact** is the finding of its
# latest done check that came to a conclusion (embedded, partly embedded, not embedded; "cannot tell yet" is no
# conclusion): the dashboard's impact figure is, of the verified actions with an impact, how many were found
# embedded.

CheckStatus = ImpactCheck.Status
Finding = ImpactCheck.Finding
CONCLUSIONS = (Finding.EMBEDDED, Finding.PARTLY, Finding.NOT_EMBEDDED)


def check_state(status, due_on, on):
    """"overdue", "due" or "upcoming" for an open check on day ``on``; its status otherwise (done, withdrawn)."""
    if status != CheckStatus.OPEN:
        return status
    if due_on < on:
        return "overdue"
    if due_on <= on + datetime.timedelta(days=action_rules.DUE_SOON_DAYS):
        return "due"
    return "upcoming"


def check_state_q(state, on):
    """The checks in ``state`` (check_state) on day ``on``, as a filter on ImpactCheck."""
    if state not in ("overdue", "due", "upcoming"):
        return Q(status=state)
    soon = on + datetime.timedelta(days=action_rules.DUE_SOON_DAYS)
    dated = {"overdue": Q(due_on__lt=on), "due": Q(due_on__gte=on, due_on__lte=soon), "upcoming": Q(due_on__gt=soon)}
    return Q(status=CheckStatus.OPEN) & dated[state]


def impact_of(checks):
    """The impact of an action with these checks (objects with status, finding, checked_on and pk): the finding of
    its latest concluded check, or "" when none has concluded."""
    concluded = [c for c in checks if c.status == CheckStatus.DONE and c.finding in CONCLUSIONS]
    return max(concluded, key=lambda c: (c.checked_on, c.pk)).finding if concluded else ""


def impact_subquery(prefix=""):
    """impact_of in SQL, as an expression for an annotation of actions (or, with ``prefix``, of what leads to
    them): "" (Coalesce) when no check has concluded."""
    latest = (
        ImpactCheck.objects.filter(action=OuterRef(f"{prefix}pk"), status=CheckStatus.DONE, finding__in=CONCLUSIONS)
        .order_by("-checked_on", "-pk").values("finding")[:1]
    )
    return Coalesce(Subquery(latest), Value(""))


@dataclass(frozen=True)
class Impact:
    """Of the verified actions: how many have an impact (``checked``) and how many of each finding."""

    verified: int = 0
    checked: int = 0
    embedded: int = 0
    partly: int = 0
    not_embedded: int = 0

    @property
    def unchecked(self):
        """Verified actions with no concluded check yet."""
        return self.verified - self.checked

    @property
    def percent(self):
        """Embedded out of checked, as a whole percentage; None with none checked."""
        return round(100 * self.embedded / self.checked) if self.checked else None


def impact_in_python(actions):
    """Impact of actions (with ``status`` and ``checks``, their impact checks, loaded)."""
    verified = [a for a in actions if a.status == action_rules.Status.VERIFIED]
    found = [impact_of(a.checks) for a in verified]
    return Impact(
        verified=len(verified), checked=sum(bool(f) for f in found), embedded=found.count(Finding.EMBEDDED),
        partly=found.count(Finding.PARTLY), not_embedded=found.count(Finding.NOT_EMBEDDED),
    )


def impact_in_sql(actions):
    """The same as impact_in_python, of a queryset of actions, in one query."""
    counts = (
        actions.filter(status=action_rules.Status.VERIFIED).annotate(impact=impact_subquery()).aggregate(
            verified=Count("pk"),
            checked=Count("pk", filter=~Q(impact="")),
            embedded=Count("pk", filter=Q(impact=Finding.EMBEDDED)),
            partly=Count("pk", filter=Q(impact=Finding.PARTLY)),
            not_embedded=Count("pk", filter=Q(impact=Finding.NOT_EMBEDDED)),
        )
    )
    return Impact(**counts)


#: The action list's ``?impact=`` values (actionplans.filters): the verified actions with that impact.
IMPACT_FILTERS = {"checked": "Checked (any finding)", **{f.value: f.label for f in (Finding.EMBEDDED, Finding.PARTLY,
                                                                                     Finding.NOT_EMBEDDED)},
                  "unchecked": "Not checked yet"}


def impact_filter(actions, value):
    """The verified actions of ``actions`` whose impact is ``value`` (IMPACT_FILTERS)."""
    verified = actions.filter(status=action_rules.Status.VERIFIED).annotate(impact=impact_subquery())
    if value == "checked":
        return verified.exclude(impact="")
    if value == "unchecked":
        return verified.filter(impact="")
    return verified.filter(impact=value)
