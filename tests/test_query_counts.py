"""Lists and the review pages run a fixed number of queries, however many actions there are.

Each test renders a page with few actions, adds many more (with officers, themes, plans and reviews),
renders it again, and checks that the page really shows more rows the second time while the number
of queries stays exactly the same. An N+1 query (a lookup per row) would make the counts differ.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from actionplans.rules import Status, today
from tests import factories

#: Generous but fixed: session, user, the page's own queries and the filter form's choice lists.
MAX_QUERIES = 15
PER_PAGE = 25

STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.COMPLETED, Status.VERIFIED, Status.CANCELLED]


class Data:
    """Actions spread over several reviews and plans, each with a lead agency, often an officer, and themes."""

    def __init__(self, world):
        self.world = world
        # A sub-committee member who works for the police and is named as responsible officer on some
        # police-led actions, so that "my actions" has rows for a member too.
        self.member = factories.user(Role.MEMBER, username="officer-member", agency=world.police)
        self.themes = [world.theme, factories.theme(), factories.theme()]
        self.plans = [world.multi_plan, world.police_plan, world.health_plan]
        self.count = 0
        self.add_review()

    def add_review(self):
        review = factories.review()
        self.plans += [factories.plan(review), factories.plan(review, self.world.police)]

    def add(self, n):
        w = self.world
        for _ in range(n):
            i = self.count = self.count + 1
            plan = self.plans[i % len(self.plans)]
            lead = plan.agency or (w.police if i % 2 else w.health)
            if lead == w.police:
                officer = [w.agency_user, self.member, None][i % 3]
            else:
                officer = [w.other, None][i % 2]
            action = factories.action(
                plan,
                lead,
                reference=f"Q{i}",
                description=f"Training step {i}",
                responsible_officer=officer,
                status=STATUSES[i % len(STATUSES)],
                target_date=today() + datetime.timedelta(days=(i % 7) * 20 - 40),
            )
            action.themes.set(self.themes[: i % 3 + 1])


def measure(client, url):
    client.get(url)  # warm any one-off caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _user(data, role):
    return data.member if role == "member" else data.world.agency_user


def _listed_rows(response):
    """The actions on the page, after checking each one is rendered as a row."""
    html = response.content.decode()
    rows = list(response.context["page"].object_list)
    for action in rows:
        assert f'href="{action.get_absolute_url()}">{action.reference}</a>' in html
    return rows


LIST_CASES = [
    # (url name, query string, actions at the small size, actions at the large size)
    ("actionplans:action_list", "", 5, 60),
    ("actionplans:action_list", "?status=in_progress&lead_agency={police}", 5, 60),
    ("actionplans:action_list", "?q=training&theme={theme}&ordering=review", 5, 60),
    ("actionplans:action_list", "?overdue=no&brag=green", 5, 60),
    ("actionplans:action_list", "?page=2", 35, 120),
    ("actionplans:my_actions", "", 5, 60),
    ("actionplans:my_actions", "?status=in_progress", 5, 60),
]


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize(("url_name", "query", "small", "large"), LIST_CASES)
def test_action_lists_run_a_fixed_number_of_queries(client, world, settings, role, url_name, query, small, large):
    settings.ACTIONS_PER_PAGE = PER_PAGE
    data = Data(world)
    data.add(small)
    client.force_login(_user(data, role))
    url = reverse(url_name) + query.format(police=world.police.pk, theme=world.theme.pk)

    few_queries, response = measure(client, url)
    few_rows = _listed_rows(response)

    data.add_review()
    data.add(large - small)
    many_queries, response = measure(client, url)
    many_rows = _listed_rows(response)

    print(f"{url} as {role}: {len(few_rows)} rows in {few_queries} queries, {len(many_rows)} rows in {many_queries}")
    assert few_rows, "the page must show actions for the test to mean anything"
    assert len(many_rows) > len(few_rows)
    if "page=2" in query:
        assert response.context["page"].number == 2
    assert many_queries == few_queries
    assert many_queries <= MAX_QUERIES


@pytest.mark.parametrize("role", ["member", "agency_user"])
def test_review_detail_runs_a_fixed_number_of_queries(client, world, role):
    data = Data(world)
    data.add(5)
    client.force_login(_user(data, role))
    url = reverse("reviews:detail", args=[world.review.pk])

    def shown(response):
        html = response.content.decode()
        actions = [action for plan in response.context["plans"] for action in plan.actions.all()]
        for action in actions:
            assert f'href="{action.get_absolute_url()}">{action.reference}</a>' in html
        return actions

    few_queries, response = measure(client, url)
    few = shown(response)
    data.add(60)
    many_queries, response = measure(client, url)
    many = shown(response)

    print(f"review detail as {role}: {len(few)} actions in {few_queries} queries, {len(many)} in {many_queries}")
    assert few and len(many) > len(few)
    assert many_queries == few_queries
    assert many_queries <= MAX_QUERIES


@pytest.mark.parametrize("role", ["member", "agency_user"])
def test_review_list_runs_a_fixed_number_of_queries(client, world, role):
    data = Data(world)
    data.add(5)
    client.force_login(_user(data, role))
    url = reverse("reviews:list")

    def shown(response):
        html = response.content.decode()
        reviews = response.context["reviews"]
        for review in reviews:
            assert f'href="{review.get_absolute_url()}">{review.reference}</a>' in html
        return reviews

    few_queries, response = measure(client, url)
    few = shown(response)
    few_total = sum(review.figures.total for review in few)
    for _ in range(3):
        data.add_review()
    data.add(60)
    many_queries, response = measure(client, url)
    many = shown(response)
    many_total = sum(review.figures.total for review in many)

    print(f"review list as {role}: {len(few)} reviews in {few_queries} queries, {len(many)} in {many_queries}")
    assert len(many) > len(few) and many_total > few_total > 0
    assert many_queries == few_queries
    assert many_queries <= MAX_QUERIES
