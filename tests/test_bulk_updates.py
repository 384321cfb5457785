"""Bulk updates in the board meeting (issue 12): from the action list a member selects actions (ticked, or all those
matching the filter) and reassigns the responsible officer, moves the target dates with one reason, or records one
progress note on each. One confirmation page shows each change (old → new) and each refusal, by action; confirming
makes the changes, each recorded on its own, with conditional writes, so an action changed since the confirmation
is refused, naming who changed it, never overwritten. A fixed number of queries for 10 or 100 actions.

Two people at once (a bulk change and a change of one action) on PostgreSQL, as tests/test_races.py does.
"""

import datetime
import html
import io
import re
import threading
import time
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from accounts import access
from accounts.models import Role, User
from actionplans import bulk, dates, lifecycle, services
from actionplans.models import Action, ProgressUpdate, TargetDateChange
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from audit.services import record_created
from audit.verification import verify_chain
from tests import factories, matrix
from tests.test_races import IN_CI

CONFIRM, APPLY, RESULT = "actionplans:bulk_confirm", "actionplans:bulk_apply", "actionplans:bulk_result"
REASON = "The board agreed a new timetable at its March meeting."
NOTE = "Discussed at the board meeting of 12 March: on track."


def day(date):
    return formats.date_format(date, "j M Y")


@pytest.fixture
def meeting(world):
    """The world, with actions in the statuses that close moves, a second police officer and an inactive one, and
    every action recorded as the pages record them (so that the audit chain verifies)."""
    w = world
    w.verified = factories.action(w.multi_plan, w.health, reference="1.6", status=Status.VERIFIED)
    w.cancelled = factories.action(w.multi_plan, w.police, reference="1.5", status=Status.CANCELLED)
    w.completed = factories.action(w.multi_plan, w.police, reference="1.7", status=Status.COMPLETED)
    w.new_officer = factories.user(Role.AGENCY, username="police2", agency=w.police)
    for action in Action.objects.order_by("pk"):
        record_created(action, actor=w.member)
    return w


def confirm(client, actions=(), *, scope="selected", query="", **data):
    return client.post(
        reverse(CONFIRM), {"actions": [a.pk for a in actions], "scope": scope, "query": query, **data}
    )


def confirmation_of(response):
    assert response.status_code == 200, response.content.decode()[:3000]
    return response.context["confirmation"]


def apply(client, token):
    response = client.post(reverse(APPLY), {"token": token, "query": ""})
    assert response.status_code == 302
    return response


def result_page(client):
    response = client.get(reverse(RESULT))
    assert response.status_code == 200
    return response.context["outcome"], text_of(response)


def text_of(response):
    main = response.content.decode()
    main = main[main.index("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#x27;", "'")


def by_name(lines, attribute):
    return {line.name: getattr(line, attribute) for line in lines}


def records_since(since, model=Action):
    return list(
        ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model), id__gt=since).order_by("id")
    )


def last_record_id():
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def chain_verifies():
    result = verify_chain()
    assert result.intact, result.problems
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)  # raises CommandError when the chain is broken
    return out.getvalue()


# --- the list ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "admin"])
def test_members_get_a_labelled_checkbox_per_row_and_the_bulk_form(client, meeting, role):
    client.force_login(getattr(meeting, role))
    response = client.get(reverse("actionplans:action_list"))
    html = response.content.decode()
    rows = list(response.context["page"].object_list)
    assert len(rows) == Action.objects.count() == 7
    for action in rows:
        assert re.search(
            rf'<input [^>]*name="actions" value="{action.pk}" id="select-{action.pk}" form="bulk-form">'
            rf'<label class="visually-hidden" for="select-{action.pk}">Select action {re.escape(str(action))}</label>',
            html,
        )
    assert html.count('name="actions"') == len(rows)
    assert f'<form id="bulk-form" method="post" action="{reverse(CONFIRM)}"' in html
    assert "All 7 actions matching the filter" in html
    # The operation is a group of radio buttons with its legend.
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>\s*What to change", html)


def test_the_bulk_form_drawn_again_shows_what_changed_since(client, meeting):
    """The list keeps the form's fields drawn by what they show (bulk_views._drawn): a new officer, another count,
    another filter all show at once."""
    client.force_login(meeting.member)
    url = reverse("actionplans:action_list")
    before = client.get(url).content.decode()
    assert "All 7 actions matching the filter" in before and "Newly Appointed" not in before
    officer = factories.user(Role.AGENCY, agency=meeting.police, username="new-officer")
    User.objects.filter(pk=officer.pk).update(first_name="Newly", last_name="Appointed")
    factories.action(meeting.multi_plan, meeting.police, reference="9.1")
    after = client.get(url).content.decode()
    assert "All 8 actions matching the filter" in after
    assert re.search(r'<option value="\d+">Newly Appointed</option>', after)
    filtered = client.get(url + f"?lead_agency={meeting.police.pk}").content.decode()
    assert f'name="query" value="lead_agency={meeting.police.pk}"' in filtered


@pytest.mark.parametrize("role", ["chair", "consultant", "agency_user", "other"])
def test_others_get_no_checkboxes_and_no_bulk_form(client, meeting, role):
    client.force_login(getattr(meeting, role))
    html = client.get(reverse("actionplans:action_list")).content.decode()
    assert 'name="actions"' not in html
    assert "bulk-form" not in html
    assert reverse(CONFIRM) not in html


@pytest.mark.parametrize("role", ["chair", "consultant", "agency_user", "other"])
def test_the_bulk_urls_answer_403_to_everyone_but_members(client, meeting, role):
    token = bulk.prepare(
        meeting.member, Action.objects.filter(pk=meeting.multi_action.pk), bulk.Change("note", note=NOTE)
    ).token
    client.force_login(getattr(meeting, role))
    before = matrix.db_state()
    assert confirm(client, [meeting.multi_action], operation="note", note=NOTE).status_code == 403
    assert client.post(reverse(APPLY), {"token": token}).status_code == 403
    assert client.get(reverse(RESULT)).status_code == 403
    assert matrix.db_state() == before


# --- reassigning the responsible officer ---------------------------------------------------------------------------


def test_reassigning_the_officer_refuses_another_agencys_actions_and_records_each_change(client, meeting):
    w = meeting
    client.force_login(w.member)
    selected = [w.multi_action, w.police_action, w.multi_action_health, w.health_action, w.verified]
    page = confirm(client, selected, operation="officer", officer=w.new_officer.pk)
    confirmation = confirmation_of(page)
    new = f"{w.new_officer} (Police)"
    assert by_name(confirmation.changes, "before") == {
        str(w.multi_action): f"{w.agency_user} (Police)",
        str(w.police_action): "none named",
    }
    assert set(by_name(confirmation.changes, "after").values()) == {new}
    assert by_name(confirmation.refusals, "refusal") == {
        str(a): f"{w.new_officer} works for Police, but action {a} is led by Health: its officer must be one of "
        "Health's users."
        for a in (w.multi_action_health, w.health_action, w.verified)
    }
    text = text_of(page)
    assert "2 actions will change; 3 will be refused" in text
    assert f"{w.agency_user} (Police) → to {new}" in text

    since = last_record_id()
    response = apply(client, confirmation.token)
    assert response.url == reverse(RESULT)
    outcome, text = result_page(client)
    assert "2 actions changed; 3 refused, each listed below with the reason." in text
    assert "2 actions changed, 3 refused." in text
    assert (len(outcome.changed), len(outcome.refused)) == (2, 3)
    for action in (w.multi_action, w.police_action):
        action.refresh_from_db()
        assert action.responsible_officer == w.new_officer
    assert {a.pk: a.responsible_officer_id for a in Action.objects.filter(lead_agency=w.health)} == {
        w.multi_action_health.pk: None, w.health_action.pk: None, w.verified.pk: None,
    }
    # One change record per changed action, naming the field, before and after; none for the refused.
    assert [(r.object_id, r.verb, r.actor_id, r.changes) for r in records_since(since)] == [
        (w.multi_action.pk, "changed", w.member.pk, {"responsible officer": [str(w.agency_user), str(w.new_officer)]}),
        (w.police_action.pk, "changed", w.member.pk, {"responsible officer": ["—", str(w.new_officer)]}),
    ]
    chain_verifies()


def test_taking_the_officer_off_refuses_actions_without_one(client, meeting):
    w = meeting
    client.force_login(w.member)
    confirmation = confirmation_of(confirm(client, [w.multi_action, w.police_action], operation="officer",
                                           officer="none"))
    assert by_name(confirmation.changes, "after") == {str(w.multi_action): "none named"}
    assert by_name(confirmation.refusals, "refusal") == {
        str(w.police_action): f"Action {w.police_action} has no responsible officer already."
    }
    apply(client, confirmation.token)
    w.multi_action.refresh_from_db()
    assert w.multi_action.responsible_officer is None


def test_an_officer_made_inactive_since_the_confirmation_is_refused_for_every_action(client, meeting):
    w = meeting
    client.force_login(w.member)
    confirmation = confirmation_of(confirm(client, [w.police_action, w.completed], operation="officer",
                                           officer=w.new_officer.pk))
    w.new_officer.is_active = False
    w.new_officer.save()
    apply(client, confirmation.token)
    outcome, _ = result_page(client)
    assert outcome.changed == []
    assert by_name(outcome.refused, "refusal") == {
        str(a): f"{w.new_officer} is no longer an active agency user, so cannot be responsible for action {a}."
        for a in (w.police_action, w.completed)
    }
    assert not Action.objects.filter(responsible_officer=w.new_officer).exists()


# --- moving target dates ---------------------------------------------------------------------------------------


def test_moving_dates_later_refuses_closed_actions_and_waiting_requests_and_keeps_each_move(client, meeting):
    w = meeting
    request = dates.request_target_date(
        action=w.multi_action_health, actor=w.other, new_date=today() + datetime.timedelta(days=200),
        reason="Staff shortage.",
    )
    client.force_login(w.member)
    selected = [w.multi_action, w.police_action, w.completed, w.verified, w.cancelled, w.multi_action_health]
    old = {a.pk: a.target_date for a in selected}
    confirmation = confirmation_of(confirm(client, selected, operation="dates", days=14, reason=REASON))
    moved = (w.multi_action, w.police_action, w.completed)
    assert {line.name: (line.before, line.after) for line in confirmation.changes} == {
        str(a): (day(old[a.pk]), day(old[a.pk] + datetime.timedelta(days=14))) for a in moved
    }
    assert by_name(confirmation.refusals, "refusal") == {
        str(w.verified): f"Action {w.verified} is verified: its target date no longer changes.",
        str(w.cancelled): f"Action {w.cancelled} is cancelled: its target date no longer changes.",
        str(w.multi_action_health): f"{w.other} asked on {day(request.requested_at)} to move the target date of "
        f"action {w.multi_action_health} to {day(request.new_date)}, and that request is waiting for a decision: "
        "approve or refuse it first.",
    }

    since = last_record_id()
    apply(client, confirmation.token)
    outcome, text = result_page(client)
    assert "3 actions changed; 3 refused" in text
    for action in selected:
        action.refresh_from_db()
    for action in moved:
        assert action.target_date == old[action.pk] + datetime.timedelta(days=14)
        assert action.original_target_date == old[action.pk]
        assert action.target_date_moves == 1
        change = TargetDateChange.objects.get(action=action)
        assert (change.status, change.old_date, change.new_date, change.reason) == (
            TargetDateChange.Status.APPROVED, old[action.pk], action.target_date, REASON
        )
        assert (change.requested_by, change.decided_by) == (w.member, w.member)
        assert change.requested_at == change.decided_at
    for action in (w.verified, w.cancelled, w.multi_action_health):
        assert (action.target_date, action.target_date_moves) == (old[action.pk], 0)
    assert list(TargetDateChange.objects.filter(action__in=[w.verified, w.cancelled])) == []
    assert TargetDateChange.objects.get(action=w.multi_action_health) == request  # still waiting, untouched
    # As actionplans.dates records one move: the approved change (created), then the action's date (changed).
    records = ChangeRecord.objects.filter(id__gt=since).order_by("sequence")
    changes = {c.action_id: c for c in TargetDateChange.objects.filter(action__in=moved)}
    expected = []
    in_order = {a.pk: a for a in moved}
    for action in (in_order[line.pk] for line in confirmation.changes):  # the records follow the page's order
        expected += [
            (changes[action.pk].pk, "created", changes[action.pk].get_status_display()),
            (action.pk, "changed", {"target date": [day(old[action.pk]), day(action.target_date)]}),
        ]
    assert [
        (r.object_id, r.verb, r.changes["status"][1] if r.verb == "created" else r.changes) for r in records
    ] == expected
    chain_verifies()


def test_one_new_date_for_every_action_refuses_those_already_on_it(client, meeting):
    w = meeting
    new_date = today() + datetime.timedelta(days=120)
    services_date = dates.change_target_date(
        action=w.completed, actor=w.admin, new_date=new_date, reason="Aligned.", seen_date=w.completed.target_date
    )
    assert services_date.new_date == new_date
    client.force_login(w.member)
    confirmation = confirmation_of(
        confirm(client, [w.multi_action, w.completed], operation="dates", new_date=new_date.isoformat(), reason=REASON)
    )
    assert by_name(confirmation.changes, "after") == {str(w.multi_action): day(new_date)}
    assert by_name(confirmation.refusals, "refusal") == {
        str(w.completed): f"The target date of action {w.completed} is {day(new_date)} already."
    }
    apply(client, confirmation.token)
    w.multi_action.refresh_from_db()
    assert (w.multi_action.target_date, w.multi_action.target_date_moves) == (new_date, 1)


# --- a progress note on each -----------------------------------------------------------------------------------


def test_a_note_on_each_leaves_the_statuses_refuses_closed_actions_and_is_sealed(client, meeting):
    w = meeting
    client.force_login(w.member)
    selected = [w.multi_action, w.completed, w.cancelled, w.verified]
    confirmation = confirmation_of(confirm(client, selected, operation="note", note=NOTE))
    assert by_name(confirmation.changes, "after") == {
        str(w.multi_action): "progress note recorded; the status stays in progress",
        str(w.completed): "progress note recorded; the status stays completed",
    }
    assert by_name(confirmation.refusals, "refusal") == {
        str(w.cancelled): f"Action {w.cancelled} is cancelled: reinstate it before recording progress on it.",
        str(w.verified): f"Action {w.verified} is verified: its sign-off is withdrawn before progress is recorded on it.",
    }
    since, statuses = last_record_id(), {a.pk: a.status for a in selected}
    apply(client, confirmation.token)
    _, text = result_page(client)
    assert "2 actions changed; 2 refused" in text
    entries = list(ProgressUpdate.objects.order_by("id"))
    assert [(e.action_id, e.author_id, e.note, e.status_before, e.status_after) for e in entries] == [
        (w.multi_action.pk, w.member.pk, NOTE, Status.IN_PROGRESS, Status.IN_PROGRESS),
        (w.completed.pk, w.member.pk, NOTE, Status.COMPLETED, Status.COMPLETED),
    ]
    assert {a.pk: a.status for a in Action.objects.filter(pk__in=statuses)} == statuses
    # Each entry sealed in the chain, one record each, and the chain verifies (verify_audit_chain as well).
    records = records_since(since, ProgressUpdate)
    assert [(r.object_id, r.verb, r.actor_id, bool(r.seal)) for r in records] == [
        (e.pk, "recorded", w.member.pk, True) for e in entries
    ]
    assert ChangeRecord.objects.filter(id__gt=since).count() == 2
    chain_verifies()


def test_an_edited_bulk_entry_is_detected_by_the_chain(client, meeting):
    w = meeting
    client.force_login(w.member)
    apply(client, confirmation_of(confirm(client, [w.multi_action, w.completed], operation="note", note=NOTE)).token)
    assert verify_chain().intact
    ProgressUpdate.objects.filter(action=w.completed).update(note="Rewritten afterwards.")
    problems = verify_chain().problems
    assert len(problems) == 1
    assert f"#{ProgressUpdate.objects.get(action=w.completed).pk}" in problems[0]


# --- which actions -----------------------------------------------------------------------------------------------


def test_all_matching_the_filter_takes_exactly_the_filtered_set_read_again_at_confirmation(client, meeting):
    w = meeting
    client.force_login(w.member)
    query = f"lead_agency={w.police.pk}&status=in_progress"
    listed = client.get(reverse("actionplans:action_list") + "?" + query)
    assert {a.pk for a in listed.context["page"].object_list} == {w.multi_action.pk, w.police_action.pk}
    assert "All 2 actions matching the filter" in listed.content.decode()
    # Someone adds a matching action after the list was drawn: the confirmation reads the filter again.
    later = factories.action(w.police_plan, w.police, reference="P.9")
    confirmation = confirmation_of(
        # A ticked action outside the filter does not count when "all matching" is chosen.
        confirm(client, [w.health_action], scope="all", query=query, operation="note", note=NOTE)
    )
    assert {line.pk for line in confirmation.changes + confirmation.refusals} == {
        w.multi_action.pk, w.police_action.pk, later.pk
    }


def test_ticked_actions_are_exactly_those_taken(client, meeting):
    w = meeting
    client.force_login(w.member)
    confirmation = confirmation_of(confirm(client, [w.health_action, w.completed], operation="note", note=NOTE))
    assert {line.pk for line in confirmation.changes} == {w.health_action.pk, w.completed.pk}
    assert confirmation.refusals == []


def test_an_action_that_does_not_exist_is_not_there(client, meeting):
    w = meeting
    client.force_login(w.member)
    response = client.post(
        reverse(CONFIRM), {"actions": [w.completed.pk, 999999], "scope": "selected", "operation": "note", "note": NOTE}
    )
    confirmation = confirmation_of(response)
    assert [line.pk for line in confirmation.changes + confirmation.refusals] == [w.completed.pk]


def test_an_agency_cannot_reach_another_agencys_own_plan_through_a_bulk_change(meeting):
    # The selection always starts from access.visible_actions: prepare() and apply() take nothing else.
    w = meeting
    visible = access.visible_actions(w.agency_user)
    assert w.health_action not in visible
    with pytest.raises(PermissionDenied):
        bulk.prepare(w.agency_user, visible, bulk.Change("note", note=NOTE))


def test_more_than_the_cap_is_refused_with_a_clear_message(client, meeting, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ACTIONS", 5)
    client.force_login(meeting.member)
    before = matrix.db_state()
    response = confirm(client, scope="all", operation="note", note=NOTE)
    assert response.status_code == 400
    message = "7 actions are selected, and one bulk change takes at most 5. Narrow the filter"
    assert message in response.context["form"].errors["scope"][0]
    assert message in text_of(response)
    assert matrix.db_state() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "operation", "Choose what to change: the responsible officer, the target dates or a note."),
        ({"operation": "officer"}, "officer", "Choose the new responsible officer, or “None named”."),
        ({"operation": "officer", "officer": "999999"}, "officer", "Select a valid choice."),
        ({"operation": "dates", "reason": REASON}, "new_date", "Give the new target date, or a number of days"),
        ({"operation": "dates", "reason": REASON, "days": 7, "new_date": "2031-01-01"}, "days",
         "Give a new target date or a number of days, not both."),
        ({"operation": "dates", "reason": REASON, "new_date": "2020-01-01"}, "new_date",
         "1 Jan 2020 is in the past: choose a later date."),
        ({"operation": "dates", "days": 0, "reason": REASON}, "days", "Ensure this value is greater than or equal to 1."),
        ({"operation": "dates", "days": 7}, "reason", "Give a reason for moving the target dates"),
        ({"operation": "note"}, "note", "Write the progress note to record on each action."),
        ({"operation": "note", "note": "x" * 5001}, "note", "Ensure this value has at most 5000 characters"),
        ({"operation": "note", "note": NOTE, "actions": []}, "scope", "Tick at least one action in the table"),
        ({"operation": "note", "note": NOTE, "actions": ["seven"]}, "actions", "The ticked actions could not be read"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_changes_nothing(client, meeting, data, field, message):
    client.force_login(meeting.member)
    before = matrix.db_state()
    posted = {"actions": [meeting.multi_action.pk], "scope": "selected", "query": "", **data}
    response = client.post(reverse(CONFIRM), posted)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert message in html.unescape(response.content.decode())
    assert matrix.db_state() == before
    # The selection is carried on, so that correcting the form is enough.
    if field not in ("scope", "actions"):
        assert f'name="actions" value="{meeting.multi_action.pk}"' in response.content.decode()


# --- what changed since the confirmation ------------------------------------------------------------------------------


def _meanwhile(w, operation):
    """Someone else changes the first action since the confirmation; what the refusal must then say of it."""
    action = w.multi_action
    if operation == "officer":
        services.action_update(action=action, actor=w.admin, responsible_officer=None)
        return f"by {w.admin} on ", f"(responsible officer changed from {w.agency_user} to —)"
    if operation == "dates":
        old = action.target_date
        new = old + datetime.timedelta(days=3)
        dates.change_target_date(action=action, actor=w.admin, new_date=new, reason="Moved.", seen_date=old)
        return f"by {w.admin} on ", f"(target date changed from {day(old)} to {day(new)})"
    lifecycle.record_progress(
        action=action, actor=w.agency_user, status=Status.COMPLETED, note="All done.", seen_status=Status.IN_PROGRESS
    )
    return f"by {w.agency_user} on ", "(status changed from in progress to completed)"


DATA = {
    "officer": lambda w: {"officer": w.new_officer.pk},
    "dates": lambda w: {"days": 10, "reason": REASON},
    "note": lambda w: {"note": NOTE},
}


@pytest.mark.parametrize("operation", list(DATA))
def test_an_action_changed_since_the_confirmation_is_refused_naming_who_and_not_overwritten(client, meeting, operation):
    w = meeting
    client.force_login(w.member)
    confirmation = confirmation_of(
        confirm(client, [w.multi_action, w.completed], operation=operation, **DATA[operation](w))
    )
    assert len(confirmation.changes) == 2
    who, what = _meanwhile(w, operation)
    w.multi_action.refresh_from_db()
    kept = Action.objects.filter(pk=w.multi_action.pk).values().get()
    entries = ProgressUpdate.objects.filter(action=w.multi_action).count()
    apply(client, confirmation.token)
    outcome, text = result_page(client)
    assert [line.pk for line in outcome.changed] == [w.completed.pk]
    [refusal] = outcome.refused
    assert refusal.refusal.startswith(f"Action {w.multi_action} was changed since you confirmed, {who}")
    assert refusal.refusal.endswith(f"{what}, so nothing was changed on it. Check it again if the change still applies.")
    assert "1 action changed; 1 refused" in text
    # Nothing of the bulk change on it: its row and its progress log are as the other person left them.
    assert Action.objects.filter(pk=w.multi_action.pk).values().get() == kept
    assert ProgressUpdate.objects.filter(action=w.multi_action).count() == entries
    assert not TargetDateChange.objects.filter(action=w.multi_action, requested_by=w.member).exists()
    chain_verifies()


@pytest.mark.parametrize("operation", list(DATA))
def test_the_same_confirmation_posted_twice_changes_nothing_the_second_time(client, meeting, operation):
    w = meeting
    client.force_login(w.member)
    token = confirmation_of(confirm(client, [w.police_action, w.completed], operation=operation,
                                    **DATA[operation](w))).token
    apply(client, token)
    state = matrix.db_state()
    apply(client, token)
    outcome, _ = result_page(client)
    assert outcome.changed == []
    assert all(f"was changed since you confirmed, by {w.member} on " in line.refusal for line in outcome.refused)
    assert len(outcome.refused) == 2
    assert matrix.db_state() == state


def test_an_out_of_date_or_altered_confirmation_changes_nothing(client, meeting):
    w = meeting
    client.force_login(w.member)
    token = confirmation_of(confirm(client, [w.police_action], operation="note", note=NOTE)).token
    before = matrix.db_state()
    response = apply(client, token[:-3] + "AAA")
    assert response.url == reverse("actionplans:action_list")
    page = client.get(response.url)
    assert "This confirmation could not be read, so nothing was changed" in text_of(page)
    an_hour_ago = time.time() - bulk.TOKEN_MAX_AGE - 60
    with mock.patch("django.core.signing.time.time", return_value=an_hour_ago):
        old_token = bulk.prepare(w.member, Action.objects.filter(pk=w.police_action.pk), bulk.Change("note", note=NOTE))
    apply(client, old_token.token)
    assert "This confirmation is more than 60 minutes old, so nothing was changed" in text_of(client.get(response.url))
    assert matrix.db_state() == before


def test_the_result_page_without_a_bulk_change_says_so(client, meeting):
    client.force_login(meeting.member)
    outcome, text = result_page(client)
    assert outcome is None
    assert "You have made no bulk change recently." in text


# --- a fixed number of queries ---------------------------------------------------------------------------------------

#: The queries of each step, whatever the number of actions. Every request pays 6 (tests/test_query_counts.py).
#: Confirmation: the filter's count (the form's "all N matching"), the actions, and the active agency users for
#: the officer's choice or the requests waiting on the actions for dates. Apply: the service's savepoint (2), the
#: officer chosen, the actions locked, the requests waiting (dates), the UPDATE (officer, dates), the INSERT of
#: the entries or date changes (note, dates), the chain head read, one INSERT of the change records and the head
#: moved (3), and the session saved with the outcome (3).
PINNED = {
    "officer": {"confirm": 9, "apply": 17},
    "dates": {"confirm": 9, "apply": 18},
    "note": {"confirm": 8, "apply": 16},
}


def _actions(w, n, plan):
    """``n`` police-led actions in progress, recorded as the pages record them."""
    actions = [
        factories.action(plan, w.police, reference=f"B{i}", status=Status.IN_PROGRESS,
                         target_date=today() + datetime.timedelta(days=30 + i % 9))
        for i in range(n)
    ]
    for action in actions:
        record_created(action, actor=w.member)
    return actions


def _measure(client, w, operation, actions):
    with CaptureQueriesContext(connection) as confirming:
        confirmation = confirmation_of(confirm(client, actions, operation=operation, **DATA[operation](w)))
    assert len(confirmation.changes) == len(actions)
    with CaptureQueriesContext(connection) as applying:
        apply(client, confirmation.token)
    return len(confirming), len(applying), confirming, applying


def _listing(queries):
    return "\n".join(f"{n:3}. {q['sql'][:160]}" for n, q in enumerate(queries.captured_queries, 1))


@pytest.mark.parametrize("operation", list(DATA))
def test_confirmation_and_apply_run_the_same_queries_for_10_and_100_actions(client, meeting, operation):
    w = meeting
    client.force_login(w.member)
    _measure(client, w, operation, _actions(w, 2, factories.plan(factories.review())))  # warm one-off caches
    counts = {}
    for n in (10, 100):
        actions = _actions(w, n, factories.plan(factories.review()))
        confirming, applying, c_queries, a_queries = _measure(client, w, operation, actions)
        counts[n] = (confirming, applying)
        assert confirming == PINNED[operation]["confirm"], f"confirm, {n} actions:\n{_listing(c_queries)}"
        assert applying == PINNED[operation]["apply"], f"apply, {n} actions:\n{_listing(a_queries)}"
    assert counts[10] == counts[100]
    if operation == "note":
        assert ProgressUpdate.objects.count() == 112
    if operation == "dates":
        assert TargetDateChange.objects.count() == 112
    chain_verifies()


# --- two people at once, on PostgreSQL ----------------------------------------------------------------------------

TRIALS = 12


@pytest.fixture
def concurrent_db(transactional_db):
    if connection.vendor != "postgresql":
        missing = "two writers at once need PostgreSQL: set DATABASE_URL to run it"
        if IN_CI:
            pytest.fail(f"CI must run the race tests, but {missing}.")
        pytest.skip(f"Race test with concurrent connections: {missing}.")


def _at_once(*calls):
    """Run each call on its own thread (its own connection), released together; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[i] = ("ok", call())
        except Exception as error:  # the loser's Conflict, or a failure the test reports
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished (a lock never released?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_a_bulk_move_and_a_single_move_of_the_same_date_at_once(concurrent_db, world):
    """A member confirms moving two actions' dates; as they apply it, another member moves one of the two dates.
    Every time exactly one move of that action wins; the other is refused naming who won; nothing is overwritten."""
    w = world
    for action in Action.objects.order_by("pk"):
        record_created(action, actor=w.member)
    wins = {"bulk": 0, "single": 0}
    for n in range(TRIALS):
        plan = factories.plan(factories.review())
        first, second = _actions(w, 2, plan)
        seen, second_seen = first.target_date, second.target_date
        token = bulk.prepare(w.member, Action.objects.filter(pk__in=[first.pk, second.pk]),
                             bulk.Change("dates", days=14, reason=REASON)).token
        single_date = seen + datetime.timedelta(days=5)
        (bulk_result, outcome), (single_result, single) = _at_once(
            lambda token=token: bulk.apply(w.member, token),
            lambda first=first, single_date=single_date, n=n, seen=seen: dates.change_target_date(
                action=first, actor=w.admin, new_date=single_date, reason=f"Single move {n}.", seen_date=seen
            ),
        )
        assert bulk_result == "ok", outcome
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.target_date == second_seen + datetime.timedelta(days=14)  # not in the race: always moved
        assert first.target_date_moves == 1
        approved = list(TargetDateChange.objects.filter(action=first))
        assert len(approved) == 1
        if single_result == "ok":
            wins["single"] += 1
            assert first.target_date == single_date
            assert approved[0].decided_by == w.admin
            [refusal] = outcome.refused
            assert refusal.refusal.startswith(f"Action {first} was changed since you confirmed, by {w.admin} on ")
            assert [line.pk for line in outcome.changed] == [second.pk]
        else:
            wins["bulk"] += 1
            assert isinstance(single, lifecycle.Conflict), single
            assert f"was changed from {day(seen)} to {day(seen + datetime.timedelta(days=14))} by {w.member}" in str(
                single.message
            )
            assert first.target_date == seen + datetime.timedelta(days=14)
            assert approved[0].decided_by == w.member
            assert outcome.refused == []
    print(f"\nrace bulk/single date move on {connection.vendor}: {TRIALS} tries, bulk won {wins['bulk']}, "
          f"single won {wins['single']}; exactly one each time")
    assert sum(wins.values()) == TRIALS
    assert verify_chain().intact
