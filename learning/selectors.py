"""Reads for the learning pages, the dashboard's dissemination matrix and the board report. Each runs a fixed
number of queries whatever the number of events, agencies or themes (tests/test_learning_queries.py)."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from accounts import access
from accounts.models import Agency
from actionplans import rules as action_rules
from dashboard import versions
from learning import rules
from learning.models import Attendance, LearningEvent
from reviews.models import Review, Theme
from reviews.selectors import reviews_with_figures

Status = LearningEvent.Status


@dataclass(frozen=True)
class Column:
    """A theme of the matrix: its name, and how many events carrying it were held and are scheduled."""

    pk: int
    name: str
    held: int = 0
    scheduled: int = 0


@dataclass(frozen=True)
class Cell:
    theme: Column
    reach: rules.Reach
    url: str


@dataclass(frozen=True)
class Line:
    """An agency's row of the matrix."""

    pk: int
    name: str
    short_name: str
    cells: tuple

    @property
    def gaps(self):
        return sum(cell.reach.gap for cell in self.cells)


@dataclass(frozen=True)
class Matrix:
    """The dissemination matrix (learning.rules): partner agencies × themes in use."""

    themes: tuple = ()
    lines: tuple = ()

    @property
    def gaps(self):
        return sum(line.gaps for line in self.lines)

    @property
    def cells(self):
        return len(self.themes) * len(self.lines)

    def column(self, theme_pk):
        """The cells of one theme, an agency each: (line, cell)."""
        index = next((i for i, theme in enumerate(self.themes) if theme.pk == theme_pk), None)
        return [] if index is None else [(line, line.cells[index]) for line in self.lines]


def events_url(**params):
    return f"{reverse('learning:events')}?{urlencode(params)}" if params else reverse("learning:events")


def cell_url(agency_pk, theme_pk, gap):
    """The events behind a cell: those that reached the agency on the theme, or for a gap the held events on the
    theme that did not (learning.filters.EventFilter)."""
    return events_url(theme=theme_pk, **{"missed_by" if gap else "attended_by": agency_pk})


def _compute_matrix():
    counted = rules.reach_by_agency_and_theme()
    per_theme = (
        LearningEvent.objects.filter(status__in=(Status.HELD, Status.SCHEDULED)).order_by()
        .values("themes", "status").annotate(n=Count("pk"))
    )
    events = {(row["themes"], row["status"]): row["n"] for row in per_theme}
    themes = tuple(
        Column(pk, name, events.get((pk, Status.HELD), 0), events.get((pk, Status.SCHEDULED), 0))
        for pk, name in Theme.objects.in_use().order_by("name").values_list("pk", "name")
    )
    counted_agencies = {agency for agency, _ in counted}
    agencies = (
        Agency.objects.filter(rules.partner_q()).filter(Q(is_active=True) | Q(pk__in=counted_agencies))
        .order_by("name").values_list("pk", "name", "short_name")
    )
    lines = []
    for pk, name, short_name in agencies:
        cells = []
        for theme in themes:
            reach = counted.get((pk, theme.pk), rules.Reach())
            cells.append(Cell(theme, reach, cell_url(pk, theme.pk, reach.gap)))
        lines.append(Line(pk, name, short_name, tuple(cells)))
    return Matrix(themes, tuple(lines))


def dissemination():
    """The dissemination matrix, the same for every reader (attendance numbers are the partnership's), kept in the
    cache until an event, an attendance record, a theme or an agency changes (dashboard.versions.LEARNING). Four
    queries when computed."""
    return versions.cached(versions.LEARNING, ("dissemination", 1), _compute_matrix)


def with_reach(events):
    """Events annotated with their reach (learning.rules.event_reach) and ``recorded`` (how many agencies'
    attendance is recorded), their themes loaded with them. Two queries when listed."""
    return events.annotate(**rules.event_reach(), recorded=Count("attendance", distinct=True)).prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("name"))
    )


def event_attendance(event):
    """A line per partner agency for the event's page: the agency, its attendance record (or None) and whether the
    record reaches. Active partner agencies, and any other agency whose attendance is recorded. Two queries."""
    records = {
        record.agency_id: record
        for record in Attendance.objects.filter(event=event).select_related("agency", "created_by")
    }
    agencies = Agency.objects.filter(rules.partner_q()).filter(Q(is_active=True) | Q(pk__in=list(records)))
    return [(agency, records.get(agency.pk)) for agency in agencies.order_by("name")]


@dataclass
class ThemePage:
    theme: Theme
    figures: action_rules.Figures
    links: dict
    reviews: list
    events: list
    reach: list = field(default_factory=list)  #: (Line, Cell) per agency

    @property
    def held(self):
        return sum(event.status == Status.HELD for event in self.events)

    @property
    def scheduled(self):
        return sum(event.status == Status.SCHEDULED for event in self.events)

    @property
    def people(self):
        return sum(event.people_reached for event in self.events)

    @property
    def gaps(self):
        return sum(cell.reach.gap for _, cell in self.reach)


def theme_page(user, theme):
    """Everything a theme's page shows, over the actions this user may see: the figures of the actions tagged with
    it, each review tagged with it and its figures, the events that carried it, and its column of the matrix."""
    from dashboard.selectors import figure_links

    figures = action_rules.figures_for(access.visible_actions(user).filter(themes=theme))
    reviews = reviews_with_figures(user, Review.objects.filter(themes=theme))
    events = list(with_reach(LearningEvent.objects.filter(themes=theme)).order_by("-held_on", "title"))
    return ThemePage(
        theme=theme,
        figures=figures,
        links=figure_links(theme=theme.pk),
        reviews=reviews,
        events=events,
        reach=dissemination().column(theme.pk),
    )


def themes_with_figures(user):
    """Every theme, with the counts its list shows: reviews tagged, visible actions tagged and their compliance,
    events held and scheduled, and the agencies its events reached. Four queries, and the matrix."""
    themes = list(
        Theme.objects.order_by("retired_at", "name").annotate(review_count=Count("reviews", distinct=True))
    )
    by_theme = action_rules.figures_by(
        access.visible_actions(user).filter(themes__in=[t.pk for t in themes]), "themes"
    )
    matrix = dissemination()
    columns = {column.pk: column for column in matrix.themes}
    for theme in themes:
        theme.figures = by_theme.get(theme.pk, action_rules.Figures())
        theme.column = columns.get(theme.pk)
        cells = matrix.column(theme.pk)
        theme.agencies_reached = sum(not cell.reach.gap for _, cell in cells)
        theme.partners = len(cells)
        theme.people = sum(cell.reach.people for _, cell in cells)
    return themes


def report_events(since, today):
    """For the board report: the events held since ``since`` and those scheduled from ``today`` on, each with its
    reach and themes. Two queries."""
    events = list(
        with_reach(LearningEvent.objects.filter(
            Q(status=Status.HELD, held_on__gte=since) | Q(status=Status.SCHEDULED, held_on__gte=today)
        )).order_by("held_on", "title")
    )
    held = [event for event in events if event.status == Status.HELD]
    scheduled = [event for event in events if event.status == Status.SCHEDULED]
    return held, scheduled
