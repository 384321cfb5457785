"""The dashboard, its review and agency pages, the exports and the report run an exact, pinned number of queries:
the same with a few reviews, agencies and actions as with many, and the same on SQLite and PostgreSQL.

Every request pays six queries before the page's own: the session, the user, the user's authenticator devices
and the second-factor rule of their role, and the SAVEPOINT / RELEASE of ATOMIC_REQUESTS (inside the test's
transaction). A user who works for an agency (every agency user) has it loaded once more for the navigation
bar ("Agency user · Police"), hence one query more on the HTML pages than the chair or a member without an
agency; the exports render no navigation. A failure lists every query, so that a new one can be judged and the
number changed on purpose.
"""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.rules import Status, today
from dashboard import services
from tests import factories

STATUSES = list(Status)


def grow(world, reviews, actions_per_plan):
    """Add reviews, each with a multi-agency plan and a plan per agency, a new agency, actions (some on the
    world's review, led by the new agency too) and snapshots."""
    agencies = [world.police, world.health, factories.agency()]
    plans = [world.multi_plan]
    for _ in range(reviews):
        review = factories.review()
        plans += [factories.plan(review)] + [factories.plan(review, agency) for agency in agencies]
    for plan in plans:
        for i in range(actions_per_plan):
            lead = plan.agency or agencies[i % len(agencies)]
            action = factories.action(
                plan, lead, reference=f"G{plan.actions.count() + 1}", status=STATUSES[i % len(STATUSES)],
                target_date=today() + datetime.timedelta(days=(i % 5) * 20 - 45),
            )
            action.themes.add(world.theme)
    for days in (0, 7, 14):
        services.snapshot_take(on=today() - datetime.timedelta(days=days))


def rows(body, name):
    """How many rows the page or export shows: table rows, CSV lines, or rows of the workbook's sheets."""
    if name.endswith("csv"):
        return body.count(b"\n")
    if name.endswith("xlsx"):
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return sum(1 for sheet in workbook.worksheets for _ in sheet.iter_rows())
    return body.count(b"<tr")


def measure(client, url):
    client.get(url)  # warm any one-off caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    assert response.status_code == 200, url
    return queries, body


def check_count(queries, expected, what):
    listing = "\n".join(f"{n:3}. {q['sql'][:200]}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == expected, f"{what}: {len(queries)} queries, pinned at {expected}:\n{listing}"


PAGES = [
    # (url name, argument, query string, {role: exact queries})
    # The dashboard counts the recommendations (gaps, awaiting a response) in one query more; and it shows the
    # dissemination matrix (learning.selectors.dissemination), computed here in four queries more (the reach of each
    # agency on each theme, the events per theme and status, the themes in use, the partner agencies): the world is
    # written in the test's transaction, so the matrix is never read from the cache here (a cached one costs the
    # one read of its version: tests/test_dashboard_cache.py). The impact figures (dashboard.selectors
    # .impact_counts) are two queries more: the checks due and overdue, and the verified actions by their impact.
    ("dashboard:index", None, "", {"chair": 18, "member": 18, "agency_user": 19}),
    ("dashboard:index", None, "?sort=-compliance", {"chair": 18, "member": 18, "agency_user": 19}),
    ("dashboard:review", "review", "", {"chair": 12, "member": 12, "agency_user": 13}),
    ("dashboard:agency", "police", "", {"chair": 12, "member": 12, "agency_user": 13}),
    ("dashboard:export_csv", None, "?overdue=yes", {"chair": 7, "member": 7, "agency_user": 7}),
    ("dashboard:export_xlsx", None, "", {"chair": 8, "member": 8, "agency_user": 9}),
    # The report: the recommendations, and their actions' figures grouped by recommendation, two queries more; the
    # dissemination matrix, computed (four), and the learning events held since the last report and scheduled (one;
    # their themes in one more when there are any: tests/test_learning_queries.py). Section 8, impact: the impact
    # figures (impact_counts, two queries, as on the dashboard) and the findings recorded since the report's date
    # (one) = three more.
    ("dashboard:report", None, "", {"chair": 26, "member": 26, "agency_user": 27}),
]


@pytest.mark.parametrize("role", ["chair", "member", "agency_user"])
@pytest.mark.parametrize(("name", "arg", "query", "expected"), PAGES)
def test_dashboard_pages_run_a_pinned_number_of_queries_at_two_sizes(client, world, role, name, arg, query, expected):
    client.force_login(getattr(world, role))
    args = [getattr(world, arg).pk] if arg else []
    url = reverse(name, args=args) + query
    grow(world, reviews=1, actions_per_plan=2)
    few, few_body = measure(client, url)
    check_count(few, expected[role], f"{url} as {role}, few rows")
    grow(world, reviews=4, actions_per_plan=6)
    many, many_body = measure(client, url)
    check_count(many, expected[role], f"{url} as {role}, many rows")
    assert rows(many_body, name) > rows(few_body, name) > 0, "the page must show more rows the second time"
