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

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import Agency
from learning.models import Attendance, LearningEvent

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
