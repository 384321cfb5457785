"""The dashboard, its review and agency pages, the exports and the report run a fixed number of queries:
the same with a few reviews, agencies and actions as with many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.rules import Status, today
from dashboard import services
from tests import factories

STATUSES = list(Status)


def grow(world, reviews, actions_per_plan):
    """Add reviews, each with a multi-agency plan and a plan per agency, new agencies, actions and snapshots."""
    agencies = [world.police, world.health, factories.agency()]
    for _ in range(reviews):
        review = factories.review()
        plans = [factories.plan(review)] + [factories.plan(review, agency) for agency in agencies]
        for plan in plans:
            for i in range(actions_per_plan):
                lead = plan.agency or agencies[i % len(agencies)]
                action = factories.action(
                    plan, lead, reference=f"G{i}", status=STATUSES[i % len(STATUSES)],
                    target_date=today() + datetime.timedelta(days=(i % 5) * 20 - 45),
                )
                action.themes.add(world.theme)
    for days in (0, 7, 14):
        services.snapshot_take(on=today() - datetime.timedelta(days=days))


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


PAGES = [
    ("dashboard:index", None, ""),
    ("dashboard:index", None, "?sort=-compliance"),
    ("dashboard:review", "review", ""),
    ("dashboard:agency", "police", ""),
    ("dashboard:export_csv", None, "?overdue=yes"),
    ("dashboard:export_xlsx", None, ""),
    ("dashboard:report", None, ""),
]


@pytest.mark.parametrize("role", ["chair", "agency_user"])
@pytest.mark.parametrize(("name", "arg", "query"), PAGES)
def test_dashboard_pages_run_the_same_number_of_queries_at_two_sizes(client, world, role, name, arg, query):
    client.force_login(getattr(world, role))
    args = [getattr(world, arg).pk] if arg else []
    url = reverse(name, args=args) + query
    grow(world, reviews=1, actions_per_plan=2)
    few = count(client, url)
    grow(world, reviews=4, actions_per_plan=6)
    many = count(client, url)
    print(f"{url} as {role}: {few} then {many} queries")
    assert many == few
    assert many <= 25
