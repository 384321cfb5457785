"""Honest target dates (issue 12): an action keeps its original target date; a member moves the date with a reason;
a user of the lead agency asks and a member approves or refuses; every move is recorded and shown; the lists, the
exports, the dashboard and the board report say how many dates slipped; a past date on a new action needs a tick.
The races on PostgreSQL are in tests/test_races.py."""

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from actionplans import dates, lifecycle, services
from actionplans.models import Action, TargetDateChange
from actionplans.rules import Status, slipped_q, today
from audit.models import ChangeRecord
from tests import factories

Change = TargetDateChange.Status


def text_of(response):
    """The page as a reader sees it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def day(offset):
    return today() + datetime.timedelta(days=offset)


def pretty(date):
    return dates.day(date)


def records(obj, verb=None):
    found = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return found.filter(verb=verb) if verb else found


def target_url(action):
    return reverse("actionplans:action_target_date", args=[action.pk])


def decide_url(change):
    return reverse("actionplans:date_change_decide", args=[change.pk])


def fresh(action):
    return Action.objects.get(pk=action.pk)


@pytest.fixture
def action(world):
    """Led by the police (world.agency_user), in the multi-agency plan, due in 90 days."""
    return world.multi_action


def ask(world, action, offset=120, reason="The trainer is ill until next term."):
    return dates.request_target_date(action=action, actor=world.agency_user, new_date=day(offset), reason=reason)


# --- A member changes the date ----------------------------------------------------------------------------------


def test_a_member_changes_the_date_with_a_reason_and_it_is_recorded_and_shown(client, world, action):
    original = action.target_date
    client.force_login(world.member)
    page = client.get(target_url(action))
    assert page.status_code == 200
    assert 'name="seen_date"' in page.content.decode()

    data = {"new_date": day(150).isoformat(), "reason": "The course provider withdrew.", "seen_date": original}
    response = client.post(target_url(action), data)
    assert response.status_code == 302

    stored = fresh(action)
    assert (stored.target_date, stored.original_target_date, stored.target_date_moves) == (day(150), original, 1)
    assert stored.target_date_slipped
    change = TargetDateChange.objects.get(action=action)
    assert (change.old_date, change.new_date, change.status) == (original, day(150), Change.APPROVED)
    assert (change.requested_by, change.decided_by, change.reason) == (world.member, world.member, data["reason"])
    assert change.requested_at == change.decided_at
    assert records(change, ChangeRecord.Verb.CREATED).get().actor == world.member
    moved = records(action, ChangeRecord.Verb.CHANGED).get()
    assert moved.actor == world.member and moved.changes == {"target date": [pretty(original), pretty(day(150))]}

    shown = client.get(response.url)
    message = f"Target date of action {action} changed from {pretty(original)} to {pretty(day(150))}."
    assert message in text_of(shown)
    page = text_of(shown)
    assert f"Originally {pretty(original)}, moved 1 time." in page
    assert f"{pretty(original)} → {pretty(day(150))} · Changed" in page
    assert "Reason: The course provider withdrew." in page
    # The history of changes tells it in words too.
    assert f"Target date changed from {pretty(original)} to {pretty(day(150))} by {world.member}" in page


def test_moving_the_date_back_to_the_original_is_a_move_but_not_a_slip(world, action):
    original = action.target_date
    dates.change_target_date(action=action, actor=world.member, new_date=day(120), reason="Later.", seen_date=original)
    dates.change_target_date(action=action, actor=world.member, new_date=original, reason="Back.", seen_date=day(120))
    stored = fresh(action)
    assert (stored.target_date, stored.target_date_moves, stored.target_date_slipped) == (original, 2, False)
    assert not Action.objects.filter(slipped_q(), pk=action.pk).exists()
    dates.change_target_date(action=action, actor=world.member, new_date=day(10), reason="Sooner.", seen_date=original)
    assert not fresh(action).target_date_slipped  # earlier than first agreed: moved, not slipped


def test_a_stale_page_is_told_who_moved_the_date_and_gets_its_reason_back(client, world, action):
    original = action.target_date
    second = factories.user(world.member.role, username="member2")
    client.force_login(world.member)
    assert client.get(target_url(action)).status_code == 200  # the page shows the date as it is now: ``original``
    dates.change_target_date(action=action, actor=second, new_date=day(100), reason="Re-planned.", seen_date=original)

    data = {"new_date": day(200).isoformat(), "reason": "The national guidance is late.", "seen_date": original}
    response = client.post(target_url(action), data)
    assert response.status_code == 409
    page = text_of(response)
    assert (
        f"While you were working, the target date of action {action} was changed from {pretty(original)} to "
        f"{pretty(day(100))} by {second} on " in page
    )
    assert "so nothing of yours was saved" in page
    assert "What you wrote, to use again: “The national guidance is late.”" in page
    stored = fresh(action)
    assert (stored.target_date, stored.target_date_moves) == (day(100), 1)
    assert TargetDateChange.objects.filter(action=action).count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"new_date": "", "reason": "Late."}, "new_date", "Give the new target date."),
        ({"new_date": "31/02/2027", "reason": "Late."}, "new_date", "Enter a date, for example 31/03/2027."),
        ({"reason": "Late."}, "new_date", "The target date is {current} already: choose another date."),
        ({"new_date": "{later}", "reason": "  "}, "reason", "Give a reason for changing the target date: it stays on record."),
        ({"new_date": "{later}", "reason": "x" * 5001}, "reason", "Ensure this value has at most 5000 characters"),
    ],
    ids=["no-date", "not-a-date", "same-date", "no-reason", "reason-too-long"],
)
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(client, world, action, data, field, message):
    current = action.target_date
    data = {
        "new_date": current.isoformat(), **data, "seen_date": current.isoformat(),
    }
    data["new_date"] = data["new_date"].format(later=day(200).isoformat())
    client.force_login(world.member)
    before = factories.db_state(), list(TargetDateChange.objects.values())
    response = client.post(target_url(action), data)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message.format(current=current.strftime("%-d %B %Y")) in error for error in errors), errors
    assert (factories.db_state(), list(TargetDateChange.objects.values())) == before


# --- A user of the lead agency asks; a member approves or refuses --------------------------------------------------


def test_an_agency_request_waits_is_shown_to_everyone_and_a_member_approves_it(client, world, action):
    original = action.target_date
    client.force_login(world.agency_user)
    page = client.get(action.get_absolute_url())
    assert "Request a new target date" in text_of(page) and "Change target date" not in text_of(page)
    response = client.post(target_url(action), {
        "new_date": day(130).isoformat(), "reason": "The trainer is ill until next term.", "seen_date": original,
    })
    assert response.status_code == 302
    assert (
        f"Your request to move the target date of action {action} to {pretty(day(130))} is waiting for a "
        "sub-committee member's decision." in text_of(client.get(response.url))
    )
    change = TargetDateChange.objects.get(action=action)
    assert (change.status, change.old_date, change.new_date, change.requested_by) == (
        Change.PENDING, original, day(130), world.agency_user
    )
    assert fresh(action).target_date == original and fresh(action).target_date_moves == 0  # not yet
    assert records(change, ChangeRecord.Verb.CREATED).get().actor == world.agency_user

    # Everyone who can see the action sees the request; only members get the buttons to decide it.
    asked = f"{world.agency_user} (Police) asked on {pretty(timezone.localdate(change.requested_at))} to move the"
    for role in ("chair", "consultant", "other", "agency_user", "member", "admin"):
        client.force_login(getattr(world, role))
        page = client.get(action.get_absolute_url())
        text = text_of(page)
        assert "A new target date is waiting for approval" in text and asked in text, role
        assert (f'action="{decide_url(change)}"' in page.content.decode()) is (role in ("member", "admin")), role
        assert ("Withdraw this request" in text) is (role == "agency_user"), role

    client.force_login(world.member)
    response = client.post(decide_url(change), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    assert f"New target date of action {action} approved: it is now {pretty(day(130))}." in text_of(
        client.get(response.url)
    )
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (Change.APPROVED, world.member)
    stored = fresh(action)
    assert (stored.target_date, stored.original_target_date, stored.target_date_moves) == (day(130), original, 1)
    assert records(change, ChangeRecord.Verb.CHANGED).get().changes["status"] == ["Waiting for approval", "Approved"]
    moved = records(action, ChangeRecord.Verb.CHANGED).get()
    assert (moved.actor, moved.changes) == (world.member, {"target date": [pretty(original), pretty(day(130))]})
    page = text_of(client.get(action.get_absolute_url()))
    assert f"Approved by {world.member}" in page and "A new target date is waiting" not in page


def test_a_refusal_needs_a_note_shown_beside_it_and_then_keeps_the_date(client, world, action):
    original = action.target_date
    change = ask(world, action)
    client.force_login(world.member)
    before = list(TargetDateChange.objects.values()), factories.db_state()

    response = client.post(decide_url(change), {"decision": "refuse", "note": "  "})
    assert response.status_code == 400
    assert response.context["decision_form"].errors["note"] == [
        "Write a note saying why the new target date is refused: the agency will read it."
    ]
    assert "Write a note saying why the new target date is refused" in text_of(response)
    assert (list(TargetDateChange.objects.values()), factories.db_state()) == before

    with pytest.raises(lifecycle.Refused, match="Write a note"):
        dates.decide_target_date(change=change, actor=world.member, approve=False, note="")

    response = client.post(decide_url(change), {"decision": "refuse", "note": "Keep the date: use the spring course."})
    assert response.status_code == 302
    assert f"New target date of action {action} refused. {world.agency_user} can read your note." in text_of(
        client.get(response.url)
    )
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decision_note) == (
        Change.REFUSED, world.member, "Keep the date: use the spring course."
    )
    assert (fresh(action).target_date, fresh(action).target_date_moves) == (original, 0)
    assert not records(action, ChangeRecord.Verb.CHANGED).exists()
    client.force_login(world.agency_user)
    page = text_of(client.get(action.get_absolute_url()))
    assert f"Refused by {world.member}" in page and "Keep the date: use the spring course." in page
    assert "Request a new target date" in page  # and the agency may ask again


def test_the_agency_withdraws_its_request_and_may_ask_again(client, world, action):
    change = ask(world, action)
    client.force_login(world.member)
    assert client.post(reverse("actionplans:date_change_withdraw", args=[change.pk])).status_code == 403
    client.force_login(world.agency_user)
    response = client.post(reverse("actionplans:date_change_withdraw", args=[change.pk]))
    assert response.status_code == 302
    assert f"Your request for a new target date of action {action} is withdrawn." in text_of(client.get(response.url))
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (Change.WITHDRAWN, world.agency_user)
    assert records(change, ChangeRecord.Verb.CHANGED).get().changes["status"] == ["Waiting for approval", "Withdrawn"]
    assert ask(world, action, offset=140).status == Change.PENDING


def test_a_request_decided_meanwhile_is_reported_by_whom(client, world, action):
    change = ask(world, action)
    dates.decide_target_date(change=change, actor=world.admin, approve=True, note="")
    client.force_login(world.member)
    response = client.post(decide_url(change), {"decision": "refuse", "note": "Too late in the year."})
    assert response.status_code == 409
    assert (
        f"While you were working, the request to move the target date of action {action} to {pretty(day(120))} was "
        f"approved by {world.admin} on " in text_of(response)
    )
    assert "What you wrote, to use again: “Too late in the year.”" in text_of(response)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (Change.APPROVED, world.admin)
    assert client.get(decide_url(change)).status_code == 403  # nothing left to decide


def test_an_approval_does_not_apply_a_request_made_against_another_date(world, action):
    change = ask(world, action)
    Action.objects.filter(pk=action.pk).update(target_date=day(60))  # e.g. a re-seeded demo's dates
    with pytest.raises(lifecycle.Conflict, match=f"is {re.escape(pretty(day(60)))} now, not"):
        dates.decide_target_date(change=change, actor=world.member, approve=True, note="")
    change.refresh_from_db()
    assert change.status == Change.PENDING and fresh(action).target_date_moves == 0


# --- Who may, and when ------------------------------------------------------------------------------------------


def test_an_agency_user_never_changes_a_date_directly(client, world, action):
    original = action.target_date
    with pytest.raises(PermissionDenied, match="Only sub-committee members can change a target date"):
        dates.change_target_date(
            action=action, actor=world.agency_user, new_date=day(150), reason="Late.", seen_date=original
        )
    change = ask(world, action)
    with pytest.raises(PermissionDenied, match="Only sub-committee members can approve or refuse"):
        dates.decide_target_date(change=change, actor=world.agency_user, approve=True, note="")
    client.force_login(world.agency_user)
    assert client.post(decide_url(change), {"decision": "approve", "note": ""}).status_code == 403
    # Another agency's user (health) sees the multi-agency action but may neither change nor ask.
    client.force_login(world.other)
    response = client.get(target_url(world.multi_action))
    assert response.status_code == 403
    assert "only the lead agency's users can ask for a new one" in text_of(response)
    with pytest.raises(PermissionDenied):
        dates.request_target_date(action=world.police_action, actor=world.other, new_date=day(150), reason="Late.")
    # The chair and the consultant change nothing.
    for person in (world.chair, world.consultant):
        with pytest.raises(PermissionDenied):
            dates.change_target_date(action=action, actor=person, new_date=day(150), reason="x", seen_date=original)
    assert fresh(action).target_date == original and fresh(action).target_date_moves == 0


def test_a_second_request_is_refused_in_words_while_one_waits(client, world, action, monkeypatch):
    first = ask(world, action)
    message = (
        f"{world.agency_user} asked on {pretty(timezone.localdate(first.requested_at))} to move the target date of action "
        f"{action} to {pretty(day(120))}, and that request is waiting for a decision: approve or refuse it first."
    )
    with pytest.raises(lifecycle.Refused) as refused:
        ask(world, action, offset=160)
    assert refused.value.messages == [message]
    # A member too decides the waiting request before moving the date.
    with pytest.raises(lifecycle.Refused, match="approve or refuse it first"):
        dates.change_target_date(
            action=action, actor=world.member, new_date=day(10), reason="x", seen_date=action.target_date
        )
    for person in (world.agency_user, world.member):
        client.force_login(person)
        response = client.get(target_url(action))
        assert response.status_code == 403 and message in text_of(response)
    # The unique constraint is the backstop when two requests pass the check at once.
    monkeypatch.setattr(dates, "refusal", lambda *args, **kwargs: None)
    with pytest.raises(lifecycle.Refused, match="waiting already"):
        ask(world, action, offset=160)
    assert list(TargetDateChange.objects.filter(action=action).values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.CANCELLED])
def test_no_date_moves_on_a_verified_or_cancelled_action(client, world, status):
    action = factories.action(world.multi_plan, world.police, reference="4.4", status=status)
    original = action.target_date
    words = f"Action {action} is {Status(status).label.lower()}: its target date no longer changes."
    with pytest.raises(lifecycle.Refused) as refused:
        dates.change_target_date(action=action, actor=world.member, new_date=day(150), reason="x", seen_date=original)
    assert refused.value.messages == [words]
    with pytest.raises(lifecycle.Refused, match=re.escape(words)):
        dates.request_target_date(action=action, actor=world.agency_user, new_date=day(150), reason="x")
    for person in (world.member, world.agency_user):
        client.force_login(person)
        response = client.get(target_url(action))
        assert response.status_code == 403 and words in text_of(response)
        assert "Change target date" not in text_of(client.get(action.get_absolute_url()))
    assert not TargetDateChange.objects.filter(action=action).exists()


def test_a_request_on_an_action_closed_meanwhile_can_only_be_refused(world):
    action = factories.action(world.multi_plan, world.police, reference="4.5", status=Status.IN_PROGRESS)
    change = ask(world, action)
    lifecycle.cancel(action=action, actor=world.member, reason="Merged into 4.6.", seen_status=Status.IN_PROGRESS)
    with pytest.raises(lifecycle.Refused, match="Refuse the request instead"):
        dates.decide_target_date(change=change, actor=world.member, approve=True, note="")
    dates.decide_target_date(change=change, actor=world.member, approve=False, note="The action is cancelled.")
    assert TargetDateChange.objects.get(pk=change.pk).status == Change.REFUSED


def test_the_edit_service_and_form_leave_the_target_date_alone(client, world, action):
    with pytest.raises(ValueError, match="only through actionplans.dates"):
        services.action_update(action=action, actor=world.member, target_date=day(300))
    client.force_login(world.member)
    page = client.get(reverse("actionplans:action_edit", args=[action.pk]))
    assert "target_date" not in page.context["form"].fields
    assert f'href="{target_url(action)}"' in page.content.decode()
    data = factories.action_edit_data(action, target_date=day(300).isoformat(), description="Revised.")
    assert client.post(reverse("actionplans:action_edit", args=[action.pk]), data).status_code == 302
    stored = fresh(action)
    assert (stored.description, stored.target_date) == ("Revised.", action.target_date)


# --- A past date on a new action ---------------------------------------------------------------------------------


def new_action(world, target_date, **extra):
    return {
        "reference": "8.1", "recommendation": world.recommendation.pk, "description": "Write a protocol.",
        "lead_agency": world.police.pk, "responsible_officer": "", "target_date": target_date,
        "success_measure": "Signed.", **extra,
    }


def test_a_past_date_on_a_new_action_needs_the_tick(client, world):
    client.force_login(world.member)
    url = reverse("actionplans:action_create", args=[world.multi_plan.pk])
    assert "confirm_past_date" not in client.get(url).context["form"].fields
    past = day(-400)

    response = client.post(url, new_action(world, past.isoformat()))
    assert not Action.objects.filter(reference="8.1").exists()
    form = response.context["form"]
    assert form.errors["target_date"] == [
        f"{past.strftime('%-d %B %Y')} is in the past, so the action would be overdue at once. Choose a later date, "
        "or tick “This target date is in the past: the action will be overdue at once” to keep it."
    ]
    names = list(form.fields)
    assert names[names.index("target_date") + 1] == "confirm_past_date"  # the tick box right after the date
    assert "This target date is in the past: the action will be overdue at once" in text_of(response)

    response = client.post(url, new_action(world, past.isoformat(), confirm_past_date="on"))
    assert response.status_code == 302
    created = Action.objects.get(reference="8.1")
    assert (created.target_date, created.original_target_date) == (past, past)
    assert created.is_overdue()


def test_today_or_a_later_date_needs_no_tick(client, world):
    client.force_login(world.member)
    url = reverse("actionplans:action_create", args=[world.multi_plan.pk])
    response = client.post(url, new_action(world, today().isoformat()))
    assert response.status_code == 302
    assert Action.objects.get(reference="8.1").target_date == today()


def test_a_member_moving_a_date_into_the_past_ticks_too(client, world, action):
    client.force_login(world.member)
    data = {"new_date": day(-5).isoformat(), "reason": "Backdated to the real deadline.", "seen_date": action.target_date}
    response = client.post(target_url(action), data)
    assert response.status_code == 400 and "is in the past" in response.context["form"].errors["new_date"][0]
    assert client.post(target_url(action), {**data, "confirm_past_date": "on"}).status_code == 302
    assert fresh(action).target_date == day(-5)


# --- The admin site ------------------------------------------------------------------------------------------


def test_the_admin_shows_the_dates_read_only_and_never_changes_or_deletes_a_move(client, world, action):
    client.force_login(world.admin)
    url = reverse("admin:actionplans_action_change", args=[action.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    for name in ("target_date", "original_target_date", "target_date_moves"):
        assert name not in form.fields
    assert 'name="target_date"' not in response.content.decode()
    add = client.get(reverse("admin:actionplans_action_add"))
    assert "target_date" in add.context["adminform"].form.fields  # a new action gets its first date here

    from tests.test_admin_site import change_form_data

    data = change_form_data(response, description="Changed in the admin.", target_date=day(300).isoformat())
    assert client.post(url, data).status_code == 302
    stored = fresh(action)
    assert (stored.description, stored.target_date, stored.target_date_moves) == (
        "Changed in the admin.", action.target_date, 0
    )

    change = ask(world, action)
    assert client.get(reverse("admin:actionplans_targetdatechange_changelist")).status_code == 200
    view = client.get(reverse("admin:actionplans_targetdatechange_change", args=[change.pk]))
    assert view.status_code == 200 and not view.context["has_change_permission"]
    for name in ("add", "delete"):
        args = [] if name == "add" else [change.pk]
        assert client.get(reverse(f"admin:actionplans_targetdatechange_{name}", args=args)).status_code == 403
    assert client.post(reverse("admin:actionplans_targetdatechange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:actionplans_targetdatechange_change", args=[change.pk]), {"status": "approved"}).status_code == 403
    assert TargetDateChange.objects.get(pk=change.pk).status == Change.PENDING


# --- Lists, filters, exports, dashboard and report ----------------------------------------------------------------


@pytest.fixture
def moved(world):
    """Two slipped actions (one moved twice), one moved earlier (not slipped), and one request waiting."""
    twice = factories.action(world.multi_plan, world.health, reference="5.1", target_date=day(20))
    dates.change_target_date(action=twice, actor=world.member, new_date=day(40), reason="a", seen_date=day(20))
    dates.change_target_date(action=twice, actor=world.member, new_date=day(70), reason="b", seen_date=day(40))
    once = factories.action(world.police_plan, world.police, reference="P.5", target_date=day(-10))
    dates.change_target_date(action=once, actor=world.member, new_date=day(-3), reason="c", seen_date=day(-10))
    sooner = factories.action(world.multi_plan, world.police, reference="5.2", target_date=day(50))
    dates.change_target_date(action=sooner, actor=world.member, new_date=day(30), reason="d", seen_date=day(50))
    waiting = dates.request_target_date(action=world.health_action, actor=world.other, new_date=day(200), reason="e")
    return {"twice": twice, "once": once, "sooner": sooner, "waiting": waiting}


def listed(client, query):
    response = client.get(reverse("actionplans:action_list") + query)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("role", "slipped", "waiting"), [("chair", {"5.1", "P.5"}, {"H.1"}),
                                                         ("other", {"5.1"}, {"H.1"}),
                                                         ("agency_user", {"5.1", "P.5"}, set())])
def test_the_filters_and_the_dashboard_figure_count_the_same_actions(client, world, moved, role, slipped, waiting):
    client.force_login(getattr(world, role))
    shown = {a.reference for a in listed(client, "?slipped=yes").context["page"].object_list}
    assert shown == slipped
    assert {a.reference for a in listed(client, "?date_change=pending").context["page"].object_list} == waiting
    dashboard = client.get(reverse("dashboard:index"))
    figures = dashboard.context["dashboard"].figures
    assert figures.slipped == len(slipped)
    link = dashboard.context["dashboard"].links["slipped"]
    assert f'<a href="{html.escape(link)}">{len(slipped)}</a>' in dashboard.content.decode()
    assert listed(client, link.split("/actions/")[1]).context["page"].paginator.count == figures.slipped
    # The review page and the agency page link their own slipped counts to the lists of exactly those actions.
    for url in (reverse("dashboard:review", args=[world.review.pk]), reverse("dashboard:agency", args=[world.health.pk])):
        scope = client.get(url).context["scope"]
        assert client.get(scope.links["slipped"]).context["page"].paginator.count == scope.figures.slipped


def test_the_list_shows_the_original_date_and_the_moves(client, world, moved):
    client.force_login(world.member)
    page = listed(client, "?slipped=yes").content.decode()
    assert f'{pretty(day(70))}<div class="small text-muted">originally {pretty(day(20))}, moved 2×</div>' in page
    assert f'{pretty(day(-3))}<div class="small text-muted">originally {pretty(day(-10))}, moved 1×</div>' in page
    plain = text_of(listed(client, "?q=P.1"))
    assert "originally" not in plain  # a date that never moved has no note


def test_the_exports_carry_the_original_date_and_the_moves(client, world, moved):
    client.force_login(world.chair)
    text = b"".join(client.get(reverse("dashboard:export_csv")).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    at = {name: header.index(name) for name in ("Action", "Target date", "Original target date", "Target date moves")}
    by_ref = {row[at["Action"]]: row for row in rows[1:]}
    assert [by_ref["5.1"][at[n]] for n in ("Target date", "Original target date", "Target date moves")] == [
        day(70).isoformat(), day(20).isoformat(), "2"
    ]
    assert by_ref["1.1"][at["Original target date"]] == by_ref["1.1"][at["Target date"]]
    assert by_ref["1.1"][at["Target date moves"]] == "0"

    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("dashboard:export_xlsx")).content))
    sheet_rows = list(book["Actions"].iter_rows(min_row=2))
    cells = next(row for row in sheet_rows if row[at["Action"]].value == "5.1")
    original = cells[at["Original target date"]]
    assert original.is_date and original.value.date() == day(20) and original.number_format == "yyyy-mm-dd"
    assert cells[at["Target date moves"]].value == 2


def test_the_board_report_counts_the_slipped_dates_near_the_overdue_figure(client, world, moved):
    client.force_login(world.chair)
    response = client.get(reverse("dashboard:report"))
    assert response.status_code == 200
    page = text_of(response)
    assert "1 action is overdue, 2 actions have a target date later than first agreed" in page
    columns = '<th scope="col">Overdue</th><th scope="col">Target date slipped</th>'  # the headline table
    assert columns in response.content.decode()
    # The overdue action of the police plan says where its date started.
    assert f"{pretty(day(-3))} (originally {pretty(day(-10))}, moved 1×)" in page


def test_every_figures_carries_slipped_from_the_same_query(world, moved):
    from actionplans import rules

    actions = Action.objects.all()
    with CaptureQueriesContext(connection) as queries:
        figures = rules.figures_for(actions)
    assert len(queries) == 1
    assert figures.slipped == 2 == rules.figures_in_python(actions).slipped


# --- The action page --------------------------------------------------------------------------------------------


def test_the_action_page_runs_the_same_number_of_queries_however_often_the_date_moved(client, world, action):
    client.force_login(world.member)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(action.get_absolute_url()).status_code == 200
        return len(queries)

    dates.change_target_date(action=action, actor=world.member, new_date=day(91), reason="r", seen_date=day(90))
    once = count()
    for n in range(92, 100):
        dates.change_target_date(action=action, actor=world.member, new_date=day(n), reason="r", seen_date=day(n - 1))
    ask(world, action, offset=150)
    assert count() == once
    assert len(client.get(action.get_absolute_url()).context["date_changes"]) == 10


# --- The demo -------------------------------------------------------------------------------------------------


def test_the_demo_has_slipped_dates_a_refusal_and_a_request_waiting(settings, db):
    from django.core.management import call_command

    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())
    assert Action.objects.filter(slipped_q()).count() == 2
    statuses = set(TargetDateChange.objects.values_list("status", flat=True))
    assert statuses == {Change.APPROVED, Change.REFUSED, Change.PENDING}
    pending = TargetDateChange.objects.get(status=Change.PENDING)
    assert pending.requested_by.is_agency_user and timezone.localdate(pending.requested_at) == day(-2)
    assert all(a.target_date_moves == a.date_changes.filter(status=Change.APPROVED).count() for a in Action.objects.all())
    first = list(TargetDateChange.objects.order_by("pk").values())
    call_command("seed_demo", stdout=io.StringIO())
    assert list(TargetDateChange.objects.order_by("pk").values()) == first  # idempotent
    assert Action.objects.filter(slipped_q()).count() == 2

