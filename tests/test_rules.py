"""The domain's numbers at their boundaries (DOMAIN.md, "Lifecycles and the numbers everyone reads").

Every expectation here is a literal worked out by hand, not the code's own formula run again."""

import datetime
import math

import pytest

from actionplans import rules
from actionplans.models import Action
from actionplans.rules import Brag, Figures, Status
from tests import factories

TODAY = datetime.date(2026, 3, 15)


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("status", "offset", "overdue", "rating"),
    [
        (Status.NOT_STARTED, -1, True, Brag.RED),
        (Status.IN_PROGRESS, -1, True, Brag.RED),
        (Status.IN_PROGRESS, 0, False, Brag.AMBER),  # due today is not yet overdue
        (Status.NOT_STARTED, 30, False, Brag.AMBER),  # due in exactly 30 days
        (Status.NOT_STARTED, 31, False, Brag.GREEN),
        (Status.COMPLETED, -10, False, Brag.GREEN),  # the agency says it is done: not overdue
        (Status.COMPLETED, 5, False, Brag.GREEN),
        (Status.VERIFIED, -10, False, Brag.BLUE),
        (Status.VERIFIED, 5, False, Brag.BLUE),
        # A cancelled action is out of every figure, so it has no colour at all, whatever its date.
        (Status.CANCELLED, -10, False, None),
        (Status.CANCELLED, 5, False, None),
        (Status.CANCELLED, 90, False, None),
    ],
)
def test_overdue_and_brag_at_the_boundaries(status, offset, overdue, rating):
    assert rules.is_overdue(status, days(offset), TODAY) is overdue
    assert rules.brag(status, days(offset), TODAY) == rating


def test_days_overdue_counts_from_the_day_after_the_target():
    assert rules.days_overdue(Status.IN_PROGRESS, days(-1), TODAY) == 1
    assert rules.days_overdue(Status.IN_PROGRESS, days(-28), TODAY) == 28
    assert rules.days_overdue(Status.IN_PROGRESS, days(0), TODAY) == 0
    assert rules.days_overdue(Status.COMPLETED, days(-5), TODAY) == 0


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        (5, 8, 63),  # 62.5: half up (Python's round() would give 62, rounding half to even)
        (3, 8, 38),  # 37.5
        (1, 8, 13),  # 12.5 (round() gives 12)
        (1, 200, 1),  # 0.5 (round() gives 0)
        (29, 200, 15),  # 14.5; 29 / 200 * 100 is 14.499999999999998 in floating point: the rule uses integers
        (1, 3, 33),  # 33.33…
        (2, 3, 67),  # 66.66…
        (0, 7, 0),
        (7, 7, 100),
        (199, 200, 100),  # 99.5
    ],
)
def test_percentages_are_whole_numbers_rounded_half_up(numerator, denominator, shown):
    assert rules.percentage(numerator, denominator) == shown


def test_the_rounding_rule_is_not_pythons_round():
    # The rule is stated in rules.py and the README: half up, as a spreadsheet shows it. Python's round()
    # rounds half to even, and floating point puts some halves just below .5; either would fail the literals.
    assert round(100 * 5 / 8) == 62 and rules.percentage(5, 8) == 63
    assert round(100 * 1 / 8) == 12 and rules.percentage(1, 8) == 13
    assert math.floor(29 / 200 * 100 + 0.5) == 14 and rules.percentage(29, 200) == 15  # 14.499999999999998 + 0.5


def test_completion_and_compliance_leave_out_cancelled_actions_and_round_half_up():
    figures = Figures(total=10, cancelled=2, completed=3, verified=2)
    assert figures.counted == 8
    assert figures.done == 5
    assert figures.completion == 63  # 5 of 8 = 62.5%
    assert figures.compliance == 25  # 2 of 8
    three_of_eight = Figures(total=9, cancelled=1, verified=3)
    assert three_of_eight.completion == 38  # 3 of 8 = 37.5%
    assert three_of_eight.compliance == 38
    assert Figures(total=3, completed=1).completion == 33
    assert Figures(total=3, completed=1).compliance == 0
    assert Figures(total=3, completed=1, verified=1).completion == 67
    assert Figures(total=4, cancelled=1, verified=2).compliance == 67


def test_no_actions_means_no_percentage_rather_than_zero():
    assert rules.percentage(0, 0) is None
    assert Figures().completion is None
    assert Figures().compliance is None
    assert Figures(total=3, cancelled=3).compliance is None
    assert Figures(total=3, cancelled=3).completion is None


def test_every_action_verified_is_full_compliance():
    assert Figures(total=4, verified=4).compliance == 100
    assert Figures(total=4, verified=4).completion == 100


def test_brag_counts_give_cancelled_actions_no_colour():
    # 10 actions: 2 cancelled, 3 verified, 2 overdue, 1 due soon; the other 2 of the 8 counted are Green.
    figures = Figures(total=10, cancelled=2, completed=1, verified=3, overdue=2, due_soon=1)
    assert figures.brag_counts == {Brag.BLUE: 3, Brag.RED: 2, Brag.AMBER: 1, Brag.GREEN: 2}
    assert Figures(total=3, cancelled=3).brag_counts == {Brag.BLUE: 0, Brag.RED: 0, Brag.AMBER: 0, Brag.GREEN: 0}
    assert Figures(total=5, cancelled=1).brag_counts == {Brag.BLUE: 0, Brag.RED: 0, Brag.AMBER: 0, Brag.GREEN: 4}


# (reference, status, days from TODAY to the target date, its BRAG rating)
ACTIONS = [
    ("9.0", Status.NOT_STARTED, -1, Brag.RED),
    ("9.1", Status.IN_PROGRESS, 0, Brag.AMBER),
    ("9.2", Status.IN_PROGRESS, 30, Brag.AMBER),
    ("9.3", Status.NOT_STARTED, 31, Brag.GREEN),
    ("9.4", Status.COMPLETED, -3, Brag.GREEN),
    ("9.5", Status.VERIFIED, -3, Brag.BLUE),
    ("9.6", Status.CANCELLED, -3, None),  # would be Red were it open
    ("9.7", Status.CANCELLED, 3, None),  # would be Amber
    ("9.8", Status.CANCELLED, 40, None),  # would be Green
    ("9.9", Status.COMPLETED, 40, Brag.GREEN),
]


@pytest.fixture
def rated_actions(world):
    plan = factories.plan(factories.review())
    for reference, status, offset, _ in ACTIONS:
        factories.action(plan, world.board, reference=reference, status=status, target_date=days(offset))
    return Action.objects.filter(plan=plan)


@pytest.mark.django_db
def test_each_action_has_the_rating_worked_out_by_hand(rated_actions):
    assert {a.reference: a.brag(TODAY) for a in rated_actions} == {ref: rating for ref, _, _, rating in ACTIONS}


@pytest.mark.django_db
def test_the_query_rules_give_the_same_ratings_and_figures(rated_actions):
    figures = Figures(total=10, cancelled=3, completed=2, verified=1, overdue=1, due_soon=2)
    assert rules.figures_for(rated_actions, TODAY) == figures
    assert rules.figures_in_python(rated_actions, TODAY) == figures
    assert figures.brag_counts == {Brag.BLUE: 1, Brag.RED: 1, Brag.AMBER: 2, Brag.GREEN: 3}

    def selected(rating):
        return set(rated_actions.filter(rules.brag_q(rating, TODAY)).values_list("reference", flat=True))

    assert selected(Brag.BLUE) == {"9.5"}
    assert selected(Brag.RED) == {"9.0"}
    assert selected(Brag.AMBER) == {"9.1", "9.2"}
    assert selected(Brag.GREEN) == {"9.3", "9.4", "9.9"}  # not the cancelled 9.8, although it is not overdue

    annotated = dict(rated_actions.annotate(rating=rules.brag_expression(TODAY)).values_list("reference", "rating"))
    assert annotated == {
        "9.0": "red", "9.1": "amber", "9.2": "amber", "9.3": "green", "9.4": "green", "9.5": "blue",
        "9.6": None, "9.7": None, "9.8": None, "9.9": "green",
    }
    assert rated_actions.annotate(rating=rules.brag_expression(TODAY)).filter(rating__isnull=True).count() == 3


@pytest.mark.django_db
def test_figures_of_an_empty_set():
    figures = rules.figures_for(Action.objects.none(), TODAY)
    assert figures == Figures()
    assert figures.compliance is None
    assert figures.brag_counts == {Brag.BLUE: 0, Brag.RED: 0, Brag.AMBER: 0, Brag.GREEN: 0}
