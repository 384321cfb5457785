"""The numbers of board concerns (concerns/rules.py): an indicator's periods (months, and quarters from April),
when a period's value is due and when it is late, and its RAG against the target, at every boundary.

The RAG is defined twice, in Python (``rules.rag``, for a page) and in SQL (``rules.with_rag``, for the register's
filters and figures): each case below is played through both, on a real Indicator row with one DataPoint, so that
the two agree case by case on whichever database runs the tests (SQLite and PostgreSQL alike).
"""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from concerns import rules
from concerns.models import Concern, DataPoint, Indicator
from tests import factories

MONTHLY, QUARTERLY = Indicator.Frequency.MONTHLY, Indicator.Frequency.QUARTERLY
HIGHER, LOWER = Indicator.Direction.HIGHER, Indicator.Direction.LOWER
GREEN, AMBER, RED, NONE = rules.Rag.GREEN, rules.Rag.AMBER, rules.Rag.RED, rules.Rag.NONE


def d(text):
    return datetime.date.fromisoformat(text)


def days(n):
    return datetime.timedelta(days=n)


# --- periods -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monthly", "quarterly"),
    [
        ("2026-02-15", "2026-02-01", "2026-01-01"),
        ("2026-01-01", "2026-01-01", "2026-01-01"),
        ("2026-03-31", "2026-03-01", "2026-01-01"),
        ("2026-04-01", "2026-04-01", "2026-04-01"),
        ("2026-06-30", "2026-06-01", "2026-04-01"),
        ("2026-07-01", "2026-07-01", "2026-07-01"),
        ("2026-09-30", "2026-09-01", "2026-07-01"),
        ("2025-10-01", "2025-10-01", "2025-10-01"),
        ("2025-12-31", "2025-12-01", "2025-10-01"),
        ("2028-02-29", "2028-02-01", "2028-01-01"),
    ],
)
def test_period_of_a_day_is_the_first_day_of_its_month_or_quarter(day, monthly, quarterly):
    assert rules.period_of(d(day), MONTHLY) == d(monthly)
    assert rules.period_of(d(day), QUARTERLY) == d(quarterly)


@pytest.mark.parametrize("first", ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"])
def test_quarters_start_in_january_april_july_and_october(first):
    start = d(first)
    for offset in range(0, 92):
        day = start + days(offset)
        if rules.period_end(start, QUARTERLY) >= day:
            assert rules.period_of(day, QUARTERLY) == start


@pytest.mark.parametrize(
    ("period", "frequency", "following"),
    [
        ("2026-01-01", MONTHLY, "2026-02-01"),
        ("2025-11-01", MONTHLY, "2025-12-01"),
        ("2025-12-01", MONTHLY, "2026-01-01"),
        ("2026-04-01", QUARTERLY, "2026-07-01"),
        ("2026-07-01", QUARTERLY, "2026-10-01"),
        ("2025-10-01", QUARTERLY, "2026-01-01"),
        ("2026-01-01", QUARTERLY, "2026-04-01"),
    ],
)
def test_next_and_previous_period_step_one_month_or_quarter_across_the_year_end(period, frequency, following):
    assert rules.next_period(d(period), frequency) == d(following)
    assert rules.previous_period(d(following), frequency) == d(period)


def test_previous_period_of_january_is_last_december_or_last_october():
    assert rules.previous_period(d("2026-01-01"), MONTHLY) == d("2025-12-01")
    assert rules.previous_period(d("2026-01-01"), QUARTERLY) == d("2025-10-01")


@pytest.mark.parametrize(
    ("period", "frequency", "end"),
    [
        ("2026-01-01", MONTHLY, "2026-01-31"),
        ("2026-02-01", MONTHLY, "2026-02-28"),
        ("2028-02-01", MONTHLY, "2028-02-29"),
        ("2026-04-01", MONTHLY, "2026-04-30"),
        ("2025-12-01", MONTHLY, "2025-12-31"),
        ("2026-01-01", QUARTERLY, "2026-03-31"),
        ("2026-04-01", QUARTERLY, "2026-06-30"),
        ("2026-07-01", QUARTERLY, "2026-09-30"),
        ("2025-10-01", QUARTERLY, "2025-12-31"),
    ],
)
def test_period_end_is_the_last_day_of_the_month_or_quarter(period, frequency, end):
    assert rules.period_end(d(period), frequency) == d(end)


@pytest.mark.parametrize(
    ("period", "frequency", "label"),
    [
        ("2026-04-01", MONTHLY, "April 2026"),
        ("2025-12-01", MONTHLY, "December 2025"),
        ("2026-04-01", QUARTERLY, "Apr–Jun 2026"),
        ("2026-07-01", QUARTERLY, "Jul–Sep 2026"),
        ("2025-10-01", QUARTERLY, "Oct–Dec 2025"),
        ("2026-01-01", QUARTERLY, "Jan–Mar 2026"),
    ],
)
def test_period_label_names_the_month_or_the_quarter_with_its_year(period, frequency, label):
    assert rules.period_label(d(period), frequency) == label


@pytest.mark.parametrize(
    ("period", "frequency", "due"),
    [
        ("2026-04-01", QUARTERLY, "2026-07-30"),  # 30 June + 30 days
        ("2026-01-01", QUARTERLY, "2026-04-30"),
        ("2025-10-01", QUARTERLY, "2026-01-30"),  # across the year end
        ("2026-01-01", MONTHLY, "2026-03-02"),  # 31 January + 30 days: February has 28
        ("2026-12-01", MONTHLY, "2027-01-30"),
    ],
)
def test_a_value_is_due_30_days_after_its_period_ends_by_default(period, frequency, due):
    assert rules.due_days() == 30
    assert rules.due_on(d(period), frequency) == d(due)
    assert rules.due_on(d(period), frequency) == rules.period_end(d(period), frequency) + days(30)


def test_the_due_days_come_from_the_setting(settings):
    settings.INDICATOR_DUE_DAYS = 0
    assert rules.due_on(d("2026-04-01"), QUARTERLY) == d("2026-06-30")
    settings.INDICATOR_DUE_DAYS = 45
    assert rules.due_days() == 45
    assert rules.due_on(d("2026-04-01"), QUARTERLY) == d("2026-08-14")


def test_periods_due_at_the_boundary_of_the_due_day():
    first = d("2026-01-01")  # Jan–Mar due 30 April; Apr–Jun due 30 July
    assert rules.periods_due(first, QUARTERLY, d("2026-04-29")) == []
    assert rules.periods_due(first, QUARTERLY, d("2026-04-30")) == [first]
    assert rules.periods_due(first, QUARTERLY, d("2026-05-01")) == [first]
    assert rules.periods_due(first, QUARTERLY, d("2026-07-29")) == [first]
    assert rules.periods_due(first, QUARTERLY, d("2026-07-30")) == [first, d("2026-04-01")]


def test_periods_due_monthly_across_the_year_end_oldest_first():
    first = d("2025-10-01")
    on = d("2026-01-30")  # December's due day
    assert rules.periods_due(first, MONTHLY, on) == [d("2025-10-01"), d("2025-11-01"), d("2025-12-01")]
    assert rules.periods_due(first, MONTHLY, on - days(1)) == [d("2025-10-01"), d("2025-11-01")]


def test_periods_due_start_from_the_period_containing_the_first_period():
    # A first period that is not a period's first day counts from the period it falls in.
    assert rules.periods_due(d("2026-02-15"), QUARTERLY, d("2026-04-30")) == [d("2026-01-01")]


def indicator(first_period, frequency=QUARTERLY, is_active=True):
    """An unsaved indicator: late_periods and open_periods read only these fields."""
    return Indicator(first_period=d(first_period), frequency=frequency, is_active=is_active, target=Decimal(1),
                     direction=HIGHER)


def test_a_value_is_not_late_the_day_before_it_is_due():
    apr_jun = indicator("2026-04-01")
    assert rules.late_periods(apr_jun, set(), d("2026-07-29")) == []


def test_a_value_is_not_late_on_the_day_it_is_due():
    """Due 30 days after the period ends, late *after* that day (rules' docstring, README, settings' docs)."""
    apr_jun = indicator("2026-04-01")
    assert rules.due_on(d("2026-04-01"), QUARTERLY) == d("2026-07-30")
    assert rules.late_periods(apr_jun, set(), d("2026-07-30")) == [], "late on its due day, not after it"


def test_a_value_is_late_the_day_after_it_is_due():
    apr_jun = indicator("2026-04-01")
    assert rules.late_periods(apr_jun, set(), d("2026-07-31")) == [d("2026-04-01")]


def test_a_value_entered_is_never_late():
    apr_jun = indicator("2026-04-01")
    assert rules.late_periods(apr_jun, {d("2026-04-01")}, d("2026-12-31")) == [d("2026-07-01")]
    assert rules.late_periods(apr_jun, {d("2026-04-01"), d("2026-07-01")}, d("2026-12-31")) == []


def test_the_late_periods_are_every_past_due_period_without_a_value_oldest_first():
    monthly = indicator("2025-11-01", MONTHLY)
    on = d("2026-03-15")  # November to January due; February due 30 March
    assert rules.late_periods(monthly, {d("2025-12-01")}, on) == [d("2025-11-01"), d("2026-01-01")]


def test_an_indicator_no_longer_reported_is_never_late():
    stopped = indicator("2025-01-01", is_active=False)
    assert rules.periods_due(stopped.first_period, QUARTERLY, d("2026-12-31"))  # periods due, but none late
    assert rules.late_periods(stopped, set(), d("2026-12-31")) == []
    assert rules.late_periods(indicator("2025-01-01", MONTHLY, is_active=False), set(), d("2030-01-01")) == []


@pytest.mark.parametrize(
    ("first", "frequency", "on", "expected"),
    [
        ("2026-04-01", QUARTERLY, "2026-04-01", ["2026-04-01"]),
        ("2026-04-01", QUARTERLY, "2026-06-30", ["2026-04-01"]),
        ("2026-04-01", QUARTERLY, "2026-07-01", ["2026-04-01", "2026-07-01"]),
        ("2025-10-01", QUARTERLY, "2026-02-15", ["2025-10-01", "2026-01-01"]),
        ("2025-11-01", MONTHLY, "2026-02-15", ["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"]),
        ("2026-05-01", MONTHLY, "2026-04-30", []),  # the first period has not begun
    ],
)
def test_open_periods_run_from_the_first_period_to_the_one_containing_the_day(first, frequency, on, expected):
    assert rules.open_periods(indicator(first, frequency), d(on)) == [d(p) for p in expected]


# --- RAG: Python and SQL, case by case ---------------------------------------------------------------------------

# (value, target, direction, RAG) at the default margin of 10 per cent.
RAG_CASES = [
    ("40", "40", HIGHER, GREEN),
    ("40.01", "40", HIGHER, GREEN),
    ("39.99", "40", HIGHER, AMBER),
    ("36", "40", HIGHER, AMBER),  # exactly target × 0.9
    ("35.99", "40", HIGHER, RED),
    ("0", "40", HIGHER, RED),
    (None, "40", HIGHER, NONE),
    ("18", "18", LOWER, GREEN),
    ("17", "18", LOWER, GREEN),
    ("18.01", "18", LOWER, AMBER),
    ("19.8", "18", LOWER, AMBER),  # exactly target × 1.1
    ("19.81", "18", LOWER, RED),
    (None, "18", LOWER, NONE),
    ("0", "0", HIGHER, GREEN),
    ("0.01", "0", HIGHER, GREEN),
    ("-0.01", "0", HIGHER, RED),  # no margin around a target of 0
    ("0", "0", LOWER, GREEN),
    ("0.01", "0", LOWER, RED),
    ("-3", "0", LOWER, GREEN),
    ("11.25", "12.5", HIGHER, AMBER),  # exactly target × 0.9, a target with decimals
    ("13.75", "12.5", LOWER, AMBER),  # exactly target × 1.1
    ("1.98", "2.2", HIGHER, AMBER),  # exactly target × 0.9, where 2.2 × 0.9 in floating point is 1.9800000000000002
    ("1.97", "2.2", HIGHER, RED),
    ("0.72", "0.8", HIGHER, AMBER),  # the same in floating point: 0.7200000000000001
]


def case_id(case):
    value, target, direction, expected = case
    return f"{direction}-{target}-{value}-{expected or 'none'}"


def dec(text):
    return None if text is None else Decimal(text)


@pytest.mark.parametrize("case", RAG_CASES, ids=case_id)
def test_rag_in_python_at_the_boundaries(case):
    value, target, direction, expected = case
    assert rules.rag(dec(value), Decimal(target), direction) == expected


@pytest.fixture
def concern(db):
    member = factories.user(Role.MEMBER)
    return Concern.objects.create(
        title="Social workers' caseloads", description="Caseloads above the agreed maximum.",
        raised_with="The Director of Children's Services", raised_on=d("2026-01-15"),
        source=Concern.Source.SECTION_11, created_by=member,
    )


def indicator_row(concern, target, direction, values=(), first_period="2025-01-01"):
    """A saved quarterly indicator with a data point per value, one quarter apart from ``first_period``."""
    row = Indicator.objects.create(
        concern=concern, name=f"Indicator {target} {direction}", unit="cases", target=Decimal(target),
        direction=direction, owner=factories.agency(), frequency=QUARTERLY, first_period=d(first_period),
        created_by=concern.created_by,
    )
    period = row.first_period
    for value in values:
        DataPoint.objects.create(indicator=row, period=period, value=Decimal(value), entered_by=concern.created_by)
        period = rules.next_period(period, QUARTERLY)
    return row


def rag_in_sql(row):
    return rules.with_rag(Indicator.objects.filter(pk=row.pk)).get()


@pytest.mark.parametrize("case", RAG_CASES, ids=case_id)
def test_rag_in_sql_agrees_with_python_at_the_boundaries(concern, case):
    value, target, direction, expected = case
    row = indicator_row(concern, target, direction, [] if value is None else [value])
    annotated = rag_in_sql(row)
    python = rules.rag(annotated.latest_value, annotated.target, annotated.direction)
    assert (annotated.rag, python) == (expected, expected)
    assert annotated.latest_value == dec(value)


def test_rag_in_sql_agrees_with_python_for_every_case_in_one_query(concern, django_assert_num_queries):
    rows = {
        indicator_row(concern, target, direction, [] if value is None else [value]).pk: case
        for case in RAG_CASES
        for value, target, direction, _ in [case]
    }
    with django_assert_num_queries(1):
        annotated = list(rules.with_rag(Indicator.objects.filter(pk__in=rows)))
    disagreeing = [
        (case_id(rows[row.pk]), row.rag, rules.rag(row.latest_value, row.target, row.direction))
        for row in annotated
        if row.rag != rules.rag(row.latest_value, row.target, row.direction) or row.rag != rows[row.pk][3]
    ]
    assert len(annotated) == len(RAG_CASES)
    assert disagreeing == []


def test_the_rag_is_the_latest_periods_value_in_sql_and_python(concern):
    # Red in the first quarter, green in the second, amber in the third: the latest decides.
    row = indicator_row(concern, "40", HIGHER, ["10", "45", "37"])
    annotated = rag_in_sql(row)
    assert (annotated.latest_value, annotated.latest_period) == (Decimal("37"), d("2025-07-01"))
    assert annotated.rag == rules.rag(annotated.latest_value, annotated.target, annotated.direction) == AMBER


# With the margin at 20 per cent: target × 0.8 and target × 1.2 are the new boundaries.
WIDER_CASES = [
    ("36", "40", HIGHER, AMBER),
    ("32", "40", HIGHER, AMBER),
    ("31.99", "40", HIGHER, RED),
    ("21.6", "18", LOWER, AMBER),
    ("21.61", "18", LOWER, RED),
    ("19.81", "18", LOWER, AMBER),  # red at 10 per cent
]

# With no margin: anything short of the target is red.
NO_MARGIN_CASES = [
    ("40", "40", HIGHER, GREEN),
    ("39.99", "40", HIGHER, RED),
    ("18", "18", LOWER, GREEN),
    ("18.01", "18", LOWER, RED),
]


@pytest.mark.parametrize(
    ("percent", "case"),
    [(20, case) for case in WIDER_CASES] + [(0, case) for case in NO_MARGIN_CASES],
    ids=lambda item: case_id(item) if isinstance(item, tuple) else f"{item}%",
)
def test_a_changed_amber_margin_moves_the_boundary_in_python_and_sql(settings, concern, percent, case):
    value, target, direction, expected = case
    row = indicator_row(concern, target, direction, [value])
    settings.INDICATOR_AMBER_PERCENT = percent
    assert rules.margin_percent() == percent
    assert rules.rag(Decimal(value), Decimal(target), direction) == expected
    assert rag_in_sql(row).rag == expected


def test_the_default_margin_is_10_per_cent():
    assert rules.margin_percent() == 10
    assert rules.rag(Decimal("36"), Decimal("40"), HIGHER) == AMBER
    assert rules.rag(Decimal("35.99"), Decimal("40"), HIGHER) == RED
