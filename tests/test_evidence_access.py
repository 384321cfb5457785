"""Who may see and do what with evidence, and who signs actions off (DOMAIN.md, "Who may see and change what"),
URL by URL, role by role, in the words of tests/matrix.py (LOGIN, REDIR, SAVED, 200, 403, 404, 405).
"""

import pytest
from django.urls import reverse

from actionplans import lifecycle
from actionplans.models import Action
from actionplans.rules import Status
from evidence.models import EvidenceDownload
from tests import evidence_samples as samples
from tests import factories, matrix
from tests.matrix import LOGIN, NOBODY_NOW, POST_ONLY, REDIR, SAVED

READERS = (LOGIN, 200, 200, 200, 200, 200, 404)  # police evidence: the health user does not know it exists
QUEUE_READERS = (LOGIN, 200, 200, 200, 200, 403, 403)
POLICE_ONLY = (LOGIN, 403, 403, 403, 403, 200, 404)
DECIDERS = (LOGIN, 403, 403, 200, 200, 403, 403)

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
    ("evidence:withdraw",                   "rejected_item",  POLICE_ONLY),
    # An accepted item is neither withdrawn nor replaced, not even by the agency that submitted it (health).
    ("evidence:withdraw",                   "accepted_item",  (LOGIN,    403,   403,   403,       403,  404,   403)),
    ("evidence:new_version",                "police_item",    POLICE_ONLY),
    ("evidence:new_version",                "rejected_item",  POLICE_ONLY),
    ("evidence:new_version",                "accepted_item",  (LOGIN,    403,   403,   403,       403,  404,   403)),
    ("evidence:decide",                     "police_item",    POST_ONLY),
    ("actionplans:action_verify",           "multi_action",   POST_ONLY),
    # A sign-off is withdrawn only from a verified action.
    ("actionplans:action_withdraw_verification", "verified_action", DECIDERS),
    ("actionplans:action_withdraw_verification", "multi_action", NOBODY_NOW),
    ("actionplans:action_withdraw_verification", "police_action", (LOGIN, 403, 403,  403,       403,  403,   404)),
]

POST_MATRIX = [
    ("evidence:decide",                     "police_item",    (LOGIN,    403,   403,   SAVED,     SAVED, 403,  404)),
    ("evidence:decide",                     "police_own_item", (LOGIN,   403,   403,   SAVED,     SAVED, 403,  404)),
    # Decided once: the consultant is sent back with a message, and nothing changes.
    ("evidence:decide",                     "accepted_item",  (LOGIN,    403,   403,   REDIR,     REDIR, 404,  403)),
    ("actionplans:action_verify",           "completed_action", (LOGIN,  403,   403,   SAVED,     SAVED, 403,  403)),
    ("actionplans:action_verify",           "verified_action", (LOGIN,   403,   403,   REDIR,     REDIR, 403,  403)),
    ("actionplans:action_verify",           "police_action",  (LOGIN,    403,   403,   REDIR,     REDIR, 403,  404)),
    ("actionplans:action_withdraw_verification", "verified_action", (LOGIN, 403, 403,  SAVED,     SAVED, 403,  403)),
    ("actionplans:action_withdraw_verification", "completed_action", NOBODY_NOW),
    ("evidence:submit",                     "multi_action",   (LOGIN,    403,   403,   403,       403,  SAVED, 403)),
    ("evidence:submit",                     "police_action",  (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:submit",                     "verified_action", NOBODY_NOW),  # a verified action takes no evidence
    ("evidence:withdraw",                   "police_item",    (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:withdraw",                   "rejected_item",  (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:withdraw",                   "accepted_item",  (LOGIN,    403,   403,   403,       403,  404,   403)),
    ("evidence:new_version",                "police_item",    (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:new_version",                "rejected_item",  (LOGIN,    403,   403,   403,       403,  SAVED, 404)),
    ("evidence:new_version",                "accepted_item",  (LOGIN,    403,   403,   403,       403,  404,   403)),
]
# fmt: on


@pytest.fixture
def ev(world):
    """world plus evidence: police items on the multi-agency action it leads and on its own plan (one of them
    rejected), a health item, and a completed action (with accepted evidence) and a verified one, both health-led
    on the multi-agency plan."""
    w = world
    w.police_item = samples.submit(w.multi_action, w.agency_user)
    w.police_own_item = samples.submit(w.police_action, w.agency_user, name="force-instruction.pdf")
    w.rejected_item = samples.submit(w.police_action, w.agency_user, name="undated.pdf")
    lifecycle.decide(evidence=w.rejected_item, actor=w.consultant, accept=False, note="Undated.", notify=False)
    w.health_item = samples.submit(w.health_action, w.other, name="protocol.pdf")
    w.completed_action = w.multi_action_health
    Action.objects.filter(pk=w.completed_action.pk).update(status=Status.COMPLETED)
    w.accepted_item = samples.submit(w.completed_action, w.other, name="audit.pdf")
    lifecycle.decide(evidence=w.accepted_item, actor=w.consultant, accept=True, note="")
    w.verified_action = factories.action(w.multi_plan, w.health, reference="1.9", status=Status.VERIFIED)
    for name in ("rejected_item", "accepted_item", "completed_action"):
        getattr(w, name).refresh_from_db()
    return w


def _valid_data(w, url_name, obj):
    seen = {"seen_status": factories.seen_status(getattr(w, obj))}
    if url_name == "evidence:decide":
        return {"decision": "accept", "note": ""}
    if url_name == "actionplans:action_verify":
        return {"note": "Audit accepted: the protocol is in use.", **seen}
    if url_name in ("evidence:withdraw", "actionplans:action_withdraw_verification"):
        return {"reason": "Sent by mistake.", **seen}
    if url_name == "evidence:submit":
        return {"description": "Minutes.", "represents_on": "2026-01-15", "note": "Agreed by all partners."}
    if url_name == "evidence:new_version":
        return {"description": "Minutes.", "represents_on": "2026-01-15", "note": "Agreed by all partners.", **seen}
    raise AssertionError(url_name)


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(GET_MATRIX)))
def test_get_gives_each_role_exactly_what_it_may_see(client, ev, url_name, obj, role, expected):
    matrix.log_in_as(client, ev, role)
    response = client.get(matrix.url(ev, url_name, obj))
    matrix.assert_outcome(response, expected)
    if url_name == "evidence:download" and expected == 200:
        assert b"".join(response.streaming_content) == samples.pdf()


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(matrix.cases(POST_MATRIX)))
def test_post_is_saved_only_for_those_allowed_and_refusals_change_nothing(client, ev, url_name, obj, role, expected):
    matrix.log_in_as(client, ev, role)
    before = matrix.db_state()
    response = client.post(matrix.url(ev, url_name, obj), _valid_data(ev, url_name, obj))
    matrix.assert_post_outcome(response, expected, before)


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
    before = matrix.db_state()
    assert client.post(reverse("evidence:decide", args=[ev.police_item.pk]), {"decision": "accept"}).status_code == 403
    reject = {"decision": "reject", "note": "Not enough."}
    assert client.post(reverse("evidence:decide", args=[ev.police_item.pk]), reject).status_code == 403
    verify = {"note": "Looks done.", "seen_status": Status.COMPLETED}
    assert client.post(reverse("actionplans:action_verify", args=[ev.completed_action.pk]), verify).status_code == 403
    withdraw = {"reason": "No.", "seen_status": Status.VERIFIED}
    url = reverse("actionplans:action_withdraw_verification", args=[ev.verified_action.pk])
    assert client.post(url, withdraw).status_code == 403
    assert matrix.db_state() == before


def test_agency_user_cannot_accept_its_own_evidence_or_verify_an_action(client, ev):
    client.force_login(ev.agency_user)
    before = matrix.db_state()
    response = client.post(reverse("evidence:decide", args=[ev.police_item.pk]), {"decision": "accept"})
    assert response.status_code == 403
    Action.objects.filter(pk=ev.multi_action.pk).update(status=Status.COMPLETED)
    lifecycle.decide(evidence=ev.police_item, actor=ev.consultant, accept=True, note="")
    before = matrix.db_state()
    data = {"note": "Done by us.", "seen_status": Status.COMPLETED}
    response = client.post(reverse("actionplans:action_verify", args=[ev.multi_action.pk]), data)
    assert response.status_code == 403
    assert matrix.db_state() == before
    ev.multi_action.refresh_from_db()
    assert ev.multi_action.status == Status.COMPLETED


def test_the_chair_sees_evidence_but_no_decision_or_sign_off_controls(client, ev):
    client.force_login(ev.chair)
    html = client.get(reverse("evidence:detail", args=[ev.police_item.pk])).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) not in html
    assert reverse("evidence:new_version", args=[ev.police_item.pk]) not in html
    assert reverse("evidence:withdraw", args=[ev.police_item.pk]) not in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.completed_action.pk])).content.decode()
    assert reverse("actionplans:action_verify", args=[ev.completed_action.pk]) not in html
    assert reverse("evidence:submit", args=[ev.completed_action.pk]) not in html
    queue = client.get(reverse("evidence:queue")).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) not in queue
    assert "Audit queue</a>" not in queue  # the nav link is the consultant's


def test_the_consultant_gets_the_controls(client, ev):
    client.force_login(ev.consultant)
    html = client.get(reverse("evidence:detail", args=[ev.police_item.pk])).content.decode()
    assert reverse("evidence:decide", args=[ev.police_item.pk]) in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.completed_action.pk])).content.decode()
    assert reverse("actionplans:action_verify", args=[ev.completed_action.pk]) in html
    html = client.get(reverse("actionplans:action_detail", args=[ev.verified_action.pk])).content.decode()
    assert reverse("actionplans:action_withdraw_verification", args=[ev.verified_action.pk]) in html
    assert f'href="{reverse("evidence:queue")}"' in html


def test_the_lead_agency_gets_the_submit_link_and_others_do_not(client, ev):
    url = reverse("evidence:submit", args=[ev.multi_action.pk])
    client.force_login(ev.agency_user)
    assert url in client.get(reverse("actionplans:action_detail", args=[ev.multi_action.pk])).content.decode()
    for user in (ev.other, ev.member, ev.consultant):
        client.force_login(user)
        assert url not in client.get(reverse("actionplans:action_detail", args=[ev.multi_action.pk])).content.decode()


def test_the_action_page_offers_a_new_version_beside_a_rejected_item(client, ev):
    client.force_login(ev.agency_user)
    html = client.get(reverse("actionplans:action_detail", args=[ev.police_action.pk])).content.decode()
    assert reverse("evidence:new_version", args=[ev.rejected_item.pk]) in html
    client.force_login(ev.member)
    html = client.get(reverse("actionplans:action_detail", args=[ev.police_action.pk])).content.decode()
    assert reverse("evidence:new_version", args=[ev.rejected_item.pk]) not in html  # the agency's own move


def test_no_evidence_can_be_submitted_on_a_verified_or_cancelled_action(client, ev):
    client.force_login(ev.other)  # health leads the verified action: only its status refuses
    assert client.get(reverse("evidence:submit", args=[ev.multi_action_health.pk])).status_code == 200
    assert client.get(reverse("evidence:submit", args=[ev.verified_action.pk])).status_code == 403
    client.force_login(ev.agency_user)
    assert client.get(reverse("evidence:submit", args=[ev.multi_action.pk])).status_code == 200
    Action.objects.filter(pk=ev.multi_action.pk).update(status=Status.CANCELLED, cancellation_reason="Not needed.")
    assert client.get(reverse("evidence:submit", args=[ev.multi_action.pk])).status_code == 403


def test_evidence_that_does_not_exist_is_404(client, ev):
    client.force_login(ev.member)
    for name in ("evidence:detail", "evidence:download"):
        assert client.get(reverse(name, args=[999999])).status_code == 404
