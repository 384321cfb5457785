"""Two members write the same recommendation at once (the board's response, or a new recommendation under the same
number): real requests on two connections, released together (tests/test_races.py's machinery), on PostgreSQL.
Each time exactly one is saved; the other is told why and nothing of theirs is written."""

import pytest
from django.urls import reverse

from accounts.models import Role
from reviews.models import Recommendation
from tests import factories
from tests.test_races import at_once, concurrent_db, opened  # noqa: F401 - concurrent_db is a fixture

TRIES = 6


def opened_with(name, user, url, **fields):
    """``user`` opens the form's page, and will post it with ``fields`` (the form's own field ``text`` among them)."""
    side = opened(name, user, url, url, "")
    side.data.update(fields)
    return side


@pytest.fixture
def members(concurrent_db, world):  # noqa: F811
    world.member2 = factories.user(Role.MEMBER, username="member2")
    return world


def test_two_responses_to_one_recommendation_at_once_one_is_saved_the_other_refused(members):
    w = members
    outcomes = []
    for n in range(TRIES):
        recommendation = factories.recommendation(w.review, response=Recommendation.Response.AWAITING,
                                                  responded_on=None)
        url = reverse("reviews:recommendation_edit", args=[recommendation.pk])
        common = {"number": recommendation.number, "text": recommendation.text, "agency": "",
                  "responded_on": "2026-03-02"}
        first = opened_with("accept", w.member, url, **common, response="accepted", response_reasons="")
        second = opened_with("decline", w.member2, url, **common, response="not_accepted",
                             response_reasons=f"Covered by the protocol ({n}).")
        at_once(first, second)
        saved = [side for side in (first, second) if side.response.status_code == 302]
        refused = [side for side in (first, second) if side.response.status_code == 200]
        assert len(saved) == 1 and len(refused) == 1, [side.response.status_code for side in (first, second)]
        assert "Someone else saved this after you opened it" in refused[0].response.content.decode()
        recommendation.refresh_from_db()
        expected = "accepted" if saved[0] is first else "not_accepted"
        assert recommendation.response == expected
        outcomes.append(saved[0].name)
    print(f"\nrecommendation response race: {TRIES} tries, winners {sorted(outcomes)}")


def test_two_new_recommendations_with_one_number_at_once_one_is_saved_the_other_told(members):
    w = members
    for n in range(TRIES):
        review = factories.review()
        url = reverse("reviews:recommendation_create", args=[review.pk])
        data = {"number": "1", "agency": "", "response": "awaiting", "responded_on": "", "response_reasons": ""}
        first = opened_with("first", w.member, url, **data, text=f"Share information ({n}).")
        second = opened_with("second", w.member2, url, **data, text=f"Assess fathers ({n}).")
        at_once(first, second)
        codes = sorted(side.response.status_code for side in (first, second))
        assert codes == [200, 302], codes
        refused = next(side for side in (first, second) if side.response.status_code == 200)
        assert f"{review.reference} already has a recommendation" in refused.response.content.decode()
        assert review.recommendations.count() == 1
