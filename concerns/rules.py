"""The numbers of board concerns, defined once, in Python and in SQL where a list filters or counts by them
(tests/test_concern_rules.py checks that the two agree).

**Periods.** An indicator is reported monthly or quarterly. A period is named by its first day; quarters are
April to June, July to September, October to December and January to March (the board's year starts in April).
A period's data point is **due** INDICATOR_DUE_DAYS (30) days after the period ends, and **late** after that day
while it has no value.

**RAG.** An indicator's latest value against its target, by its direction (DOMAIN.md, "Board concern"):

- higher is better: green at or above the target; amber below it but within INDICATOR_AMBER_PERCENT (10) per cent
  of it (at or above target × 0.9); red below that;
- lower is better: green at or below the target; amber above it but within that margin (at or below
  target × 1.1); red above that;
- no value yet: none.

**Quiet.** A concern not closed whose last update or response (or, with none, the day it was raised) is
CONCERN_UPDATE_DAYS (90) days old or more has gone quiet: the members are reminded.
"""

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, CharField, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Round
from django.db.models.lookups import Exact, GreaterThanOrEqual, IsNull, LessThanOrEqual

from concerns.models import Concern, DataPoint, Indicator

Direction = Indicator.Direction
Frequency = Indicator.Frequency


class Rag:
    RED, AMBER, GREEN, NONE = "red", "amber", "green", ""


#: The RAG as a word, as the badge (templates/concerns/includes/rag.html) and the board's papers show it.
RAG_LABELS = {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green", Rag.NONE: "No data yet"}

RAG_WORDS = {
    Rag.RED: "short of the target by more than the margin",
    Rag.AMBER: "short of the target, within the margin",
    Rag.GREEN: "meets the target",
    Rag.NONE: "no value entered yet",
}


def number(value):
    """A value as a person writes it: 22, 24.5 (not 22.00 or 24.50)."""
    return format(Decimal(value).normalize(), "f")


# --- Periods ------------------------------------------------------------------------------------------------


def months_in(frequency):
    return 1 if frequency == Frequency.MONTHLY else 3


def period_of(day, frequency):
    """The first day of the month or quarter (April to June …) that ``day`` falls in."""
    if frequency == Frequency.MONTHLY:
        return day.replace(day=1)
    return day.replace(month=day.month - (day.month - 1) % 3, day=1)


def next_period(period, frequency):
    month = period.month - 1 + months_in(frequency)
    return datetime.date(period.year + month // 12, month % 12 + 1, 1)


def previous_period(period, frequency):
    month = period.month - 1 - months_in(frequency)
    return datetime.date(period.year + month // 12, month % 12 + 1, 1)


def period_end(period, frequency):
    """The last day of the period that begins on ``period``."""
    return next_period(period, frequency) - datetime.timedelta(days=1)


def period_label(period, frequency):
    """"April 2026", or "Apr–Jun 2026" for a quarter."""
    if frequency == Frequency.MONTHLY:
        return f"{calendar.month_name[period.month]} {period.year}"
    end = period_end(period, frequency)
    return f"{calendar.month_abbr[period.month]}–{calendar.month_abbr[end.month]} {end.year}"


def due_on(period, frequency):
    """The day a period's data point is due: INDICATOR_DUE_DAYS after the period ends."""
    return period_end(period, frequency) + datetime.timedelta(days=settings.INDICATOR_DUE_DAYS)


def periods_due(first_period, frequency, on):
    """Every period from ``first_period`` whose data point is due on or before ``on``, oldest first."""
    periods, period = [], period_of(first_period, frequency)
    while due_on(period, frequency) <= on:
        periods.append(period)
        period = next_period(period, frequency)
    return periods


def late_periods(indicator, entered, on):
    """The periods of an active indicator whose data point is past due on ``on`` (its due day is over) and not
    entered (``entered``: the periods that have a value)."""
    if not indicator.is_active:
        return []
    return [p for p in periods_due(indicator.first_period, indicator.frequency, on)
            if p not in entered and due_on(p, indicator.frequency) < on]


def open_periods(indicator, on):
    """The periods a value may be entered for on day ``on``: from the first period to the one ``on`` falls in."""
    periods, period = [], period_of(indicator.first_period, indicator.frequency)
    last = period_of(on, indicator.frequency)
    while period <= last:
        periods.append(period)
        period = next_period(period, indicator.frequency)
    return periods


# --- RAG ----------------------------------------------------------------------------------------------------


def _margin():
    return Decimal(settings.INDICATOR_AMBER_PERCENT) / 100


def margin_percent():
    return settings.INDICATOR_AMBER_PERCENT


def due_days():
    return settings.INDICATOR_DUE_DAYS


def rag(value, target, direction):
    """The RAG of ``value`` against ``target`` (Rag.NONE for no value)."""
    if value is None:
        return Rag.NONE
    if direction == Direction.HIGHER:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= target * (1 - _margin()) else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= target * (1 + _margin()) else Rag.RED


def rag_sql(value, target="target", direction="direction"):
    """rag() as an SQL expression of ``value``, ``target`` and ``direction`` (expressions, or field names).

    The amber bound is compared as value × 100 against target × (100 ∓ margin), both rounded to six places: on
    SQLite, whose decimals are floating point, target × 0.9 can land a hair off the exact bound (2.2 × 0.9 =
    1.9800000000000002) where Python's Decimal is exact; values and targets have two places, so the rounding
    loses nothing."""
    value, target, direction = (F(e) if isinstance(e, str) else e for e in (value, target, direction))
    percent = settings.INDICATOR_AMBER_PERCENT
    higher = Exact(direction, Value(Direction.HIGHER))

    def scaled(expression, factor):
        return Round(expression * Value(factor), 6)

    return Case(
        When(IsNull(value, True), then=Value(Rag.NONE)),
        When(Q(higher, GreaterThanOrEqual(value, target)), then=Value(Rag.GREEN)),
        When(Q(higher, GreaterThanOrEqual(scaled(value, 100), scaled(target, 100 - percent))), then=Value(Rag.AMBER)),
        When(higher, then=Value(Rag.RED)),
        When(LessThanOrEqual(value, target), then=Value(Rag.GREEN)),
        When(LessThanOrEqual(scaled(value, 100), scaled(target, 100 + percent)), then=Value(Rag.AMBER)),
        default=Value(Rag.RED),
        output_field=CharField(),
    )


def latest_point_subquery(field="value"):
    """The ``field`` of an indicator's latest data point (by period), as a subquery on Indicator."""
    return Subquery(DataPoint.objects.filter(indicator=OuterRef("pk")).order_by("-period").values(field)[:1])


def with_rag(indicators):
    """Indicators annotated with ``latest_value``, ``latest_period`` and ``rag`` (rag() in SQL). One query."""
    return indicators.annotate(
        latest_value=latest_point_subquery(), latest_period=latest_point_subquery("period"),
    ).annotate(rag=rag_sql("latest_value"))


# --- Quiet concerns -----------------------------------------------------------------------------------------


def last_activity(raised_on, entry_days):
    """The day of a concern's latest update or response, or the day it was raised when it has none."""
    return max(entry_days, default=raised_on)


def with_last_activity(concerns):
    """last_activity() in SQL, as ``last_activity`` on each concern."""
    return concerns.annotate(last_activity=Coalesce(Max("entries__on"), F("raised_on")))


def quiet_in_sql(concerns, on):
    """The concerns of ``concerns`` (not closed) that have gone quiet on day ``on`` (quiet_days), in SQL, annotated
    with ``last_activity``."""
    cutoff = on - datetime.timedelta(days=settings.CONCERN_UPDATE_DAYS)
    return with_last_activity(concerns.exclude(status=Concern.Status.CLOSED)).filter(last_activity__lte=cutoff)


def quiet_days(last, on):
    """How many days a concern last active on ``last`` has been quiet on ``on``, or None while it is not quiet."""
    days = (on - last).days
    return days if days >= settings.CONCERN_UPDATE_DAYS else None
