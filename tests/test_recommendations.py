"""Recommendations and the board's response (issue 13, the learning cycle): the gap rule in Python and SQL, the
forms and what they refuse, the review page, the recommendations list and its fixed queries, and the dashboard's
and the board report's figures followed to the list behind them."""

import re
from html import escape as html_escape

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import lifecycle
from actionplans.rules import Status
from audit.services import history_of
from reviews import rules as learning_rules
from reviews.models import Recommendation, Review
from tests import factories

Response = Recommendation.Response

#: (name, response, statuses of the actions that answer it, is it a gap?)
GAP_CASES = [
    ("no action, awaiting a response", Response.AWAITING, [], True),
    ("no action, accepted", Response.ACCEPTED, [], True),
    ("no action, accepted in part", Response.ACCEPTED_IN_PART, [], True),
    ("no action, not accepted", Response.NOT_ACCEPTED, [], False),
    ("its only action cancelled", Response.ACCEPTED, [Status.CANCELLED], True),
    ("all of its actions cancelled", Response.ACCEPTED, [Status.CANCELLED, Status.CANCELLED], True),
    ("one live action beside a cancelled one", Response.ACCEPTED, [Status.CANCELLED, Status.NOT_STARTED], False),
    ("a verified action", Response.ACCEPTED, [Status.VERIFIED], False),
    ("a completed action, awaiting a response", Response.AWAITING, [Status.COMPLETED], False),
    ("not accepted, with an action all the same", Response.NOT_ACCEPTED, [Status.IN_PROGRESS], False),
    ("not accepted, its action cancelled", Response.NOT_ACCEPTED, [Status.CANCELLED], False),
]


@pytest.fixture
def cases(world):
    """A recommendation of the world's review per GAP_CASES row, answered by actions in those statuses."""
    built = []
    for i, (name, response, statuses, gap) in enumerate(GAP_CASES):
        answered = response != Response.AWAITING
        recommendation = factories.recommendation(
            world.review, response=response, responded_on=world.review.finalised_on if answered else None,
            response_reasons="Covered elsewhere." if response in Recommendation.REASONED else "",
        )
        for j, status in enumerate(statuses):
            factories.action(world.multi_plan, world.police, reference=f"G{i}.{j}", status=status,
                             recommendation=recommendation)
        built.append((name, recommendation, statuses, gap))
    return built


def test_the_gap_rule_in_python_and_in_sql_agree_case_by_case(cases):
    in_sql = set(Recommendation.objects.filter(learning_rules.gap_q()).values_list("pk", flat=True))
    annotated = {r.pk: r for r in learning_rules.with_live_actions(Recommendation.objects.all())}
    for name, recommendation, statuses, gap in cases:
        in_python = learning_rules.is_gap(recommendation.response, learning_rules.live_count(statuses))
        assert in_python is gap, name
        assert (recommendation.pk in in_sql) is gap, name
        assert annotated[recommendation.pk].live_actions == learning_rules.live_count(statuses), name


def test_cancelling_the_last_live_action_opens_a_gap_and_reinstating_it_closes_it(world):
    recommendation = world.multi_action.recommendation

    def is_gap():
        return Recommendation.objects.filter(learning_rules.gap_q(), pk=recommendation.pk).exists()

    assert not is_gap()
    lifecycle.cancel(action=world.multi_action, actor=world.member, reason="Superseded.",
                     seen_status=world.multi_action.status)
    assert is_gap()
    world.multi_action.refresh_from_db()
    lifecycle.reinstate(action=world.multi_action, actor=world.member, status=Status.IN_PROGRESS, note="Back.",
                        seen_status=Status.CANCELLED)
    assert not is_gap()


def _form(recommendation, **changes):
    data = {
        "number": recommendation.number, "text": recommendation.text, "agency": recommendation.agency_id or "",
        "response": recommendation.response, "responded_on": (recommendation.responded_on or "") and
        recommendation.responded_on.isoformat(), "response_reasons": recommendation.response_reasons,
        "loaded_version": factories.loaded_version(recommendation),
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"response": "not_accepted", "response_reasons": ""},
         "Say why the recommendation is not accepted: the reasons are part of the board&#x27;s response."),
        ({"response": "accepted_in_part", "response_reasons": "  "},
         "Say why the recommendation is accepted in part"),
        ({"response": "accepted", "responded_on": ""}, "Give the date of the board&#x27;s response."),
        ({"number": "0"}, "Recommendations are numbered from 1."),
        ({"text": "   "}, "This field is required."),
        ({"number": "2"}, "already has a recommendation 2."),
    ],
    ids=["not-accepted-without-reasons", "in-part-without-reasons", "no-date", "number-0", "no-text",
         "number-taken"],
)
def test_a_bad_recommendation_is_refused_with_a_message_and_nothing_changes(client, world, changes, message):
    first = world.recommendation  # number 1; the world's review has a recommendation 2 too
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(reverse("reviews:recommendation_edit", args=[first.pk]), _form(first, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert factories.db_state() == before


def test_a_member_records_the_boards_response_and_the_change_is_on_record(client, world):
    recommendation = world.recommendation
    client.force_login(world.member)
    response = client.post(
        reverse("reviews:recommendation_edit", args=[recommendation.pk]),
        _form(recommendation, response="accepted_in_part", responded_on="2026-03-02",
              response_reasons="Training yes; a new post no."),
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.response, recommendation.response_reasons) == (
        Response.ACCEPTED_IN_PART, "Training yes; a new post no.")
    record = history_of(recommendation).first()
    assert record.actor == world.member
    assert record.changes["the board's response"] == ["Accepted", "Accepted in part"]
    assert record.changes["reasons"] == ["—", "Training yes; a new post no."]
    page = client.get(reverse("reviews:recommendation_edit", args=[recommendation.pk])).content.decode()
    assert "The board&#x27;s response changed from Accepted to Accepted in part by Test User" in page


def test_a_form_opened_before_someone_elses_save_is_refused(client, world):
    recommendation = world.recommendation
    client.force_login(world.member)
    stale = _form(recommendation, response_reasons="", text="The first member's wording.")
    other = factories.user(role="member", username="member2")
    client.force_login(other)
    assert client.post(reverse("reviews:recommendation_edit", args=[recommendation.pk]),
                       _form(recommendation, text="The second member's wording.")).status_code == 302
    client.force_login(world.member)
    response = client.post(reverse("reviews:recommendation_edit", args=[recommendation.pk]), stale)
    assert response.status_code == 200
    assert "Someone else saved this after you opened it, so nothing of yours was saved." in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.text == "The second member's wording."


@pytest.mark.parametrize("check", ["the model's check", "the database's constraint"])
def test_a_number_taken_after_the_form_was_checked_is_refused_with_the_forms_message(client, world, monkeypatch, check):
    """Another member saves number N between this form's check and its save: whichever rule catches it (the
    model's full_clean, or the unique constraint when both pass full_clean at once), the member reads one
    message naming the review and the number, on the number field, and only the other recommendation exists."""
    from reviews import services

    review = factories.review()
    real_create = services.recommendation_create

    def rival_first(*, review, actor, **values):
        factories.recommendation(review, number=values["number"], text="The other member's recommendation.")
        if check == "the database's constraint":
            monkeypatch.setattr(Recommendation, "validate_constraints", lambda self, exclude=None: None)
        return real_create(review=review, actor=actor, **values)

    monkeypatch.setattr(services, "recommendation_create", rival_first)
    client.force_login(world.member)
    response = client.post(reverse("reviews:recommendation_create", args=[review.pk]), {
        "number": "1", "text": "Share information.", "agency": "", "response": "awaiting", "responded_on": "",
        "response_reasons": "", "loaded_version": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [f"{review.reference} already has a recommendation 1."]
    assert list(review.recommendations.values_list("text", flat=True)) == ["The other member's recommendation."]


def test_a_new_recommendation_is_numbered_after_the_others_by_default(client, world):
    client.force_login(world.member)
    highest = world.review.recommendations.order_by("-number").first().number
    response = client.get(reverse("reviews:recommendation_create", args=[world.review.pk]))
    assert response.context["form"]["number"].value() == highest + 1


def test_an_action_answers_only_a_recommendation_of_its_own_review(client, world):
    elsewhere = factories.recommendation(factories.review(), text="Another review's recommendation.")
    police_only = factories.recommendation(world.review, agency=world.police, text="Police should check.")
    client.force_login(world.member)
    url = reverse("actionplans:action_edit", args=[world.health_action.pk])
    page = client.get(url)
    offered = set(page.context["form"].fields["recommendation"].queryset)
    assert elsewhere not in offered and police_only not in offered  # the health plan: not the police's
    assert world.recommendation in offered
    response = client.post(url, factories.action_edit_data(world.health_action, recommendation=elsewhere.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    world.health_action.refresh_from_db()
    assert world.health_action.recommendation != elsewhere


def test_the_review_page_shows_each_recommendation_with_its_response_actions_and_gap(client, world, cases):
    client.force_login(world.chair)
    response = client.get(reverse("reviews:detail", args=[world.review.pk]))
    html = response.content.decode()
    shown = {r.pk: r for r in response.context["recommendations"]}
    for name, recommendation, _statuses, gap in cases:
        assert shown[recommendation.pk].gap is gap, name
        item = re.search(rf'id="recommendation-{recommendation.number}">(.*?)</li>', html, re.S).group(1)
        assert ("Gap: no live action" in item) is gap, name
        assert html_escape(recommendation.get_response_display()) in item
    gaps = sum(gap for *_, gap in cases)
    assert f"{gaps} recommendations have no live action" in html
    assert response.context["gaps"] == gaps


def test_actions_that_answer_no_recommendation_are_named_on_the_review_page(client, world):
    orphan = factories.action(world.multi_plan, world.police, reference="1.9", recommendation=None)
    client.force_login(world.member)
    html = client.get(reverse("reviews:detail", args=[world.review.pk])).content.decode()
    assert re.search(rf'Actions that answer no recommendation: <a href="{orphan.get_absolute_url()}">1\.9</a>', html)


# --- The list, the dashboard and the report ----------------------------------------------------------------------


def _listed(client, query=""):
    response = client.get(reverse("reviews:recommendations") + query)
    assert response.status_code == 200
    return response


def test_the_dashboards_gap_figure_opens_the_list_of_exactly_those_recommendations(client, world, cases):
    client.force_login(world.chair)
    counts = client.get(reverse("dashboard:index")).context["overview"]
    html = counts
    gaps = Recommendation.objects.filter(learning_rules.gap_q()).count()
    awaiting = Recommendation.objects.filter(response=Response.AWAITING).count()
    assert gaps == sum(gap for *_, gap in cases) and awaiting >= 2
    link = re.search(r'<dt>With no live action</dt><dd><a href="([^"]+)"[^>]*>(\d+)</a>', html)
    assert int(link.group(2)) == gaps
    listed = _listed(client, link.group(1)[len(reverse("reviews:recommendations")):])
    assert listed.context["page"].paginator.count == gaps
    assert all(r.gap for r in listed.context["page"])
    link = re.search(r"<dt>Awaiting the board's response</dt><dd><a href=\"([^\"]+)\">(\d+)</a>", html)
    assert int(link.group(2)) == awaiting
    listed = _listed(client, link.group(1).replace("&amp;", "&")[len(reverse("reviews:recommendations")):])
    assert listed.context["page"].paginator.count == awaiting


def test_an_agency_user_counts_and_lists_only_the_recommendations_they_may_see(client, world):
    factories.recommendation(world.review, agency=world.police, text="Police should check.")
    factories.recommendation(world.review, agency=world.health, text="Health should check.")
    client.force_login(world.other)  # health
    listed = _listed(client)
    texts = {r.text for r in listed.context["page"]}
    assert "Health should check." in texts and "Police should check." not in texts
    assert listed.context["page"].paginator.count == Recommendation.objects.exclude(agency=world.police).count()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?response=not_accepted", lambda: Recommendation.objects.filter(response=Response.NOT_ACCEPTED)),
        ("?gap=no", lambda: Recommendation.objects.exclude(learning_rules.gap_q())),
        ("?addressed_to=partnership", lambda: Recommendation.objects.filter(agency__isnull=True)),
        ("?kind=rapid", lambda: Recommendation.objects.filter(review__kind=Review.Kind.RAPID)),
    ],
)
def test_the_list_filters(client, world, cases, query, expected):
    rapid = factories.review(kind=Review.Kind.RAPID)
    factories.recommendation(rapid, text="A rapid review's recommendation.")
    client.force_login(world.member)
    listed = _listed(client, query)
    assert {r.pk for r in listed.context["page"]} == set(expected().values_list("pk", flat=True))
    assert expected().exists()


def test_the_list_runs_a_fixed_number_of_queries_at_two_sizes(client, world, django_assert_num_queries):
    from django.db import connection

    client.force_login(world.agency_user)
    counts = []
    for size in (6, 30):
        while Recommendation.objects.count() < size:
            recommendation = factories.recommendation(world.review)
            factories.action(world.multi_plan, world.police, recommendation=recommendation)
        with CaptureQueriesContext(connection) as queries:
            listed = _listed(client)
        assert len(list(listed.context["page"])) == min(size, listed.context["page"].paginator.per_page)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_board_report_lists_each_reviews_recommendations_and_counts_the_gaps(client, world, cases):
    client.force_login(world.chair)
    report = client.get(reverse("dashboard:report"))
    html = report.content.decode()
    gaps = sum(gap for *_, gap in cases)
    assert report.context["report"].recommendation_gaps == gaps
    assert f"{gaps} recommendations have no live action" in html
    table = re.search(r'<table class="recommendations".*?</table>', html, re.S).group(0)
    assert table.count("None live: a gap") == gaps
    assert table.count("<tr>") == world.review.recommendations.count() + 1  # and the header


# --- Kinds of review -----------------------------------------------------------------------------------------


def test_the_dashboard_by_kind_rows_sum_their_reviews_and_open_the_action_list_of_that_kind(client, world):
    rapid = factories.review(kind=Review.Kind.RAPID)
    plan = factories.plan(rapid)
    for n in range(3):
        factories.action(plan, world.police, reference=f"R{n}", status=Status.NOT_STARTED)
    client.force_login(world.chair)
    dashboard = client.get(reverse("dashboard:index"))
    html = dashboard.context["overview"]
    table = html[html.index('id="kinds"'):]
    assert 'href="/reviews/?kind=rapid">Rapid review</a>' in table
    listing = reverse("actionplans:action_list")
    match = re.search(rf'<a href="({re.escape(listing)}\?kind=rapid)"[^>]*>(\d+)</a>', table)
    assert match and int(match.group(2)) == 3
    listed = client.get(match.group(1))
    assert listed.context["page"].paginator.count == 3
    serious = world.review.plans.values_list("actions", flat=True).count()
    match = re.search(rf'<a href="{re.escape(listing)}\?kind=serious_case"[^>]*>(\d+)</a>', table)
    assert int(match.group(1)) == serious


def test_the_review_list_is_cut_by_kind(client, world):
    rapid = factories.review(kind=Review.Kind.RAPID, title="Child R")
    client.force_login(world.agency_user)
    shown = client.get(reverse("reviews:list") + "?kind=rapid").context["reviews"]
    assert [review.pk for review in shown] == [rapid.pk]
    everything = client.get(reverse("reviews:list") + "?kind=nonsense").context["reviews"]
    assert {review.pk for review in everything} == {rapid.pk, world.review.pk}
