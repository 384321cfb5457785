"""Who may see and do what with evidence (DOMAIN.md, "Who may see and change what"), URL by URL, role by role.

    LOGIN   302 to the login page (anonymous users)
    SAVED   302 after a successful write (POST only)
    200     the page (or the file)
    403     the user may see the object but not do this
    404     the user may not know the object exists (another agency's evidence)
    405     the wrong method
"""

import pytest
from django.urls import reverse

from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status
from audit.models import ChangeRecord
from evidence import services
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload
from tests import evidence_samples as samples
from tests import factories

LOGIN, SAVED = "login", "saved"
ROLES = ("anonymous", "member", "chair", "consultant", "admin", "agency_user", "other")
#         ^ world.agency_user is a police user; world.other is a health user.

READERS = (LOGIN, 200, 200, 200, 200, 200, 404)  # police evidence: the health user does not know it exists
QUEUE_READERS = (LOGIN, 200, 200, 200, 200, 403, 403)
POLICE_ONLY = (LOGIN, 403, 403, 403, 403, 200, 404)
DECIDERS = (LOGIN, 403, 403, 200, 200, 403, 403)
POST_ONLY = (LOGIN, 405, 405, 405, 405, 405, 405)

# fmt: off
GET_MATRIX = [
    # url name                              object            anonymous member chair consultant admin police health
    ("evidence:detail",                     "police_item",    READERS),
    ("evidence:detail",                     "police_own_item", READERS),
    ("evidence:detail",                     "health_item",    (LOGIN,    200,   200,   200,       200,  404,   200)),
    ("evidence:download",                   "police_item",    READERS),
    ("evidence:download",                   "police_own_item", READERS),
    ("evidence:download",                   "health_item",    (LOGIN,    200,   200,   200,       200,  404,   200)),
    ("evidence:queue",                      None,             QUEUE_READERS),
    ("evidence:submit",                     "multi_action",   (LOGIN,    403,   403,   403,       403,  200,   403)),
    ("evidence:submit",                     "police_action",  POLICE_ONLY),
    ("evidence:submit",                     "health_action",  (LOGIN,    403,   403,   403,       403,  404,   200)),
    ("evidence:withdraw",                   "police_item",    POLICE_ONLY),
    ("evidence:new_version",                "police_item",    POLICE_ONLY),
    ("evidence:decide",                     "police_item",    POST_ONLY),
    ("evidence:verify",                     "multi_action",   POST_ONLY),
    ("evidence:withdraw_verification",      "multi_action",   DECIDERS),
    ("evidence:withdraw_verification",      "police_action",  (LOGIN,    403,   403,   200,       200,  403,   404)),
]

POST_MATRIX = [
    ("evidence:decide",                     "police_item",    (LOGIN,    403,   403,   SAVED,     SAVED, 403,  404)),
    ("evidence:decide",                     "police_own_item", (LOGIN,   403,   403,   SAVED,     SAVED, 403,  404)),
    ("evidence:verify",                     "completed_action", (LOGIN,  403,   403,   SAVED,     SAVED, 403,  403)),
    ("evidence:withdraw_verification",      "verified_action", (LOGIN,   403,   403,   SAVED,     SAVED, 403,  403)),
    ("evidence:submit",                     "multi_action",   (LOGIN,    403,   403,   403,       403,  SAVED, 403)),
    ("evidence:submit",                     "police_action",  (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:withdraw",                   "police_item",    (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:new_version",                "police_item",    (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
]
# fmt: on


@pytest.fixture
def ev(world):
    """world plus evidence: police items on the multi-agency action it leads and on its own plan, a health item,
    and a completed action (with accepted evidence) and a verified one, both health-led on the multi-agency plan."""
    w = world
    w.police_item = samples.submit(w.multi_action, w.agency_user)
    w.police_own_item = samples.submit(w.police_action, w.agency_user, name="force-instruction.pdf")
    w.health_item = samples.submit(w.health_action, w.other, name="protocol.pdf")
    w.completed_action = w.multi_action_health
    Action.objects.filter(pk=w.completed_action.pk).update(status=Status.COMPLETED)
    accepted = samples.submit(w.completed_action, w.other, name="audit.pdf")
    services.evidence_decide(evidence=accepted, actor=w.consultant, accept=True, note="")
    w.verified_action = factories.action(w.multi_plan, w.health, reference="1.9", status=Status.VERIFIED)
    return w


def _cases(matrix):
    for url_name, obj, expectations in matrix:
        assert len(expectations) == len(ROLES), url_name
        for role, expected in zip(ROLES, expectations, strict=True):
            yield pytest.param(url_name, obj, role, expected, id=f"{url_name}[{obj or '-'}]-{role}-{expected}")


def _url(w, url_name, obj):
    return reverse(url_name, args=[getattr(w, obj).pk]) if obj else reverse(url_name)


def _log_in_as(client, w, role):
    if role != "anonymous":
        client.force_login(getattr(w, role))


def _valid_data(url_name):
    if url_name == "evidence:decide":
        return {"decision": "accept", "note": ""}
    if url_name == "evidence:verify":
        return {"note": "Audit accepted: the protocol is in use."}
    if url_name in ("evidence:withdraw", "evidence:withdraw_verification"):
        return {"reason": "Sent by mistake."}
    if url_name in ("evidence:submit", "evidence:new_version"):
        return {"description": "Minutes.", "represents_on": "2026-01-15", "note": "Agreed by all partners."}
    raise AssertionError(url_name)


def db_state():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Evidence, EvidenceDecision, EvidenceDownload, Action, ProgressUpdate, ChangeRecord)
    }


def _assert_outcome(response, expected):
    login_url = reverse("accounts:login")
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(login_url + "?next=")
    elif expected == SAVED:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response.url.startswith(login_url)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(_cases(GET_MATRIX)))
def test_get_gives_each_role_exactly_what_it_may_see(client, ev, url_name, obj, role, expected):
    _log_in_as(client, ev, role)
    response = client.get(_url(ev, url_name, obj))
    _assert_outcome(response, expected)
    if url_name == "evidence:download" and expected == 200:
        assert b"".join(response.streaming_content) == samples.pdf()


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(_cases(POST_MATRIX)))
def test_post_is_saved_only_for_those_allowed_and_refusals_change_nothing(client, ev, url_name, obj, role, expected):
    _log_in_as(client, ev, role)
    before = db_state()
    response = client.post(_url(ev, url_name, obj), _valid_data(url_name))
    _assert_outcome(response, expected)
    if expected == SAVED:
        assert db_state() != before
    else:
        assert db_state() == before


def test_agency_user_of_another_agency_gets_404_for_the_item_page_and_the_download(client, ev):
    client.force_login(ev.other)
    for item in (ev.police_item, ev.police_own_item):
        assert client.get(reverse("evidence:detail", args=[item.pk])).status_code == 404
        assert client.get(reverse("evidence:download", args=[item.pk])).status_code == 404
    assert not EvidenceDownload.objects.exists()


def test_agency_user_does_not_see_another_agencys_evidence_on_an_action_it_can_read(client, ev):
    client.force_login(ev.other)
    response = client.get(reverse("actionplans:action_detail", args=[ev.multi_action.pk]))
    assert response.status_code == 200
    assert response.context["evidence_items"] == []
    html = response.content.decode()
    assert reverse("evidence:detail", args=[ev.police_item.pk]) not in html
    assert ev.police_item.original_name not in html


def test_board_chair_cannot_decide_or_sign_off_and_nothing_changes(client, ev):
    client.force_login(ev.chair)
    before = db_state()
    assert client.post(reverse("evidence:decide", args=[ev.police_item.pk]), {"decision": "accept"}).status_code == 403
    reject = {"decision": "reject", "note": "Not enough."}
    assert client.post(reverse("evidence:decide", args=[ev.police_item.pk]), reject).status_code == 403
    verify = {"note": "Looks done."}
    assert client.post(reverse("evidence:verify", args=[ev.completed_action.pk]), verify).status_code == 403
    withdraw = {"reason": "No."}
    url = reverse("evidence:withdraw_verification", args=[ev.verified_action.pk])
    assert client.post(url, withdraw).status_code == 403
    assert db_state() == before


def test_agency_user_cannot_accept_its_own_evidence_or_verify_an_action(client, ev):
    client.force_login(ev.agency_user)
    before = db_state()
    response = client.post(reverse("evidence:decide", args=[ev.police_item.pk]), {"decision": "accept"})
    assert response.status_code == 403
    Action.objects.filter(pk=ev.multi_action.pk).update(status=Status.COMPLETED)
    services.evidence_decide(evidence=ev.police_item, actor=ev.consultant, accept=True, note="")
    before = db_state()
    response = client.post(reverse("evidence:verify", args=[ev.multi_action.pk]), {"note": "Done by us."})
    assert response.status_code == 403
    assert db_state() == before
    ev.multi_action.refresh_from_db()
    assert ev.multi_action.status == Status.COMPLETED


def test_the_chair_sees_evidence_but_no_decision_or_sign_off_controls(client, ev):
    client.force_login(ev.chair)
    html = client.get(reverse("evidence:detail", args=[ev.police_item.pk])).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) not in html
    assert reverse("evidence:new_version", args=[ev.police_item.pk]) not in html
    assert reverse("evidence:withdraw", args=[ev.police_item.pk]) not in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.completed_action.pk])).content.decode()
    assert reverse("evidence:verify", args=[ev.completed_action.pk]) not in html
    assert reverse("evidence:submit", args=[ev.completed_action.pk]) not in html
    queue = client.get(reverse("evidence:queue")).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) not in queue
    assert "Audit queue</a>" not in queue  # the nav link is the consultant's


def test_the_consultant_gets_the_controls(client, ev):
    client.force_login(ev.consultant)
    html = client.get(reverse("evidence:detail", args=[ev.police_item.pk])).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.completed_action.pk])).content.decode()
    assert reverse("evidence:verify", args=[ev.completed_action.pk]) in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.verified_action.pk])).content.decode()
    assert reverse("evidence:withdraw_verification", args=[ev.verified_action.pk]) in html
    assert f'href="{reverse("evidence:queue")}"' in html


def test_the_lead_agency_gets_the_submit_link_and_others_do_not(client, ev):
    url = reverse("evidence:submit", args=[ev.multi_action.pk])
    client.force_login(ev.agency_user)
    assert url in client.get(reverse("actionplans:action_detail", args=[ev.multi_action.pk])).content.decode()
    for user in (ev.other, ev.member, ev.consultant):
        client.force_login(user)
        assert url not in client.get(reverse("actionplans:action_detail", args=[ev.multi_action.pk])).content.decode()


def test_no_evidence_can_be_submitted_on_a_verified_or_cancelled_action(client, ev):
    client.force_login(ev.agency_user)
    assert client.get(reverse("evidence:submit", args=[ev.verified_action.pk])).status_code == 403
    Action.objects.filter(pk=ev.multi_action.pk).update(status=Status.CANCELLED, cancellation_reason="Not needed.")
    assert client.get(reverse("evidence:submit", args=[ev.multi_action.pk])).status_code == 403


def test_evidence_that_does_not_exist_is_404(client, ev):
    client.force_login(ev.member)
    for name in ("evidence:detail", "evidence:download"):
        assert client.get(reverse(name, args=[999999])).status_code == 404
