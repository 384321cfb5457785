"""Who may read and write what through the REST API (README, "REST API"; DOMAIN.md, "Who may see and change what"),
endpoint by endpoint and role by role, each role with its own read-and-write token (anonymous: no token at all).

Rows read as in tests/matrix.py: ``(url name, object of the world or None, (anonymous, member, chair, consultant,
admin, police user, health user))``, with HTTP statuses for outcomes: 401 no token; 403 seen but not allowed (or
not now); 404 not to be known of (another agency's own plan, its actions, another agency's evidence); 405 a
method the endpoint does not take; 201 written. tests/test_url_coverage.py reads GET_MATRIX and POST_MATRIX.
"""

import datetime

import pytest
from django.urls import reverse

from accounts import access
from actionplans.models import ProgressUpdate
from actionplans.rules import today
from evidence.models import Evidence
from tests import api_helpers, matrix
from tests import evidence_samples as samples
from tests.matrix import ROLES

API_ALL = (401, 200, 200, 200, 200, 200, 200)
POLICE_SEE = (401, 200, 200, 200, 200, 200, 404)  # the police's own: the health user does not know it exists
HEALTH_SEE = (401, 200, 200, 200, 200, 404, 200)
NOT_TAKEN = (401, 405, 405, 405, 405, 405, 405)  # a read-only endpoint, or a write-only one read
CONCERN_READERS = (401, 200, 200, 403, 200, 200, 200)  # the consultant has no part in board concerns
NOBODY_NOW = (401, 403, 403, 403, 403, 403, 403)

# fmt: off
GET_MATRIX = [
    # url name                     object               anonymous member chair consultant admin police health
    ("api:review-list",            None,                API_ALL),
    ("api:review-detail",          "review",            API_ALL),
    ("api:plan-list",              None,                API_ALL),
    ("api:plan-detail",            "multi_plan",        API_ALL),
    ("api:plan-detail",            "police_plan",       POLICE_SEE),
    ("api:plan-detail",            "health_plan",       HEALTH_SEE),
    ("api:action-list",            None,                API_ALL),
    ("api:action-detail",          "multi_action",      API_ALL),
    ("api:action-detail",          "multi_action_health", API_ALL),
    ("api:action-detail",          "police_action",     POLICE_SEE),
    ("api:action-detail",          "health_action",     HEALTH_SEE),
    ("api:action-progress",        "multi_action",      API_ALL),
    ("api:action-progress",        "multi_action_health", API_ALL),
    ("api:action-progress",        "police_action",     POLICE_SEE),
    ("api:action-progress",        "health_action",     HEALTH_SEE),
    ("api:evidence-list",          None,                API_ALL),
    ("api:evidence-detail",        "police_item",       POLICE_SEE),
    ("api:evidence-detail",        "police_own_item",   POLICE_SEE),
    ("api:evidence-detail",        "note_item",         POLICE_SEE),
    # Health's item on a multi-agency action: the police see the action, never another agency's evidence.
    ("api:evidence-detail",        "health_multi_item", HEALTH_SEE),
    ("api:evidence-detail",        "health_item",       HEALTH_SEE),
    ("api:evidence-file",          "police_item",       POLICE_SEE),
    ("api:evidence-file",          "police_own_item",   POLICE_SEE),
    ("api:evidence-file",          "health_multi_item", HEALTH_SEE),
    ("api:evidence-file",          "health_item",       HEALTH_SEE),
    # A written note has no file, for anyone.
    ("api:evidence-file",          "note_item",         (401,     404,   404,  404,       404,  404,   404)),
    ("api:learning_event-list",    None,                API_ALL),
    ("api:learning_event-detail",  "event",             API_ALL),
    ("api:concern-list",           None,                CONCERN_READERS),
    ("api:concern-detail",         "shared_concern",    CONCERN_READERS),
    ("api:concern-detail",         "police_concern",    (401,     200,   200,  403,       200,  200,   404)),
    ("api:concern-detail",         "health_concern",    (401,     200,   200,  403,       200,  404,   200)),
    ("api:evidence_submit",        "multi_action",      NOT_TAKEN),
    ("api:dashboard_reviews",      None,                API_ALL),
    ("api:dashboard_agencies",     None,                API_ALL),
    ("api:schema",                 None,                API_ALL),
]

POST_MATRIX = [
    # Read-only endpoints: 405 for a token that may write (a read-only token is refused first: see below).
    ("api:review-list",            None,                NOT_TAKEN),
    ("api:review-detail",          "review",            NOT_TAKEN),
    ("api:plan-list",              None,                NOT_TAKEN),
    ("api:plan-detail",            "multi_plan",        NOT_TAKEN),
    ("api:action-list",            None,                NOT_TAKEN),
    ("api:action-detail",          "multi_action",      NOT_TAKEN),
    ("api:evidence-list",          None,                NOT_TAKEN),
    ("api:evidence-detail",        "police_item",       NOT_TAKEN),
    ("api:evidence-file",          "police_item",       NOT_TAKEN),
    ("api:learning_event-list",    None,                NOT_TAKEN),
    ("api:learning_event-detail",  "event",             NOT_TAKEN),
    ("api:concern-list",           None,                NOT_TAKEN),
    ("api:concern-detail",         "shared_concern",    NOT_TAKEN),
    ("api:dashboard_reviews",      None,                NOT_TAKEN),
    ("api:dashboard_agencies",     None,                NOT_TAKEN),
    ("api:schema",                 None,                NOT_TAKEN),
    # Progress: members and the lead agency's users; never the chair nor the consultant.
    ("api:action-progress",        "multi_action",      (401,     201,   403,  403,       201,  201,   403)),
    ("api:action-progress",        "multi_action_health", (401,   201,   403,  403,       201,  403,   201)),
    ("api:action-progress",        "police_action",     (401,     201,   403,  403,       201,  201,   404)),
    ("api:action-progress",        "health_action",     (401,     201,   403,  403,       201,  404,   201)),
    ("api:action-progress",        "verified_action",   NOBODY_NOW),  # signed off: no more progress moves
    # Evidence: the lead agency's users only.
    ("api:evidence_submit",        "multi_action",      (401,     403,   403,  403,       403,  201,   403)),
    ("api:evidence_submit",        "multi_action_health", (401,   403,   403,  403,       403,  403,   201)),
    ("api:evidence_submit",        "police_action",     (401,     403,   403,  403,       403,  201,   404)),
    ("api:evidence_submit",        "health_action",     (401,     403,   403,  403,       403,  404,   201)),
    ("api:evidence_submit",        "verified_action",   NOBODY_NOW),  # a verified action takes no evidence
]
# fmt: on


@pytest.fixture
def w(world):
    """The world with evidence, a verified action, a learning event, board concerns and every role's tokens."""
    return api_helpers.add_tokens(api_helpers.add_objects(world))


def _post(client, w, url_name, obj, headers):
    """POST what the endpoint takes, filled in right (so that only who is asking decides the outcome)."""
    url = matrix.url(w, url_name, obj)
    if url_name == "api:action-progress":
        action = getattr(w, obj)
        action.refresh_from_db()
        data = {"status": "completed", "note": "The training was delivered to every team.",
                "seen_status": action.status, "seen_changed_at": "never"}
        return client.post(url, data, content_type="application/json", **headers)
    if url_name == "api:evidence_submit":
        data = {"description": "Attendance lists.", "represents_on": (today() - datetime.timedelta(days=3)).isoformat(),
                "note": "", "files": samples.upload("attendance.pdf", samples.pdf(), "application/pdf")}
        return client.post(url, data, **headers)
    return client.post(url, {}, content_type="application/json", **headers)


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(GET_MATRIX)))
def test_get_gives_each_role_exactly_what_it_may_see(client, w, url_name, obj, role, expected):
    response = client.get(matrix.url(w, url_name, obj), **api_helpers.as_role(w, role))
    assert response.status_code == expected, getattr(response, "content", b"")[:500]
    if url_name == "api:evidence-file" and expected == 200:
        assert b"".join(response.streaming_content) == samples.pdf()
    elif url_name.endswith("-detail") and expected == 200:
        assert response.json()["id"] == getattr(w, obj).pk
    elif expected != 200:
        assert api_helpers.detail(response), "a refusal says why, in words"


def _check_post(client, w, url_name, obj, role, expected):
    before = api_helpers.domain_state()
    response = _post(client, w, url_name, obj, api_helpers.as_role(w, role))
    assert response.status_code == expected, response.content[:500]
    if expected == 201:
        assert api_helpers.domain_state() != before
        if url_name == "api:action-progress":
            update = ProgressUpdate.objects.get(pk=response.json()["id"])
            assert (update.action_id, update.author) == (getattr(w, obj).pk, getattr(w, role))
        else:
            (item,) = response.json()
            assert Evidence.objects.get(pk=item["id"]).submitted_by == getattr(w, role)
    else:
        assert api_helpers.domain_state() == before
        assert api_helpers.detail(response)


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(POST_MATRIX)))
def test_post_writes_only_for_those_allowed_and_refusals_change_nothing(client, w, url_name, obj, role, expected):
    _check_post(client, w, url_name, obj, role, expected)


# Every endpoint that writes, and a read-only one (where the token's scope is judged before the method).
READ_TOKEN_POSTS = [
    ("api:action-progress", "multi_action"),
    ("api:action-progress", "police_action"),
    ("api:evidence_submit", "multi_action"),
    ("api:evidence_submit", "police_action"),
    ("api:review-list", None),
]


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize(("url_name", "obj"), READ_TOKEN_POSTS)
def test_a_read_only_token_may_only_read(client, w, url_name, obj, role):
    """Even the lead agency's user, who may write with a read-and-write token, is refused with a read-only one."""
    before = api_helpers.domain_state()
    response = _post(client, w, url_name, obj, api_helpers.as_role(w, role, scope="read"))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("This token may only read.")
    assert api_helpers.domain_state() == before
    # The same token reads.
    assert client.get(matrix.url(w, "api:action-detail", "multi_action"),
                      **api_helpers.as_role(w, role, scope="read")).status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999", "1.5"])
def test_an_object_that_does_not_exist_is_404_in_json(client, w, pk):
    """No such id, not a number, or a number too large for the database: 404, as JSON like every answer."""
    headers = api_helpers.as_role(w, "member")
    for url_name in ("api:review-detail", "api:plan-detail", "api:action-detail", "api:action-progress",
                     "api:evidence-detail", "api:evidence-file", "api:learning_event-detail", "api:concern-detail"):
        response = client.get(reverse(url_name, args=[pk]), **headers)
        assert response.status_code == 404, (url_name, response.content[:300])
        assert response.json()["detail"], url_name


def _walk(client, url, headers):
    """Every object of a list, following ``next`` to the end."""
    results = []
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        results += body["results"]
        url = body["next"]
    return results


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_action_list_holds_exactly_the_actions_the_role_may_see(client, w, role):
    listed = [a["id"] for a in _walk(client, reverse("api:action-list"), api_helpers.as_role(w, role))]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(access.visible_actions(getattr(w, role)).values_list("pk", flat=True))


def test_an_agency_user_lists_neither_another_agencys_plan_nor_its_actions(client, w):
    for role, own, others in (("agency_user", w.police_plan, w.health_plan), ("other", w.health_plan, w.police_plan)):
        headers = api_helpers.as_role(w, role)
        plans = {p["id"] for p in _walk(client, reverse("api:plan-list"), headers)}
        assert plans == {w.multi_plan.pk, own.pk}
        actions = {a["plan"] for a in _walk(client, reverse("api:action-list"), headers)}
        assert others.pk not in actions and own.pk in actions
        filtered = _walk(client, reverse("api:action-list") + f"?plan={others.pk}", headers)
        assert [a["id"] for a in filtered if a["plan"] == others.pk] == []


@pytest.mark.parametrize(
    ("role", "items"),
    [
        ("agency_user", ("police_item", "police_own_item", "note_item")),
        ("other", ("health_multi_item", "health_item")),
        ("member", ("police_item", "police_own_item", "note_item", "health_multi_item", "health_item")),
        ("consultant", ("police_item", "police_own_item", "note_item", "health_multi_item", "health_item")),
        ("chair", ("police_item", "police_own_item", "note_item", "health_multi_item", "health_item")),
    ],
)
def test_the_evidence_list_holds_an_agency_users_own_agencys_items_only(client, w, role, items):
    listed = [e["id"] for e in _walk(client, reverse("api:evidence-list"), api_helpers.as_role(w, role))]
    assert sorted(listed) == sorted(getattr(w, name).pk for name in items)
    if role in ("agency_user", "other"):
        agency = getattr(w, role).agency
        assert set(Evidence.objects.filter(pk__in=listed).values_list("agency", flat=True)) == {agency.pk}


def test_filtering_the_evidence_list_by_another_agencys_action_shows_none_of_its_evidence(client, w):
    """The police see the multi-agency action health leads, but not health's evidence on it."""
    url = reverse("api:evidence-list") + f"?action={w.multi_action_health.pk}"
    assert _walk(client, url, api_helpers.as_role(w, "agency_user")) == []
    assert [e["id"] for e in _walk(client, url, api_helpers.as_role(w, "other"))] == [w.health_multi_item.pk]


@pytest.mark.parametrize(
    ("role", "concerns"),
    [
        ("member", ("shared_concern", "police_concern", "health_concern")),
        ("chair", ("shared_concern", "police_concern", "health_concern")),
        ("agency_user", ("shared_concern", "police_concern")),
        ("other", ("shared_concern", "health_concern")),
    ],
)
def test_the_concern_list_holds_the_concerns_naming_an_agency_users_agency(client, w, role, concerns):
    listed = [c["id"] for c in _walk(client, reverse("api:concern-list"), api_helpers.as_role(w, role))]
    assert sorted(listed) == sorted(getattr(w, name).pk for name in concerns)


def test_the_consultant_is_refused_the_concern_list_in_words(client, w):
    response = client.get(reverse("api:concern-list"), **api_helpers.as_role(w, "consultant"))
    assert response.status_code == 403
    assert "Board concerns are for" in response.json()["detail"]


def test_an_agency_users_dashboard_counts_only_the_actions_it_may_see(client, w):
    """The health user does not count the police's own plan's action in the review's figures; a member does."""
    for role in ("member", "other"):
        rows = client.get(reverse("api:dashboard_reviews"), **api_helpers.as_role(w, role)).json()
        (row,) = [r for r in rows if r["id"] == w.review.pk]
        assert row["total"] == access.visible_actions(getattr(w, role)).filter(plan__review=w.review).count()
    by_agency = client.get(reverse("api:dashboard_agencies"), **api_helpers.as_role(w, "other")).json()
    police = [r for r in by_agency if r["id"] == w.police.pk]
    assert sum(r["total"] for r in police) == access.visible_actions(w.other).filter(lead_agency=w.police).count()
