"""The REST API's lists run an exact, pinned number of queries, however many rows they hold; and cursor pages,
followed through ``next``, give every visible object once, in the list's order.

Each list is read at a small size, grown tenfold (actions with officers, themes and progress, evidence, learning
events, board concerns, reviews, plans and agencies), and read again: the second answer holds more rows, and both
ran exactly the number of queries written here. An N+1 query makes the large count differ; a new query changes
the pinned number (the failure lists every query, to judge the change and update the number on purpose).

Every API request pays five queries besides the list's own: the token with its user, the second-factor rule of
the user's role, the use written to the token's log, the token's last use updated, and the rate limit's count of
recent uses (the API's views run outside the request's transaction: no SAVEPOINT). No session is read: a token
is all the API looks at. The numbers are the same on SQLite and PostgreSQL.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import access
from accounts.models import Role
from actionplans.models import ProgressUpdate
from actionplans.rules import Status, today
from tests import api_helpers, factories
from tests import evidence_samples as samples
from tests.api_helpers import bearer, make_token

SMALL, LARGE = 3, 30
STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED, Status.IN_PROGRESS, Status.VERIFIED,
            Status.CANCELLED]


class Data:
    """The world, grown ``n`` at a time: for each step an action (on plans of several reviews, led by several
    agencies, some with an officer, each with themes and progress) with evidence from its lead agency, a progress
    entry on one action whose log is read, a learning event, a board concern; a new review with plans every third
    step, a new agency every fifth."""

    def __init__(self, world):
        self.world = w = world
        self.themes = [w.theme, factories.theme(), factories.theme()]
        self.plans = [w.multi_plan, w.police_plan, w.health_plan]
        self.agencies = [w.police, w.health]
        self.users = {w.police.pk: w.agency_user, w.health.pk: w.other}
        w.progress_action = w.multi_action
        self.count = 0

    def add(self, n):
        w = self.world
        for _ in range(n):
            i = self.count = self.count + 1
            if i % 3 == 0:
                review = factories.review()
                review.themes.set(self.themes[: i % 3 + 1])
                self.plans += [factories.plan(review), factories.plan(review, w.police)]
            if i % 5 == 0:
                agency = factories.agency()
                self.agencies.append(agency)
                self.users[agency.pk] = factories.user(Role.AGENCY, agency=agency)
            plan = self.plans[i % len(self.plans)]
            lead = plan.agency or self.agencies[i % len(self.agencies)]
            officer = self.users[lead.pk] if i % 2 else None
            action = factories.action(
                plan, lead, reference=f"Q{i}", description=f"Training step {i}", responsible_officer=officer,
                status=STATUSES[i % len(STATUSES)], target_date=today() + datetime.timedelta(days=(i % 7) * 20 - 40),
            )
            action.themes.set(self.themes[: i % 3 + 1])
            ProgressUpdate.objects.create(action=action, author=w.member, note=f"Step {i} under way.\nDetails.",
                                          status_before=Status.NOT_STARTED, status_after=action.status)
            ProgressUpdate.objects.create(action=w.progress_action, author=self.users[w.police.pk],
                                          note=f"Update {i}.", status_before=Status.IN_PROGRESS,
                                          status_after=Status.IN_PROGRESS)
            if action.status not in (Status.CANCELLED, Status.VERIFIED):
                if i % 4 == 0:
                    samples.submit(action, self.users[lead.pk], name=f"minutes-{i}.pdf")
                else:
                    samples.submit_note(action, self.users[lead.pk], note=f"Note {i}.")
            event = api_helpers.learning_event(w, title=f"Workshop {i}", days=i - 15)
            event.themes.set(self.themes[: i % 3 + 1])
            api_helpers.concern(w, f"Concern {i}", [w.police, w.health] if i % 2 else [w.police])


def _get(client, url, raw):
    response = client.get(url, **bearer(raw))
    assert response.status_code == 200, response.content[:500]
    return response


def rows(body):
    return len(body["results"]) if isinstance(body, dict) else len(body)


def measure(client, url, raw):
    """(queries, rows) of ``url``, read once to warm any one-off cache, then measured."""
    _get(client, url, raw)
    with CaptureQueriesContext(connection) as queries:
        body = _get(client, url, raw).json()
    return queries, rows(body)


def listing(queries):
    return "\n".join(f"{n:3}. {q['sql'][:240]}" for n, q in enumerate(queries.captured_queries, 1))


# The lists' own queries, beyond the five every request pays (the token with its user, the second-factor rule,
# the use logged, the token's last use, the rate-limit count): the page of rows, all it shows joined in (the
# action list's latest progress too, as subqueries), and one query more for each list with many-to-many names
# (themes of reviews and events, agencies of concerns). A filter costs nothing more: it narrows the same query.
# The progress log reads its action first (accounts.access.get_action). The dashboard's figures are four queries
# (the actions' figures by review or agency, the evidence awaiting audit, the reviews or agencies named).
CASES = [
    # (url name, object, query string, {role: exact queries})
    ("api:review-list", None, "", {"member": 7, "agency_user": 7}),
    ("api:plan-list", None, "", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "?status=in_progress&lead_agency={police}", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "?q=training&theme={theme}&ordering=review", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "?ordering=-target_date&overdue=no", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "?ordering=mine_first&brag=green", {"member": 6, "agency_user": 6}),
    ("api:action-list", None, "?review={review}", {"member": 6, "agency_user": 6}),
    ("api:action-progress", "progress_action", "", {"member": 7, "agency_user": 7}),
    ("api:evidence-list", None, "", {"member": 6, "agency_user": 6}),
    ("api:evidence-list", None, "?status=submitted", {"member": 6, "agency_user": 6}),
    ("api:learning_event-list", None, "", {"member": 7, "agency_user": 7}),
    ("api:learning_event-list", None, "?theme={theme}&status=scheduled", {"member": 7, "agency_user": 7}),
    ("api:concern-list", None, "", {"member": 7, "agency_user": 7}),
    ("api:concern-list", None, "?status=open&agency={police}", {"member": 7, "agency_user": 7}),
    ("api:dashboard_reviews", None, "", {"member": 9, "agency_user": 9}),
    ("api:dashboard_agencies", None, "", {"member": 9, "agency_user": 9}),
]


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize(("url_name", "obj", "query", "expected"), CASES,
                         ids=[f"{name}{query}" for name, _, query, _ in CASES])
def test_a_list_runs_the_same_pinned_queries_with_few_rows_and_many(client, world, role, url_name, obj, query,
                                                                    expected):
    data = Data(world)
    data.add(SMALL)
    _, raw = make_token(getattr(world, role))
    filled = query.format(police=world.police.pk, theme=world.theme.pk, review=world.review.pk)
    url = (reverse(url_name, args=[getattr(world, obj).pk]) if obj else reverse(url_name)) + filled
    if not url_name.startswith("api:dashboard"):
        url += ("&" if "?" in url else "?") + "page_size=200"
    small_queries, small_rows = measure(client, url, raw)
    data.add(LARGE - SMALL)
    cache.clear()
    large_queries, large_rows = measure(client, url, raw)
    assert large_rows > small_rows, f"{url}: the large list must hold more rows ({small_rows}, {large_rows})"
    assert (len(small_queries), len(large_queries)) == (expected[role], expected[role]), (
        f"{url} as {role}: {len(small_queries)} queries with few rows, {len(large_queries)} with many, pinned at "
        f"{expected[role]}:\n{listing(small_queries)}\n---\n{listing(large_queries)}")


def test_the_dashboard_computed_afresh_runs_the_same_queries_with_few_rows_and_many(client, world):
    """Not from the cache: the figures computed for the request, at both sizes."""
    data = Data(world)
    data.add(SMALL)
    _, raw = make_token(world.agency_user)
    counts = []
    for size in (SMALL, LARGE):
        data.add(size - data.count)
        for name in ("api:dashboard_reviews", "api:dashboard_agencies"):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                _get(client, reverse(name), raw)
            counts.append((name, len(queries)))
    assert counts[:2] == counts[2:]


# --- cursor pages ------------------------------------------------------------------------------------------------


def walk(client, url, raw):
    """Every object of a list through its ``next`` links, and how many pages it took."""
    results, pages = [], 0
    while url:
        body = _get(client, url, raw).json()
        results += body["results"]
        pages += 1
        url = body["next"]
    return results, pages


def _expected_order(user, ordering):
    """The visible actions in the list's order (api.pagination.ActionCursorPage), as (target date, review
    reference, reference, id) keys sorted in Python."""
    actions = access.visible_actions(user).select_related("plan__review")

    def key(action):
        return (action.target_date, action.plan.review.reference, action.reference, action.pk)

    if ordering == "review":
        return [a.pk for a in sorted(actions, key=lambda a: (a.plan.review.reference, a.target_date, a.reference,
                                                              a.pk))]
    return [a.pk for a in sorted(actions, key=key, reverse=ordering == "-target_date")]


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize("ordering", ["", "target_date", "-target_date", "review"])
def test_walking_the_action_list_gives_every_visible_action_once_in_its_order(client, world, role, ordering):
    Data(world).add(12)
    user = getattr(world, role)
    _, raw = make_token(user)
    query = {"page_size": 2, **({"ordering": ordering} if ordering else {})}
    results, pages = walk(client, f"{reverse('api:action-list')}?{urlencode(query)}", raw)
    listed = [a["id"] for a in results]
    expected = _expected_order(user, ordering)
    assert listed == expected
    assert len(set(listed)) == len(listed) == access.visible_actions(user).count()
    assert pages == (len(expected) + 1) // 2


def test_walking_back_with_previous_gives_the_same_pages(client, world):
    Data(world).add(6)
    _, raw = make_token(world.member)
    url = f"{reverse('api:action-list')}?page_size=3&ordering=review"
    forward, pages = [], []
    while url:
        body = _get(client, url, raw).json()
        pages.append([a["id"] for a in body["results"]])
        forward += pages[-1]
        last = body
        url = body["next"]
    backward = []
    url = last["previous"]
    while url:
        body = _get(client, url, raw).json()
        backward.insert(0, [a["id"] for a in body["results"]])
        url = body["previous"]
    assert backward == pages[:-1]


def test_a_list_changing_between_pages_neither_repeats_nor_skips(client, world):
    """An action added before the reader's cursor while they walk is not met; none already listed comes again."""
    Data(world).add(6)
    _, raw = make_token(world.member)
    first = _get(client, f"{reverse('api:action-list')}?page_size=3", raw).json()
    seen = [a["id"] for a in first["results"]]
    early = factories.action(world.multi_plan, world.police, reference="0.1",
                             target_date=today() - datetime.timedelta(days=400))
    rest, _ = walk(client, first["next"], raw)
    listed = seen + [a["id"] for a in rest]
    assert early.pk not in listed
    assert len(listed) == len(set(listed)) == access.visible_actions(world.member).count() - 1


@pytest.mark.parametrize(
    ("url_name", "obj", "order"),
    [
        ("api:review-list", None, lambda w: [r.pk for r in sorted(
            __import__("reviews.models").models.Review.objects.all(), key=lambda r: r.reference)]),
        ("api:evidence-list", None, lambda w: list(
            access.visible_evidence(w.member).order_by("-id").values_list("pk", flat=True))),
        ("api:action-progress", "progress_action", lambda w: list(
            ProgressUpdate.objects.filter(action=w.progress_action).order_by("-id").values_list("pk", flat=True))),
    ],
)
def test_walking_other_lists_gives_each_object_once(client, world, url_name, obj, order):
    Data(world).add(9)
    _, raw = make_token(world.member)
    url = (reverse(url_name, args=[getattr(world, obj).pk]) if obj else reverse(url_name)) + "?page_size=2"
    results, _ = walk(client, url, raw)
    assert [r["id"] for r in results] == order(world)


def test_the_page_size_is_api_page_size_unless_asked_and_at_most_200(client, world, settings):
    Data(world).add(5)
    settings.API_PAGE_SIZE = 3
    _, raw = make_token(world.member)
    url = reverse("api:action-list")
    assert len(_get(client, url, raw).json()["results"]) == 3
    assert len(_get(client, url + "?page_size=5", raw).json()["results"]) == 5
    body = _get(client, url + "?page_size=200", raw).json()
    assert len(body["results"]) == access.visible_actions(world.member).count() < 200
    assert body["next"] is None
    # Anything else is refused in words, rather than quietly given another size.
    for url_name in ("api:action-list", "api:evidence-list", "api:review-list"):
        for wrong in ("0", "201", "100000", "-1", "ten", "2.5"):
            refused = client.get(f"{reverse(url_name)}?page_size={wrong}", **bearer(raw))
            assert (refused.status_code, refused.json()) == (400, {"page_size": ["Give a whole number from 1 to 200."]})


# --- the filters -------------------------------------------------------------------------------------------------


def _ids(client, url, raw):
    return sorted(a["id"] for a in walk(client, url, raw)[0])


def test_the_action_filters_narrow_the_visible_actions_exactly(client, world):
    Data(world).add(15)
    user = world.agency_user
    _, raw = make_token(user)
    visible = access.visible_actions(user)
    url = reverse("api:action-list")
    cases = [
        (f"?status=in_progress&lead_agency={world.police.pk}",
         visible.filter(status=Status.IN_PROGRESS, lead_agency=world.police)),
        (f"?theme={world.theme.pk}", visible.filter(themes=world.theme)),
        (f"?review={world.review.pk}", visible.filter(plan__review=world.review)),
        (f"?review={world.review.reference.lower()}", visible.filter(plan__review=world.review)),
        (f"?plan={world.police_plan.pk}", visible.filter(plan=world.police_plan)),
        (f"?responsible_officer={user.pk}", visible.filter(responsible_officer=user)),
        ("?q=training", visible.filter(description__icontains="training")),
    ]
    for query, expected in cases:
        wanted = sorted(expected.values_list("pk", flat=True).distinct())
        assert wanted, query
        assert _ids(client, url + query, raw) == wanted, query


def test_filtering_on_another_agencys_plan_or_an_unknown_id_lists_nothing(client, world):
    """The health plan's id names nothing the police may see: no 400 that would tell it exists."""
    Data(world).add(6)
    _, raw = make_token(world.agency_user)
    url = reverse("api:action-list")
    assert _ids(client, f"{url}?plan={world.health_plan.pk}", raw) == []
    assert _ids(client, f"{url}?plan=999999", raw) == []
    assert _ids(client, f"{url}?review=SCR-NO-SUCH", raw) == []
