"""The numbers of the board's papers, each defined once: the annual report's year and its figures, and the default
"since" of a report to partners. The pages, the PDF and the DOCX show what these return (papers.content)."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import Agency
from actionplans.models import ProgressUpdate
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from concerns.models import Concern
from dashboard.services import figures_on
from learning.models import Attendance, ImpactCheck, LearningEvent
from learning.rules import partner_q
from reviews.models import Review

# --- the year of an annual report --------------------------------------------------------------------------------


def first_month():
    """The month a reporting year starts in: ANNUAL_REPORT_FIRST_MONTH, April by default (the public sector's)."""
    return settings.ANNUAL_REPORT_FIRST_MONTH


def year_of(day):
    """The first day of the reporting year that ``day`` falls in."""
    month = first_month()
    return datetime.date(day.year if day.month >= month else day.year - 1, month, 1)


def year_bounds(start):
    """(first day, last day) of the reporting year that starts on ``start``."""
    following = datetime.date(start.year + 1, start.month, 1)
    return start, following - datetime.timedelta(days=1)


def default_year(on=None):
    """The year an annual report is written about by default: the last one that has ended."""
    current = year_of(on or today())
    return datetime.date(current.year - 1, current.month, 1)


def year_label(start):
    """e.g. "April 2025 to March 2026" (or "2025" for a year starting in January)."""
    first, last = year_bounds(start)
    if first.month == 1:
        return str(first.year)
    return f"{date_format(first, 'F Y')} to {date_format(last, 'F Y')}"


def year_choices(on=None):
    """The years a member may choose for an annual report: the current one and the ten before it, newest first."""
    current = year_of(on or today())
    return [datetime.date(current.year - n, current.month, 1) for n in range(11)]


# --- a report to partners ----------------------------------------------------------------------------------------


def default_since(on=None):
    """A new report to partners covers the changes since the last one issued (the day it was issued); with none
    issued yet, since REPORT_SINCE_DAYS ago."""
    from papers.models import Paper

    last = (Paper.objects.filter(kind=Paper.Kind.PARTNERS, status=Paper.Status.ISSUED)
            .order_by("-status_changed_at").values_list("status_changed_at", flat=True).first())
    if last is not None:
        return timezone.localdate(last)
    return (on or today()) - datetime.timedelta(days=settings.REPORT_SINCE_DAYS)


# --- the annual report's figures ---------------------------------------------------------------------------------


@dataclass
class AgencyReach:
    name: str
    events: int = 0
    people: int = 0


@dataclass
class AnnualFigures:
    """What the annual report counts over a year (from ``start`` to ``end``; ``end`` is today for a year not yet
    over). Each figure is the length of a list a person can check (the tests count those lists)."""

    start: datetime.date
    end: datetime.date
    reviews_published: list = field(default_factory=list)
    completed: int = 0
    verified: int = 0
    compliance_start: object = None  # actionplans.rules.Figures as on the first day
    compliance_end: object = None  # … and as on the last day (or today)
    events_held: list = field(default_factory=list)
    reach: list = field(default_factory=list)  # AgencyReach of each partner agency, by name
    findings: list = field(default_factory=list)
    concerns_raised: list = field(default_factory=list)
    concerns_closed: list = field(default_factory=list)

    @property
    def people_reached(self):
        return sum(row.people for row in self.reach)

    @property
    def findings_by_kind(self):
        counts = {finding: 0 for finding in ImpactCheck.Finding.values}
        for check in self.findings:
            counts[check.finding] += 1
        return counts


def moved_to(status, start, end):
    """The actions whose status was moved to ``status`` between ``start`` and ``end`` (days, local time), once each
    however often: from their progress logs."""
    return (
        ProgressUpdate.objects.filter(status_after=status, created_at__date__range=(start, end))
        .exclude(status_before=status).values("action_id").distinct()
    )


def closed_in(start, end):
    """The concerns closed between ``start`` and ``end`` (days, local time), from their change records: a concern
    closed in a year stays counted in that year's figures if it is reopened later."""
    return ChangeRecord.objects.filter(
        content_type__app_label=Concern._meta.app_label, content_type__model=Concern._meta.model_name,
        verb=ChangeRecord.Verb.CHANGED, changes__status__1=Concern.Status.CLOSED.label, at__date__range=(start, end),
    ).values("object_id")


def annual_figures(start, on=None):
    """The AnnualFigures of the reporting year starting on ``start``, counted on day ``on`` (today). Thirteen
    queries at most (dashboard.services.figures_on), whatever the size of the data."""
    on = on or today()
    first, last = year_bounds(start)
    end = min(last, on)
    by_day = figures_on([first, end])
    held = list(
        LearningEvent.objects.filter(status=LearningEvent.Status.HELD, held_on__range=(first, end))
        .annotate(people=Sum("attendance__attended")).order_by("held_on", "title")
    )
    per_agency = {
        row["agency"]: row for row in
        Attendance.objects.filter(event__in=[event.pk for event in held]).order_by().values("agency")
        .annotate(events=Count("event", filter=Q(attended__gt=0)), people=Sum("attended"))
    }
    reach = [
        AgencyReach(name, per_agency.get(pk, {}).get("events", 0), per_agency.get(pk, {}).get("people", 0) or 0)
        for pk, name in Agency.objects.filter(partner_q()).filter(Q(is_active=True) | Q(pk__in=per_agency))
        .order_by("name").values_list("pk", "name")
    ]
    return AnnualFigures(
        start=first,
        end=end,
        reviews_published=list(Review.objects.filter(published_on__range=(first, end)).order_by("published_on", "reference")),
        completed=moved_to(Status.COMPLETED, first, end).count(),
        verified=moved_to(Status.VERIFIED, first, end).count(),
        compliance_start=by_day[first],
        compliance_end=by_day[end],
        events_held=held,
        reach=reach,
        findings=list(
            ImpactCheck.objects.filter(status=ImpactCheck.Status.DONE, checked_on__range=(first, end))
            .select_related("action__plan__review", "action__lead_agency", "sub_committee").order_by("checked_on", "pk")
        ),
        concerns_raised=list(Concern.objects.filter(raised_on__range=(first, end)).order_by("raised_on", "title")),
        concerns_closed=list(Concern.objects.filter(pk__in=closed_in(first, end)).order_by("raised_on", "title")),
    )
