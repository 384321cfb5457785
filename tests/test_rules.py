"""The domain's numbers at their boundaries (DOMAIN.md, "Lifecycles and the numbers everyone reads")."""

import datetime

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
        (Status.CANCELLED, -10, False, Brag.GREEN),
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


def test_completion_and_compliance_leave_out_cancelled_actions():
    figures = Figures(total=10, cancelled=2, completed=3, verified=2)
    assert figures.counted == 8
    assert figures.completion == round(100 * 5 / 8)
    assert figures.compliance == 25


def test_no_actions_means_no_percentage_rather_than_zero():
    assert Figures().completion is None
    assert Figures().compliance is None
    assert Figures(total=3, cancelled=3).compliance is None


def test_every_action_verified_is_full_compliance():
    assert Figures(total=4, verified=4).compliance == 100
    assert Figures(total=4, verified=4).completion == 100


@pytest.mark.django_db
def test_query_rules_agree_with_the_python_rules(world):
    plan = world.multi_plan
    for n, (status, offset) in enumerate(
        [
            (Status.NOT_STARTED, -1),
            (Status.IN_PROGRESS, 0),
            (Status.IN_PROGRESS, 30),
            (Status.NOT_STARTED, 31),
            (Status.COMPLETED, -3),
            (Status.VERIFIED, -3),
            (Status.CANCELLED, -3),
            (Status.CANCELLED, 3),
        ]
    ):
        factories.action(plan, world.board, reference=f"9.{n}", status=status, target_date=days(offset))
    actions = Action.objects.all()
    assert rules.figures_for(actions, TODAY) == rules.figures_in_python(actions, TODAY)
    for rating in Brag:
        in_sql = set(actions.filter(rules.brag_q(rating, TODAY)).values_list("pk", flat=True))
        in_python = {a.pk for a in actions if a.brag(TODAY) == rating}
        assert in_sql == in_python, rating
    annotated = {a.pk: a.rating for a in actions.annotate(rating=rules.brag_expression(TODAY))}
    assert annotated == {a.pk: a.brag(TODAY).value for a in actions}


@pytest.mark.django_db
def test_figures_of_an_empty_set():
    figures = rules.figures_for(Action.objects.none(), TODAY)
    assert figures.total == 0
    assert figures.compliance is None
