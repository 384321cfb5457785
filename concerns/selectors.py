"""Reads of board concerns for pages: a fixed number of queries each, whatever the number of concerns, indicators
and values (tests/test_concerns_queries.py)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from actionplans.rules import today
from concerns import rules
from concerns.models import Concern, DataPoint, Indicator
from dashboard.charts import line_chart


@dataclass
class RagCounts:
    red: int = 0
    amber: int = 0
    green: int = 0
    none: int = 0
    late: int = 0

    def add(self, indicator):
        setattr(self, indicator.rag or "none", getattr(self, indicator.rag or "none") + 1)
        self.late += len(indicator.late)


@dataclass
class Summary:
    """The register's figures: concerns by status, and their indicators by RAG."""

    by_status: dict = field(default_factory=dict)
    rag: RagCounts = field(default_factory=RagCounts)


def _entered_periods(indicators):
    """{indicator pk: set of periods with a value}. One query."""
    entered = defaultdict(set)
    for indicator_id, period in DataPoint.objects.filter(indicator__in=indicators).values_list("indicator_id", "period"):
        entered[indicator_id].add(period)
    return entered


def _annotated(indicators, on):
    """``indicators`` (a queryset) with their latest value and RAG (concerns.rules, in SQL) and, as ``late``, the
    periods whose value is past due. Two queries."""
    indicators = list(rules.with_rag(indicators).select_related("owner", "concern").order_by("concern_id", "name", "pk"))
    entered = _entered_periods([i.pk for i in indicators])
    for indicator in indicators:
        indicator.late = rules.late_periods(indicator, entered[indicator.pk], on)
    return indicators


def indicators_of(concerns, on=None):
    """The indicators of ``concerns`` (a list), annotated (_annotated); set on each concern as ``indicator_list``,
    with ``rag`` (RagCounts). Two queries."""
    indicators = _annotated(Indicator.objects.filter(concern__in=[c.pk for c in concerns]), on or today())
    by_concern = defaultdict(list)
    for indicator in indicators:
        by_concern[indicator.concern_id].append(indicator)
    for concern in concerns:
        concern.indicator_list = by_concern[concern.pk]
        concern.rag = RagCounts()
        for indicator in concern.indicator_list:
            concern.rag.add(indicator)
    return indicators


def indicator_with_rag(pk, on):
    """One indicator, annotated as on the concern's page. Two queries."""
    return _annotated(Indicator.objects.filter(pk=pk), on)[0]


def points_by_indicator(indicators):
    """{indicator pk: its data points, oldest period first}. One query."""
    points = defaultdict(list)
    for point in DataPoint.objects.filter(indicator__in=[i.pk for i in indicators]).order_by("indicator_id", "period"):
        points[point.indicator_id].append(point)
    return points


def files_by_point(files):
    """{data point pk: its files} of ``files`` (a queryset: those this user may read). One query."""
    by_point = defaultdict(list)
    for kept in files.order_by("uploaded_at", "pk"):
        by_point[kept.point_id].append(kept)
    return by_point


def periods_to_enter(indicator, points, on):
    """The periods a value can be entered for on day ``on``: those the indicator reports up to the present one,
    without a value yet."""
    entered = {point.period for point in points}
    return [period for period in rules.open_periods(indicator, on) if period not in entered]


def with_last_entry(concerns):
    """Concerns annotated with ``last_entry_on``, the date of their latest update or response."""
    return concerns.annotate(last_entry_on=Max("entries__on"))


def summary(concerns):
    """The register's figures over ``concerns`` (a queryset: those this user may see): concerns by status, and the
    indicators of those not closed by RAG, with the values late. Four queries."""
    result = Summary(by_status={status: 0 for status in Concern.Status.values})
    for status, count in concerns.order_by().values_list("status").annotate(n=Count("pk")):
        result.by_status[status] = count
    live = list(concerns.exclude(status=Concern.Status.CLOSED).only("pk"))
    for indicator in indicators_of(live):
        result.rag.add(indicator)
    return result


def chart_title(indicator):
    return f"{indicator.name} ({indicator.owner.short_name})"


def chart_description(indicator, points):
    """What the indicator's chart shows, in words: its first and latest values against the target."""
    if not points:
        return "No values entered yet."
    first, last = points[0], points[-1]
    label = rules.period_label
    return (f"From {rules.number(first.value)} {indicator.unit} in {label(first.period, indicator.frequency)} to "
            f"{rules.number(last.value)} {indicator.unit} in {label(last.period, indicator.frequency)}, against a "
            f"target of {rules.number(indicator.target)} ({indicator.get_direction_display().lower()}).")


def chart(indicator, points):
    """The indicator's values over time against its target, as an accessible SVG (dashboard.charts)."""
    series = [(rules.period_end(p.period, indicator.frequency), float(p.value)) for p in points]
    return line_chart(series, title=chart_title(indicator), desc=chart_description(indicator, points),
                      y_label=indicator.unit[:30], target=float(indicator.target))
