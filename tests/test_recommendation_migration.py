"""The data migration that turns each action's free-text recommendation into a link to one of its review's
recommendations (actionplans/migrations/0005_recommendation_link.py): the same text matched within a review
(ignoring case and spaces), the same text in two reviews kept apart, an action with no text left unmatched, the
numbering and whom each is addressed to; and back again."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("actionplans", "0004_action_list_order_index"), ("reviews", "0003_text_limits")]
AFTER = [("actionplans", "0005_recommendation_link")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_world(transactional_db):
    """Two reviews' actions as they were before the migration, with their recommendation as text."""
    apps = _migrate(BEFORE)
    Agency, Review = apps.get_model("accounts", "Agency"), apps.get_model("reviews", "Review")
    ActionPlan, Action = apps.get_model("actionplans", "ActionPlan"), apps.get_model("actionplans", "Action")
    police = Agency.objects.create(name="Police", short_name="Police", kind="police")
    day = datetime.date(2026, 1, 1)

    def review(reference):
        return Review.objects.create(reference=reference, title="Child", incident_category="neglect",
                                     commissioned_on=day)

    def plan(review_obj, agency=None):
        return ActionPlan.objects.create(review=review_obj, kind="single_agency" if agency else "multi_agency",
                                         agency=agency, title="Plan")

    def action(plan_obj, reference, text):
        return Action.objects.create(plan=plan_obj, reference=reference, recommendation=text, description="Do.",
                                     lead_agency=police, target_date=day, original_target_date=day,
                                     success_measure="Done.").pk

    a, b = review("SCR-A"), review("SCR-B")
    a_multi, a_police, b_multi = plan(a), plan(a, police), plan(b)
    ids = {
        # In the order the review's plans list them: 1.10 after 1.9, the multi-agency plan before the police's.
        "A 1.10": action(a_multi, "1.10", "Assess fathers."),
        "A 1.9": action(a_multi, "1.9", "Assess mothers."),
        "A 1.1": action(a_multi, "1.1", "Share information."),
        "A 1.2": action(a_multi, "1.2", "  share   INFORMATION. "),  # matched: the same but for case and spaces
        "A 1.3": action(a_multi, "1.3", "   "),  # unmatched: no text
        "A P.1": action(a_police, "P.1", "Police should check."),
        "A P.2": action(a_police, "P.2", "Police should check."),
        "A P.3": action(a_police, "P.3", "Assess fathers."),  # the same text as a multi-agency action
        "B 1.1": action(b_multi, "1.1", "Share information."),  # a duplicate in another review
    }
    yield ids, police.pk
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_text_is_carried_over_to_numbered_recommendations_matched_within_a_review(old_world):
    ids, police = old_world
    apps = _migrate(AFTER)
    Action, Recommendation = apps.get_model("actionplans", "Action"), apps.get_model("reviews", "Recommendation")
    linked = {name: Action.objects.get(pk=pk).recommendation for name, pk in ids.items()}

    numbered = [(r.number, r.text, r.agency_id, r.response)
                for r in Recommendation.objects.filter(review__reference="SCR-A").order_by("number")]
    assert numbered == [
        (1, "Share information.", None, "awaiting"),
        (2, "Assess mothers.", None, "awaiting"),
        (3, "Assess fathers.", None, "awaiting"),  # in the police's plan and the multi-agency one: the partnership
        (4, "Police should check.", police, "awaiting"),  # only in the police's own plan: to the police
    ]
    assert linked["A 1.1"] == linked["A 1.2"] and linked["A 1.1"].number == 1
    assert linked["A 1.10"] == linked["A P.3"] and linked["A 1.10"].number == 3
    assert linked["A P.1"] == linked["A P.2"] and linked["A P.1"].number == 4
    assert linked["A 1.3"] is None
    # The same text in another review is that review's own recommendation.
    assert linked["B 1.1"].review.reference == "SCR-B" and linked["B 1.1"].number == 1
    assert linked["B 1.1"] != linked["A 1.1"]
    assert Recommendation.objects.count() == 5


def test_going_back_puts_each_actions_text_back(old_world):
    ids, _ = old_world
    _migrate(AFTER)
    apps = _migrate(BEFORE)
    Action = apps.get_model("actionplans", "Action")
    texts = {name: Action.objects.get(pk=pk).recommendation for name, pk in ids.items()}
    assert texts["A 1.1"] == texts["A 1.2"] == texts["B 1.1"] == "Share information."
    assert texts["A P.3"] == "Assess fathers." and texts["A P.2"] == "Police should check."
    assert texts["A 1.3"] == ""
