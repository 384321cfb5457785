"""Reads for the dashboard, the review and agency pages, the trend and the board report.

Every read starts from ``accounts.access.visible_actions(user)`` (or ``visible_plans``), so each role sees
figures over exactly the actions it may see, and every count comes from ``actionplans.rules``. Each page runs
a fixed number of queries, whatever the number of reviews, agencies or actions (tests/test_dashboard_queries.py).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse

from accounts import access
from accounts.models import Agency
from actionplans import rules
from actionplans.filters import LIST_ORDER
from actionplans.selectors import with_latest_progress
from dashboard.models import Snapshot
from reviews.models import Review, Theme

#: Columns the review and agency tables sort by (``?sort=compliance``, ``?sort=-overdue``).
SORTS = {
    "name": "Name",
    "total": "Actions",
    "compliance": "Compliance",
    "completion": "Completion",
    "overdue": "Overdue",
    "due_soon": "Due in 30 days",
    "evidence": "Evidence awaiting audit",
}
#: The columns whose first click sorts the largest first: the worst first (most overdue, most waiting). The
#: percentages sort the lowest first, for the same reason; names alphabetically.
LARGEST_FIRST = {"total", "overdue", "due_soon", "evidence"}


# --- Links: every number opens the action list filtered to exactly the actions behind it ----------------


def figure_links(**scope):
    """The action-list URL behind each figure of a set of actions (``scope``: review=…, lead_agency=…)."""
    base = reverse("actionplans:action_list")

    def url(**params):
        params = {**scope, **params}
        return f"{base}?{urlencode(params)}" if params else base

    links = {
        "total": url(),
        "counted": url(state="counted"),
        "done": url(state="done"),
        "verified": url(status=rules.Status.VERIFIED.value),
        "cancelled": url(status=rules.Status.CANCELLED.value),
        "overdue": url(overdue="yes"),
        # Amber is exactly "open and due within 30 days": the due-soon count.
        "due_soon": url(brag=rules.Brag.AMBER.value),
        "slipped": url(slipped="yes"),
    }
    for rating in rules.Brag:
        links[rating.value] = url(brag=rating.value)
    links["evidence"] = url(evidence="awaiting")
    return links


# --- Evidence awaiting audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    """Evidence items submitted and not yet decided, and the number of actions they are on."""

    items: int = 0
    actions: int = 0


def awaiting_audit(user, **within):
    """Evidence awaiting the consultant's decision over the actions ``within`` selects (e.g. action__lead_agency=…):
    the total, by review and by lead agency, from one query. Over the evidence this user may see."""
    rows = (
        access.visible_evidence(user).filter(status="submitted", **within).order_by()
        .values("action__plan__review_id", "action__lead_agency_id")
        .annotate(items=Count("id"), actions=Count("action_id", distinct=True))
    )
    # Each action is in one review and has one lead agency, so the groups' distinct actions add up.
    total, by_review, by_agency = [0, 0], defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for row in rows:
        for target in (total, by_review[row["action__plan__review_id"]], by_agency[row["action__lead_agency_id"]]):
            target[0] += row["items"]
            target[1] += row["actions"]
    return (
        Awaiting(*total),
        {pk: Awaiting(*n) for pk, n in by_review.items()},
        {pk: Awaiting(*n) for pk, n in by_agency.items()},
    )


# --- Figures --------------------------------------------------------------------------------------------


def figures_by(actions, key):
    """Figures of a queryset of actions grouped by ``key`` (a field path), in one query."""
    rows = actions.order_by().values(key).annotate(**rules.figures_aggregates())
    return {row.pop(key): rules.Figures(**row) for row in rows}


def figures_split(actions):
    """Figures of a set of actions in total, by review and by lead agency, from one grouped query: each action is
    in exactly one (review, lead agency) group, so the groups' counts add up (no rule is counted here)."""
    names = tuple(rules.Figures.__dataclass_fields__)
    aggregates = rules.figures_aggregates()
    rows = actions.order_by().values("plan__review_id", "lead_agency_id").annotate(**aggregates)
    size = len(names)
    total, by_review, by_agency = [0] * size, defaultdict(lambda: [0] * size), defaultdict(lambda: [0] * size)
    for row in rows.values_list("plan__review_id", "lead_agency_id", *names):
        counts = row[2:]
        for target in (total, by_review[row[0]], by_agency[row[1]]):
            for i, n in enumerate(counts):
                target[i] += n

    def figures(counts):
        return rules.Figures(*counts)

    return figures(total), {pk: figures(c) for pk, c in by_review.items()}, {pk: figures(c) for pk, c in by_agency.items()}


@dataclass
class Row:
    """One line of the review or agency table: the object, its figures and the links behind them."""

    obj: object
    figures: rules.Figures
    links: dict
    evidence: Awaiting = Awaiting()
    name: str = ""

    @property
    def brag(self):
        counts = self.figures.brag_counts
        return [(rating, counts[rating], self.links[rating.value]) for rating in rules.Brag]


def sort_rows(rows, sort):
    """Sort by one of SORTS (``-`` first for descending); rows without a value (no percentage) go last."""
    key = (sort or "").lstrip("-")
    if key not in SORTS:
        return rows
    descending = sort.startswith("-")

    def value(row):
        if key == "name":
            return row.name.lower()
        if key == "evidence":
            return row.evidence.items
        return getattr(row.figures, key)

    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=descending) + missing


def review_rows(by_review, evidence, only_with_actions=False):
    """A row per review (only those in ``by_review`` if ``only_with_actions``), with its figures and evidence."""
    reviews = Review.objects.order_by("reference")
    if only_with_actions:
        reviews = reviews.filter(pk__in=list(by_review))
    rows = []
    for review in reviews:
        rows.append(
            Row(
                obj=review,
                figures=by_review.get(review.pk, rules.Figures()),
                links=figure_links(review=review.pk),
                evidence=evidence.get(review.pk, Awaiting()),
                name=review.reference,
            )
        )
    return rows


def agency_rows(by_agency, evidence):
    """Every active agency (and any inactive one that still leads actions), with no actions or many."""
    rows = []
    for agency in Agency.objects.order_by("name"):
        figures = by_agency.get(agency.pk, rules.Figures())
        if not agency.is_active and not figures.total:
            continue
        rows.append(
            Row(
                obj=agency,
                figures=figures,
                links=figure_links(lead_agency=agency.pk),
                evidence=evidence.get(agency.pk, Awaiting()),
                name=agency.name,
            )
        )
    return rows


@dataclass
class Dashboard:
    figures: rules.Figures
    links: dict
    evidence: Awaiting
    reviews: list
    agencies: list
    trend: list = field(default_factory=list)


def dashboard(user, sort=None):
    """The dashboard of one user: headline figures, a row per review and per agency, and the trend."""
    figures, by_review, by_agency = figures_split(access.visible_actions(user))
    evidence, evidence_by_review, evidence_by_agency = awaiting_audit(user)
    return Dashboard(
        figures=figures,
        links=figure_links(),
        evidence=evidence,
        reviews=sort_rows(review_rows(by_review, evidence_by_review), sort),
        agencies=sort_rows(agency_rows(by_agency, evidence_by_agency), sort),
        trend=trend(user, live=figures),
    )


@dataclass
class Scope:
    """The figures of one review or one agency, for its dashboard page."""

    figures: rules.Figures
    links: dict
    evidence: Awaiting
    overdue: list
    breakdown: list
    trend: list


#: The review and agency pages list this many overdue actions, the longest overdue first; the overdue
#: figure links to all of them.
OVERDUE_SHOWN = 50


def _overdue_actions(actions, limit=None):
    overdue = (
        with_latest_progress(actions.filter(rules.overdue_q()))
        .select_related("plan__review", "plan__agency", "lead_agency", "responsible_officer")
        .order_by(*LIST_ORDER)  # the order of the action list the overdue figure opens
    )
    return list(overdue[:limit] if limit else overdue)


def review_scope(user, review):
    actions = access.visible_actions(user).filter(plan__review=review)
    figures, _, by_agency = figures_split(actions)
    evidence, _, evidence_by_agency = awaiting_audit(user, action__plan__review=review)
    breakdown = [row for row in agency_rows(by_agency, evidence_by_agency) if row.figures.total]
    for row in breakdown:
        row.links = figure_links(review=review.pk, lead_agency=row.obj.pk)
    return Scope(
        figures=figures,
        links=figure_links(review=review.pk),
        evidence=evidence,
        overdue=_overdue_actions(actions, OVERDUE_SHOWN),
        breakdown=breakdown,
        trend=trend(user, review=review, live=figures),
    )


def agency_scope(user, agency):
    actions = access.visible_actions(user).filter(lead_agency=agency)
    figures, by_review, _ = figures_split(actions)
    evidence, evidence_by_review, _ = awaiting_audit(user, action__lead_agency=agency)
    breakdown = review_rows(by_review, evidence_by_review, only_with_actions=True)
    for row in breakdown:
        row.links = figure_links(review=row.obj.pk, lead_agency=agency.pk)
    return Scope(
        figures=figures,
        links=figure_links(lead_agency=agency.pk),
        evidence=evidence,
        overdue=_overdue_actions(actions, OVERDUE_SHOWN),
        breakdown=breakdown,
        trend=trend(user, agency=agency, live=figures),
    )


# --- Trend ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    date: datetime.date
    figures: rules.Figures


def trend_dates(today=None, days=None):
    """One date a week, ending today, reaching back ``days`` (DASHBOARD_TREND_DAYS)."""
    today = today or rules.today()
    days = days or settings.DASHBOARD_TREND_DAYS
    return [today - datetime.timedelta(days=offset) for offset in range(days - days % 7, -1, -7)]


def trend(user, *, review=None, agency=None, live=None, days=None):
    """Weekly points from the daily snapshots, over the plans this user may see; today's point is ``live``
    (the figures the page shows), so a system installed today already has a trend of one point. One query."""
    dates = trend_dates(days=days)
    today = dates[-1]
    snapshots = Snapshot.objects.filter(date__in=dates[:-1], plan__in=access.visible_plans(user).values("pk"))
    if review is not None:
        snapshots = snapshots.filter(plan__review=review)
    if agency is not None:
        snapshots = snapshots.filter(lead_agency=agency)
    rows = snapshots.order_by("date").values("date").annotate(**{name: Sum(name) for name in Snapshot.COUNTS})
    points = [TrendPoint(row.pop("date"), rules.Figures(**row)) for row in rows]
    if live is not None:
        points.append(TrendPoint(today, live))
    return points


# --- The board report -----------------------------------------------------------------------------------


@dataclass
class Report:
    board: str
    today: datetime.date
    since: datetime.date
    figures: rules.Figures
    evidence: Awaiting
    reviews: list
    agencies: list
    themes: list
    trend: list
    verified_since: int


def report(user, since):
    """Everything the board report shows, over the actions this user may see. Fixed number of queries."""
    actions = access.visible_actions(user)
    figures, by_review, by_agency = figures_split(actions)
    evidence, evidence_by_review, evidence_by_agency = awaiting_audit(user)
    reviews = review_rows(by_review, evidence_by_review)
    overdue = _overdue_actions(actions)
    verified = list(
        actions.filter(status=rules.Status.VERIFIED, status_changed_at__date__gte=since)
        .select_related("plan__review", "plan__agency", "lead_agency")
        .order_by("plan__review__reference", "status_changed_at", "reference")
    )
    for row in reviews:
        row.overdue = [a for a in overdue if a.plan.review_id == row.obj.pk]
        row.verified_since = [a for a in verified if a.plan.review_id == row.obj.pk]
    by_theme = figures_by(actions, "themes")
    themes = [
        Row(obj=theme, figures=by_theme.get(theme.pk, rules.Figures()), links=figure_links(theme=theme.pk), name=theme.name)
        for theme in Theme.objects.order_by("name")
    ]
    board = Agency.objects.filter(kind=Agency.Kind.BOARD).order_by("pk").values_list("name", flat=True).first()
    return Report(
        board=board or "Safeguarding Children Board",
        today=rules.today(),
        since=since,
        figures=figures,
        evidence=evidence,
        reviews=reviews,
        agencies=agency_rows(by_agency, evidence_by_agency),
        themes=themes,
        trend=trend(user, live=figures),
        verified_since=len(verified),
    )
