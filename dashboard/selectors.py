"""Reads for the dashboard, the review and agency pages, the trend and the board report.

Every read starts from ``accounts.access.visible_actions(user)`` (or ``visible_plans``), so each role sees
figures over exactly the actions it may see, and every count comes from ``actionplans.rules``. Each page runs
a fixed number of queries, whatever the number of reviews, agencies or actions (tests/test_dashboard_queries.py).
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.urls import reverse

from accounts import access
from accounts.models import Agency
from actionplans import rules
from actionplans.filters import LIST_ORDER
from actionplans.models import Action, ActionPlan
from actionplans.selectors import with_latest_progress
from dashboard import versions
from dashboard.models import Snapshot
from learning import rules as impact_rules
from learning import selectors as learning_selectors
from reviews import rules as learning_rules
from reviews.models import Recommendation, Review, Theme
from reviews.selectors import recommendations_with_figures
from scrsystem.http import page_of

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
#: The tables' order when the reader chooses none: the most overdue first (then by name), so the first page of a
#: long review table is the reviews that need attention.
DEFAULT_SORT = "-overdue"


# --- Links: every number opens the action list filtered to exactly the actions behind it ----------------


def _figure_filters():
    """The action-list filters behind each figure, as query strings (every row of a table shares them)."""
    filters = {
        "total": {},
        "counted": {"state": "counted"},
        "done": {"state": "done"},
        "verified": {"status": rules.Status.VERIFIED.value},
        "cancelled": {"status": rules.Status.CANCELLED.value},
        "overdue": {"overdue": "yes"},
        # Amber is exactly "open and due within 30 days": the due-soon count.
        "due_soon": {"brag": rules.Brag.AMBER.value},
        "slipped": {"slipped": "yes"},
        **{rating.value: {"brag": rating.value} for rating in rules.Brag},
        "evidence": {"evidence": "awaiting"},
    }
    return {name: urlencode(params) for name, params in filters.items()}


_FIGURE_FILTERS = _figure_filters()


def figure_links(**scope):
    """The action-list URL behind each figure of a set of actions (``scope``: review=…, lead_agency=…)."""
    base = reverse("actionplans:action_list")
    within = urlencode(scope)
    return {
        name: f"{base}?{'&'.join(part for part in (within, params) if part)}" if within or params else base
        for name, params in _FIGURE_FILTERS.items()
    }


# --- Evidence awaiting audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    """Evidence items submitted and not yet decided, and the number of actions they are on."""

    items: int = 0
    actions: int = 0

    def __add__(self, other):
        """The evidence of two sets of actions with no action in common."""
        return Awaiting(self.items + other.items, self.actions + other.actions)


def awaiting_audit(user, **within):
    """Evidence awaiting the consultant's decision over the actions ``within`` selects (e.g. action__lead_agency=…):
    the total, by review and by lead agency, from one query. Over the evidence this user may see."""
    per_action = (
        access.visible_evidence(user).filter(status="submitted", **within).order_by()
        .values("action_id").annotate(items=Count("id"))
    )
    sql, params = per_action.query.sql_with_params()
    quote = connection.ops.quote_name
    # The items are counted per action first, then each action's review and lead agency joined to the counts: an
    # action is in one review and has one lead agency, so counting rows counts actions, with no DISTINCT.
    groups = (
        f"SELECT p.{quote('review_id')} AS review, a.{quote('lead_agency_id')} AS agency, e.items "  # noqa: S608
        f"FROM ({sql}) e JOIN {quote(Action._meta.db_table)} a ON a.{quote('id')} = e.{quote('action_id')} "
        f"JOIN {quote(ActionPlan._meta.db_table)} p ON p.{quote('id')} = a.{quote('plan_id')}"
    )
    total, by_review, by_agency = _grouping_sets(groups, params, "review", "agency", ("SUM(items)", "COUNT(*)"))
    return (
        Awaiting(*total) if total else Awaiting(),
        {pk: Awaiting(*n) for pk, n in by_review.items()},
        {pk: Awaiting(*n) for pk, n in by_agency.items()},
    )


def _grouping_sets(sql, params, review, agency, sums):
    """Sum the rows of the query ``sql`` in total, by its column ``review`` and by its column ``agency`` (a review's
    and a lead agency's id), in the database and in one query: ``sums`` are SQL aggregates over its columns.
    Returns (total, {review pk: sums}, {agency pk: sums}); total is None when there are no rows.

    PostgreSQL sums all three at once (GROUPING SETS); another database gets the same from three grouped selects
    of one common table expression. Both ids are never NULL in the rows, so a NULL marks the level summed over."""
    review, agency = connection.ops.quote_name(review), connection.ops.quote_name(agency)
    values = ", ".join(sums)
    if connection.vendor == "postgresql":
        query = (f"SELECT {review}, {agency}, {values} FROM ({sql}) g "  # noqa: S608 - Django's own SQL
                 f"GROUP BY GROUPING SETS ((), ({review}), ({agency}))")
    else:
        query = (f"WITH g AS ({sql}) SELECT NULL, NULL, {values} FROM g HAVING COUNT(*) > 0 "  # noqa: S608
                 f"UNION ALL SELECT {review}, NULL, {values} FROM g GROUP BY {review} "
                 f"UNION ALL SELECT NULL, {agency}, {values} FROM g GROUP BY {agency}")
    total, by_review, by_agency = None, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for review_id, agency_id, *counts in cursor.fetchall():
            counts = [int(n or 0) for n in counts]
            if review_id is not None:
                by_review[review_id] = counts
            elif agency_id is not None:
                by_agency[agency_id] = counts
            elif any(counts):
                total = counts
    return total, by_review, by_agency


# --- Figures --------------------------------------------------------------------------------------------


def figures_split(actions):
    """Figures of a set of actions in total, by review and by lead agency, from one query: grouped by (review, lead
    agency), then summed at the three levels in the database (_grouping_sets). Each action is in exactly one group,
    so the groups' counts add up (no rule is counted here: rules.figures_aggregates counts them)."""
    names = tuple(rules.Figures.__dataclass_fields__)
    groups = actions.order_by().values("plan__review_id", "lead_agency_id").annotate(**rules.figures_aggregates())
    quote = connection.ops.quote_name
    sql, params = groups.query.sql_with_params()
    total, by_review, by_agency = _grouping_sets(sql, params, "plan__review_id", "lead_agency_id",
                                                 [f"SUM({quote(name)})" for name in names])
    return (
        rules.Figures(*total) if total else rules.Figures(),
        {pk: rules.Figures(*c) for pk, c in by_review.items()},
        {pk: rules.Figures(*c) for pk, c in by_agency.items()},
    )


class Named(NamedTuple):
    """What the dashboard's tables show of a review or an agency, kept in the cache instead of the model object."""

    pk: int
    name: str
    title: str = ""
    is_active: bool = True
    kind: str = ""  #: a review's kind (Review.Kind)

    @property
    def reference(self):
        return self.name


@dataclass
class Row:
    """One line of the review or agency table: the object, its figures, and the action-list filters behind them."""

    obj: object
    figures: rules.Figures
    scope: dict
    evidence: Awaiting = Awaiting()
    name: str = ""

    @cached_property
    def links(self):
        """The URL behind each figure; only the rows a page shows ever build theirs."""
        return figure_links(**self.scope)

    @property
    def brag(self):
        counts = self.figures.brag_counts
        return [(rating, counts[rating], self.links[rating.value]) for rating in rules.Brag]


def sort_of(sort):
    """``sort`` (a query parameter) if it is one of SORTS, with or without ``-``; DEFAULT_SORT otherwise."""
    return sort if (sort or "").lstrip("-") in SORTS else DEFAULT_SORT


def sort_rows(rows, sort):
    """Sort by one of SORTS (``-`` first for descending); rows without a value (no percentage) go last. Rows with
    the same value keep their order (by name)."""
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


def review_rows(by_review, evidence, reviews):
    """A row per review of ``reviews`` (Named or Review, by reference), with its figures and evidence."""
    return [
        Row(obj=review, figures=by_review.get(review.pk, rules.Figures()), scope={"review": review.pk},
            evidence=evidence.get(review.pk, Awaiting()), name=review.reference)
        for review in reviews
    ]


def agency_rows(by_agency, evidence, agencies):
    """Every active agency of ``agencies`` (Named or Agency, by name) and any inactive one that still leads actions,
    with no actions or many."""
    rows = []
    for agency in agencies:
        figures = by_agency.get(agency.pk, rules.Figures())
        if not agency.is_active and not figures.total:
            continue
        rows.append(Row(obj=agency, figures=figures, scope={"lead_agency": agency.pk},
                        evidence=evidence.get(agency.pk, Awaiting()), name=agency.name))
    return rows


def all_reviews():
    return [Named(pk, reference, title, kind=kind) for pk, reference, title, kind in
            Review.objects.order_by("reference").values_list("pk", "reference", "title", "kind")]


def kind_rows(by_review, evidence, reviews):
    """A row per kind of review that has a review among ``reviews`` (Named or Review), in Review.Kind's order: the
    sums of its reviews' figures and evidence (each action is in one review, so the sums are exact)."""
    of_kind = {}
    for review in reviews:
        of_kind.setdefault(review.kind, []).append(review.pk)
    return [
        Row(obj=Named(kind, label), scope={"kind": kind}, name=label,
            figures=sum((by_review.get(pk, rules.Figures()) for pk in of_kind[kind]), rules.Figures()),
            evidence=sum((evidence.get(pk, Awaiting()) for pk in of_kind[kind]), Awaiting()))
        for kind, label in Review.Kind.choices
        if kind in of_kind
    ]


@dataclass(frozen=True)
class RecommendationCounts:
    """The recommendations this user may see: how many, how many are gaps (reviews.rules) and how many await the
    board's response; with the recommendation list's URL behind each."""

    total: int = 0
    gaps: int = 0
    awaiting: int = 0

    @property
    def links(self):
        base = reverse("reviews:recommendations")
        return {"total": base, "gaps": f"{base}?gap=yes",
                "awaiting": f"{base}?response={Recommendation.Response.AWAITING.value}"}


def recommendation_counts(user):
    """RecommendationCounts for this user, in one query; kept in the cache with the figures (its tables are the
    figures' tables: dashboard.versions)."""

    def compute():
        return RecommendationCounts(**access.visible_recommendations(user).aggregate(
            total=Count("pk"), gaps=Count("pk", filter=learning_rules.gap_q()),
            awaiting=Count("pk", filter=Q(response=Recommendation.Response.AWAITING)),
        ))

    return versions.cached(versions.FIGURES, ("recommendations", access.scope_of(user)), compute)


@dataclass(frozen=True)
class ImpactCounts:
    """Impact beside compliance (learning.rules): of the verified actions this user may see, how many have a
    concluded impact check and how many of each finding; and their impact checks overdue and due in 30 days. With
    the list behind each number."""

    impact: impact_rules.Impact = impact_rules.Impact()
    due: int = 0
    overdue: int = 0

    @property
    def links(self):
        actions, checks = reverse("actionplans:action_list"), reverse("learning:impact_checks")
        return {
            **{name: f"{actions}?impact={name}"
               for name in ("checked", "embedded", "partly", "not_embedded", "unchecked")},
            "due": f"{checks}?state=due", "overdue": f"{checks}?state=overdue",
        }


def impact_counts(user):
    """ImpactCounts for this user, in two queries; kept in the cache under the figures' and the learning cycle's
    versions (an impact check is written with its action's verification, and on its own)."""

    def compute():
        on = rules.today()
        checks = access.visible_impact_checks(user).aggregate(
            due=Count("pk", filter=impact_rules.check_state_q("due", on)),
            overdue=Count("pk", filter=impact_rules.check_state_q("overdue", on)),
        )
        return ImpactCounts(impact_rules.impact_in_sql(access.visible_actions(user)), **checks)

    key = ("impact", access.scope_of(user), rules.today())
    return versions.cached((versions.FIGURES, versions.LEARNING), key, compute)


def all_agencies():
    return [Named(pk, name, is_active=active) for pk, name, active in
            Agency.objects.order_by("name").values_list("pk", "name", "is_active")]


@dataclass
class Summary:
    """Everything the dashboard computes from the data, before it is sorted and paged (kept in the cache in two
    parts: the figures and the evidence awaiting audit, ``summary``)."""

    figures: rules.Figures
    by_review: dict
    by_agency: dict
    evidence: Awaiting
    evidence_by_review: dict
    evidence_by_agency: dict
    reviews: list
    agencies: list


def _figures_key(user):
    # "2": the shape of what is kept (reviews carry their kind); a release that changes the shape changes it.
    return ("figures", 2, access.scope_of(user), rules.today())


def board_name():
    """The board's name, as its reports and exports give it: the first agency of the kind "board" (one query)."""
    board = Agency.objects.filter(kind=Agency.Kind.BOARD).order_by("pk").values_list("name", flat=True).first()
    return board or "Safeguarding Children Board"


def known_total(user):
    """How many actions this user may see, when the dashboard's figures for them are in the cache (None when not:
    nothing is computed here). The action list with no filter shows this many."""
    kept = versions.peek(versions.FIGURES, _figures_key(user))
    return None if kept is None else kept[0].total


def summary(user):
    """The figures and evidence awaiting audit of everything this user may see, in total, by review and by lead
    agency, with the reviews and agencies to list. Kept in the cache for everyone with the same scope, until the
    data changes (dashboard.versions): the same values a fresh computation gives. The figures (which depend on
    the day too) and the evidence are kept apart, so that an upload leaves the figures in the cache."""

    def compute_figures():
        return (*figures_split(access.visible_actions(user)), all_reviews(), all_agencies())

    figures, by_review, by_agency, reviews, agencies = versions.cached(versions.FIGURES, _figures_key(user), compute_figures)
    evidence, evidence_by_review, evidence_by_agency = versions.cached(
        (versions.FIGURES, versions.EVIDENCE), ("evidence", access.scope_of(user)), lambda: awaiting_audit(user)
    )
    return Summary(figures, by_review, by_agency, evidence, evidence_by_review, evidence_by_agency, reviews, agencies)


@dataclass
class Dashboard:
    figures: rules.Figures
    links: dict
    evidence: Awaiting
    reviews: object  #: the requested page (django.core.paginator.Page) of the sorted review rows
    agencies: list
    kinds: list = field(default_factory=list)
    recommendations: RecommendationCounts = RecommendationCounts()
    impact: ImpactCounts = ImpactCounts()
    trend: list = field(default_factory=list)
    sort: str = DEFAULT_SORT


def dashboard(user, sort=None, page=None):
    """The dashboard of one user: headline figures, a page of the review table (the most overdue first unless
    ``sort`` says otherwise), a row per agency, and the trend."""
    data = summary(user)
    sort = sort_of(sort)
    reviews = sort_rows(review_rows(data.by_review, data.evidence_by_review, data.reviews), sort)
    return Dashboard(
        figures=data.figures,
        links=figure_links(),
        evidence=data.evidence,
        reviews=page_of(reviews, page, settings.DASHBOARD_REVIEWS_PER_PAGE),
        agencies=sort_rows(agency_rows(data.by_agency, data.evidence_by_agency, data.agencies), sort),
        kinds=kind_rows(data.by_review, data.evidence_by_review, data.reviews),
        recommendations=recommendation_counts(user),
        impact=impact_counts(user),
        trend=trend(user, live=data.figures),
        sort=sort,
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
    breakdown = [row for row in agency_rows(by_agency, evidence_by_agency, all_agencies()) if row.figures.total]
    for row in breakdown:
        row.scope = {"review": review.pk, "lead_agency": row.obj.pk}
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
    breakdown = review_rows(by_review, evidence_by_review, [r for r in all_reviews() if r.pk in by_review])
    for row in breakdown:
        row.scope = {"review": row.obj.pk, "lead_agency": agency.pk}
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
    (the figures the page shows), so a system installed today already has a trend of one point. One query, and
    none while the past points are in the cache: past days change only when a snapshot is written
    (dashboard.versions.SNAPSHOTS)."""
    dates = trend_dates(days=days)
    today = dates[-1]

    def past():
        snapshots = Snapshot.objects.filter(date__in=dates[:-1], plan__in=access.visible_plans(user).values("pk"))
        if review is not None:
            snapshots = snapshots.filter(plan__review=review)
        if agency is not None:
            snapshots = snapshots.filter(lead_agency=agency)
        rows = snapshots.order_by("date").values("date").annotate(**{name: Sum(name) for name in Snapshot.COUNTS})
        return [TrendPoint(row.pop("date"), rules.Figures(**row)) for row in rows]

    key = ("trend", access.scope_of(user), getattr(review, "pk", ""), getattr(agency, "pk", ""), dates[0], today)
    points = list(versions.cached(versions.SNAPSHOTS, key, past))
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
    kinds: list
    recommendation_gaps: int
    impact: ImpactCounts
    findings_since: list  #: the impact checks whose finding was recorded since the last report
    dissemination: object  #: learning.selectors.Matrix
    events_held: list  #: the learning events held since the last report
    events_scheduled: list  #: and those scheduled from today on


def report(user, since):
    """Everything the board report shows, over the actions this user may see. Fixed number of queries."""
    actions = access.visible_actions(user)
    figures, by_review, by_agency = figures_split(actions)
    evidence, evidence_by_review, evidence_by_agency = awaiting_audit(user)
    reviews = review_rows(by_review, evidence_by_review, Review.objects.order_by("reference"))
    overdue = _overdue_actions(actions)
    verified = list(
        actions.filter(status=rules.Status.VERIFIED, status_changed_at__date__gte=since)
        .select_related("plan__review", "plan__agency", "lead_agency")
        .order_by("plan__review__reference", "status_changed_at", "reference")
    )
    recommendations = recommendations_with_figures(user, list(
        learning_rules.with_live_actions(access.visible_recommendations(user)).select_related("agency")
        .order_by("review_id", "number")
    ))
    of_review = {}
    for recommendation in recommendations:
        of_review.setdefault(recommendation.review_id, []).append(recommendation)
    for row in reviews:
        row.overdue = [a for a in overdue if a.plan.review_id == row.obj.pk]
        row.verified_since = [a for a in verified if a.plan.review_id == row.obj.pk]
        row.recommendations = of_review.get(row.obj.pk, [])
    by_theme = rules.figures_by(actions, "themes")
    themes = [
        Row(obj=theme, figures=by_theme.get(theme.pk, rules.Figures()), scope={"theme": theme.pk}, name=theme.name)
        for theme in Theme.objects.order_by("name")
    ]
    held, scheduled = learning_selectors.report_events(since, rules.today())
    return Report(
        board=board_name(),
        today=rules.today(),
        since=since,
        figures=figures,
        evidence=evidence,
        reviews=reviews,
        agencies=agency_rows(by_agency, evidence_by_agency, Agency.objects.order_by("name")),
        themes=themes,
        trend=trend(user, live=figures),
        verified_since=len(verified),
        kinds=kind_rows(by_review, evidence_by_review, [row.obj for row in reviews]),
        recommendation_gaps=sum(r.gap for r in recommendations),
        impact=impact_counts(user),
        findings_since=list(
            # Recorded since (the moment of the record), whatever day the finding is dated.
            access.visible_impact_checks(user).filter(status="done", status_changed_at__date__gte=since)
            .select_related("action__plan__review", "action__lead_agency", "sub_committee")
            .order_by("checked_on", "pk")
        ),
        dissemination=learning_selectors.dissemination(),
        events_held=held,
        events_scheduled=scheduled,
    )
