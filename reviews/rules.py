"""The learning cycle's numbers (DOMAIN.md, "The learning cycle"), defined here once, in Python for one object and
in SQL for lists and counts, tested to agree (tests/test_learning_rules.py), as actionplans.rules does for actions.

A recommendation is a **gap** when the board has not declined it (any response but "not accepted", including none
yet) and no live action carries it out: it has no action, or all of its actions are cancelled.
"""

from django.db.models import Count, Exists, OuterRef, Q

from actionplans.rules import Status
from reviews.models import Recommendation

Response = Recommendation.Response


def is_live(status):
    """An action that carries its recommendation out: any but a cancelled one."""
    return status != Status.CANCELLED


def live_count(statuses):
    """How many of actions in these statuses are live."""
    return sum(is_live(status) for status in statuses)


def is_gap(response, live_actions):
    """Is a recommendation with this response, carried out by this many live actions, a gap?"""
    return response != Response.NOT_ACCEPTED and not live_actions


def live_action_q(prefix=""):
    """The live actions (is_live), as a filter on actions (``prefix`` leads from another model to them)."""
    return ~Q(**{f"{prefix}status": Status.CANCELLED})


def gap_q():
    """The recommendations that are gaps (is_gap), as a filter on recommendations."""
    from actionplans.models import Action

    live = Action.objects.filter(live_action_q(), recommendation=OuterRef("pk"))
    return ~Q(response=Response.NOT_ACCEPTED) & ~Exists(live)


def with_live_actions(recommendations):
    """Each recommendation annotated with ``live_actions``: how many live actions carry it out, over all actions
    (a gap is the board's fact, whoever reads it). One query with the recommendations."""
    return recommendations.annotate(live_actions=Count("actions", filter=live_action_q("actions__"), distinct=True))

