"""Lists, the review pages and the audit queue run an exact, pinned number of queries, however many rows there are.

Each test renders a page with few rows, adds many more (with officers, themes, plans, reviews and evidence),
renders it again, and checks that the page really shows more rows the second time while the number of queries
is, both times, exactly the number written here. An N+1 query (a lookup per row) makes the large count differ;
a new query on the page (a lost select_related, a second count) changes the pinned number, and the failure
prints every query so the change can be judged and the number updated on purpose.

The numbers are the same on SQLite and PostgreSQL. Every request pays the same six queries before the page's
own: the session, the user, the user's authenticator devices and the second-factor rule of their role
(accounts' middleware), and the SAVEPOINT / RELEASE of ATOMIC_REQUESTS (inside the test's transaction).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import Status, today
from evidence import services as evidence_services
from tests import evidence_samples as samples
from tests import factories

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
    return queries, response


def check_count(queries, expected, what):
    """``queries`` ran exactly ``expected`` queries; the failure lists them."""
    listing = "\n".join(f"{n:3}. {q['sql'][:200]}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == expected, f"{what}: {len(queries)} queries, pinned at {expected}:\n{listing}"


def _user(data, role):
    return data.member if role == "member" else getattr(data.world, role)


def _listed_rows(response):
    """The actions on the page, after checking each one is rendered as a row."""
    html = response.content.decode()
    rows = list(response.context["page"].object_list)
    for action in rows:
        assert f'href="{action.get_absolute_url()}">{action.reference}</a>' in html
    return rows


# The action list's own queries: the row count for the pager, the user's agency (the navigation), the filter
# form's choice lists (reviews, at most REVIEW_DROP_DOWN_MAX + 1 of them; agencies, officers, themes; plans only
# once a review is chosen) and the page of rows with their plan, review and lead agency joined = 7, plus 6 for
# every request = 13. A filter on a review, a plan, a lead agency or a theme adds one: the filter form looks up
# the chosen object; a chosen review adds one more, its plans for the plan drop-down. "My actions" is the same page.
# A member's action list adds one: the active agency users, the officers the bulk form offers (actionplans.bulk).
LIST_CASES = [
    # (url name, query string, actions at the small size, at the large size, {role: exact queries})
    ("actionplans:action_list", "", 5, 60, {"member": 14, "agency_user": 13}),
    ("actionplans:action_list", "?status=in_progress&lead_agency={police}", 5, 60, {"member": 15, "agency_user": 14}),
    ("actionplans:action_list", "?q=training&theme={theme}&ordering=review", 5, 60, {"member": 15, "agency_user": 14}),
    ("actionplans:action_list", "?overdue=no&brag=green", 5, 60, {"member": 14, "agency_user": 13}),
    ("actionplans:action_list", "?page=2", 35, 120, {"member": 14, "agency_user": 13}),
    ("actionplans:action_list", "?review={review}&plan={plan}", 5, 60, {"member": 17, "agency_user": 16}),
    ("actionplans:action_list", "?plan={plan}", 5, 60, {"member": 15, "agency_user": 14}),
    ("actionplans:my_actions", "", 5, 60, {"member": 13, "agency_user": 13}),
    ("actionplans:my_actions", "?status=in_progress", 5, 60, {"member": 13, "agency_user": 13}),
]


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize(("url_name", "query", "small", "large", "expected"), LIST_CASES)
def test_action_lists_run_a_pinned_number_of_queries(client, world, settings, role, url_name, query, small, large,
                                                     expected):
    settings.ACTIONS_PER_PAGE = PER_PAGE
    data = Data(world)
    data.add(small)
    client.force_login(_user(data, role))
    url = reverse(url_name) + query.format(
        police=world.police.pk, theme=world.theme.pk, review=world.review.pk, plan=world.multi_plan.pk
    )

    few_queries, response = measure(client, url)
    few_rows = _listed_rows(response)
    check_count(few_queries, expected[role], f"{url} as {role}, {len(few_rows)} rows")

    data.add_review()
    data.add(large - small)
    many_queries, response = measure(client, url)
    many_rows = _listed_rows(response)
    check_count(many_queries, expected[role], f"{url} as {role}, {len(many_rows)} rows")

    assert few_rows, "the page must show actions for the test to mean anything"
    assert len(many_rows) > len(few_rows)
    if "page=2" in query:
        assert response.context["page"].number == 2


# The review page: the review, its plans (agency joined), all their actions in one prefetch, the user's agency
# (the navigation), the review's themes and its recommendations (each with its live actions counted) = 6, plus 6
# for every request = 12, for both roles.
REVIEW_DETAIL_QUERIES = {"member": 12, "agency_user": 12}


@pytest.mark.parametrize("role", ["member", "agency_user"])
def test_review_detail_runs_a_pinned_number_of_queries(client, world, role):
    data = Data(world)
    data.add(5)
    client.force_login(_user(data, role))
    url = reverse("reviews:detail", args=[world.review.pk])

    def shown(response):
        html = response.content.decode()
        actions = [action for plan in response.context["plans"] for action in plan.actions.all()]
        for action in actions:
            assert f'href="{action.get_absolute_url()}">{action.reference}</a>' in html
        recommendations = response.context["recommendations"]
        assert recommendations and html.count('id="recommendation-') == len(recommendations)
        return actions

    few_queries, response = measure(client, url)
    few = shown(response)
    check_count(few_queries, REVIEW_DETAIL_QUERIES[role], f"review detail as {role}, {len(few)} actions")
    data.add(60)
    many_queries, response = measure(client, url)
    many = shown(response)
    check_count(many_queries, REVIEW_DETAIL_QUERIES[role], f"review detail as {role}, {len(many)} actions")
    assert few and len(many) > len(few)


# The review list: the figures of every review in one grouped count, the reviews, the user's agency = 3, plus 6.
REVIEW_LIST_QUERIES = {"member": 9, "agency_user": 9}


@pytest.mark.parametrize("role", ["member", "agency_user"])
def test_review_list_runs_a_pinned_number_of_queries(client, world, role):
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
    check_count(few_queries, REVIEW_LIST_QUERIES[role], f"review list as {role}, {len(few)} reviews")
    few_total = sum(review.figures.total for review in few)
    for _ in range(3):
        data.add_review()
    data.add(60)
    many_queries, response = measure(client, url)
    many = shown(response)
    check_count(many_queries, REVIEW_LIST_QUERIES[role], f"review list as {role}, {len(many)} reviews")
    many_total = sum(review.figures.total for review in many)
    assert len(many) > len(few) and many_total > few_total > 0


def _fill_queue(world, start, count):
    """Undecided items on different actions, agencies and reviews, half of them new versions of rejected ones."""
    for i in range(start, start + count):
        plan = factories.plan(factories.review())
        lead, user = (world.police, world.agency_user) if i % 2 else (world.health, world.other)
        action = factories.action(plan, lead, reference=f"E{i}", responsible_officer=user if i % 3 else None)
        item = samples.submit(action, user, name=f"item{i}.pdf")
        if i % 2:
            lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="Again.", notify=False)
            evidence_services.evidence_supersede(
                old=item, actor=user, description="v2", represents_on=datetime.date(2026, 1, 1), note="Second go."
            )
        if i % 4 == 0:  # an accepted item on the same action, counted beside the waiting one
            accepted = samples.submit(action, user, name=f"accepted{i}.pdf")
            lifecycle.decide(evidence=accepted, actor=world.consultant, accept=True, note="")


# The queue's own queries: the item count for the pager, the user's agency (the navigation, for a member who
# works for an agency), the filter form's choice lists (reviews, agencies, actions), and the page of items with
# their action, review, lead agency, officer, submitter and the rejected version's decision joined = 5 or 6,
# plus 6 for every request. A filter on an agency adds one (the form looks it up). Only the consultant may
# decide; the decision form beside each item adds no query.
QUEUE_CASES = [
    # (query string, items at the small size, at the large size, {role: exact queries})
    ("", 3, 15, {"consultant": 11, "chair": 11, "member": 12}),
    ("?agency={police}", 4, 16, {"consultant": 12, "chair": 12, "member": 13}),
    ("?page=2", 12, 24, {"consultant": 11, "chair": 11, "member": 12}),
]


@pytest.mark.parametrize("role", ["consultant", "chair", "member"])
@pytest.mark.parametrize(("query", "small", "large", "expected"), QUEUE_CASES)
def test_the_audit_queue_runs_a_pinned_number_of_queries(client, world, settings, role, query, small, large, expected):
    settings.ACTIONS_PER_PAGE = 10
    data = Data(world)  # for the member who works for the police
    client.force_login(_user(data, role))
    url = reverse("evidence:queue") + query.format(police=world.police.pk)

    def shown(response):
        html = response.content.decode()
        items = list(response.context["page"].object_list)
        for item in items:
            assert f'<a href="{item.get_absolute_url()}">Evidence #{item.pk}</a>' in html
            assert f'href="{item.action.get_absolute_url()}">Action {item.action.plan.review.reference} ' in html
        return items

    _fill_queue(world, 0, small)
    few_queries, response = measure(client, url)
    few = shown(response)
    check_count(few_queries, expected[role], f"{url} as {role}, {len(few)} items")
    _fill_queue(world, small, large - small)
    many_queries, response = measure(client, url)
    many = shown(response)
    check_count(many_queries, expected[role], f"{url} as {role}, {len(many)} items")

    assert few, "the queue must show items for the test to mean anything"
    assert len(many) > len(few)
    if "page=2" in query:
        assert response.context["page"].number == 2
