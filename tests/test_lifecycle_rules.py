"""The rules of the lifecycle and of access that no door may skip: ``access.get_*`` refuses a need it does not
handle, one definition of "agency user", reminders read through ``access``, the transition tables (who, from
where, and first), reinstating a cancelled action, the neutral "Cancelled" badge, and "New version" beside a
rejected item."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.access import Need
from accounts.models import Role
from actionplans import dates, lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from evidence import services as evidence_services
from evidence.models import Evidence, EvidenceDecision
from reminders.models import Kind, Reminder, ReminderItem
from reminders.selectors import reminder_items_about
from tests import evidence_samples as samples
from tests import factories


def records_of(obj):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


# --- access.get_* refuses every need it does not handle ---------------------------------------------------------

# What each get_* is for (README and the views that call them), written out here rather than read from the code.
HANDLED = {
    "get_review": {Need.VIEW, Need.CHANGE},
    "get_plan": {Need.VIEW, Need.CHANGE},
    "get_action": {Need.VIEW, Need.CHANGE, Need.PROGRESS, Need.SUBMIT_EVIDENCE, Need.VERIFY, Need.TARGET_DATE},
    "get_evidence": {Need.VIEW, Need.CHANGE, Need.DECIDE},
    "get_date_change": {Need.VIEW, Need.CHANGE, Need.WITHDRAW},
}


def _objects(world):
    item = samples.submit_note(world.multi_action, world.agency_user)
    return {
        "get_review": world.review.pk,
        "get_plan": world.multi_plan.pk,
        "get_action": world.multi_action.pk,
        "get_evidence": item.pk,
        "get_date_change": dates.request_target_date(
            action=world.multi_action, actor=world.agency_user, new_date=today() + datetime.timedelta(days=200),
            reason="Late.",
        ).pk,
    }


@pytest.mark.parametrize("getter", sorted(HANDLED))
def test_get_refuses_every_need_it_does_not_handle(world, getter):
    get = getattr(access, getter)
    pk = _objects(world)[getter]
    unhandled = [need for need in Need if need not in HANDLED[getter]]
    assert unhandled, "every get_* leaves some need to others"
    for need in unhandled:
        for user in (world.admin, world.member, world.consultant, world.agency_user):
            with pytest.raises(ValueError, match=need.name):
                get(user, pk, need)
        # Refused before anything is looked up: a missing object is no way round it either.
        with pytest.raises(ValueError):
            get(world.admin, 999999, need)


@pytest.mark.parametrize("getter", sorted(HANDLED))
def test_get_answers_every_need_it_handles(world, getter):
    get = getattr(access, getter)
    pk = _objects(world)[getter]
    for need in HANDLED[getter]:
        for user in (world.admin, world.member, world.consultant, world.chair, world.agency_user, world.other):
            try:
                obj = get(user, pk, need)
            except (PermissionDenied, Http404):
                continue
            assert obj.pk == pk


def test_the_named_holes_of_the_issue_are_closed(world):
    item = samples.submit_note(world.multi_action, world.agency_user)
    with pytest.raises(ValueError):
        access.get_action(world.consultant, world.multi_action.pk, Need.DECIDE)
    with pytest.raises(ValueError):
        access.get_evidence(world.consultant, item.pk, Need.VERIFY)
    with pytest.raises(ValueError):
        access.get_evidence(world.agency_user, item.pk, Need.PROGRESS)


# --- One definition of "agency user": a superuser never is -------------------------------------------------------


@pytest.fixture
def root(world):
    """A superuser whose role field says "agency" (as createsuperuser leaves it, the role's default)."""
    return factories.user(Role.AGENCY, username="root", agency=world.police, is_superuser=True)


def test_a_superuser_with_the_agency_role_is_not_an_agency_user(world, root):
    assert root.is_agency_user is False
    assert root.is_agency_user is False
    assert world.agency_user.is_agency_user is True  # the test could fail: an ordinary agency user is one
    assert set(access.visible_plans(root)) == {world.multi_plan, world.police_plan, world.health_plan}
    assert world.health_action in access.visible_actions(root)
    health_item = samples.submit_note(world.health_action, world.other)
    multi_health_item = samples.submit_note(world.multi_action_health, world.other)
    assert set(access.visible_evidence(root)) == {health_item, multi_health_item}
    assert access.can_read_audit_queue(root)


def test_a_superuser_with_the_agency_role_sees_other_agencies_plans_and_evidence_on_the_pages(client, world, root):
    health_item = samples.submit_note(world.health_action, world.other, description="Health own plan evidence.")
    multi_item = samples.submit_note(world.multi_action_health, world.other, description="Health multi-agency evidence.")
    client.force_login(root)

    assert client.get("/").context["home"].role == "member"  # an agency user's home lists their agency's work
    assert client.get(reverse("actionplans:plan_detail", args=[world.health_plan.pk])).status_code == 200
    page = client.get(reverse("actionplans:action_detail", args=[world.health_action.pk]))
    assert page.status_code == 200
    assert page.context["evidence_items"] == [health_item]
    assert page.context["evidence_hidden"] is False
    assert "Health own plan evidence." in page.content.decode()
    page = client.get(reverse("actionplans:action_detail", args=[world.multi_action_health.pk]))
    assert page.context["evidence_hidden"] is False
    assert "Health multi-agency evidence." in page.content.decode()
    assert client.get(reverse("evidence:detail", args=[health_item.pk])).status_code == 200
    assert client.get(reverse("evidence:detail", args=[multi_item.pk])).status_code == 200
    queue = client.get(reverse("evidence:queue"))
    assert queue.status_code == 200
    assert {health_item, multi_item} <= set(queue.context["page"].object_list)
    listed = client.get(reverse("actionplans:action_list")).context["page"].paginator.object_list
    assert world.health_action in listed
    mine = client.get(reverse("actionplans:my_actions"))
    assert mine.context["heading"] == "Actions I am responsible for"

    # The same pages for an ordinary police user, so that the assertions above could fail.
    client.force_login(world.agency_user)
    assert client.get("/").context["home"].role == "agency"
    assert client.get(reverse("actionplans:plan_detail", args=[world.health_plan.pk])).status_code == 404
    assert client.get(reverse("evidence:detail", args=[multi_item.pk])).status_code == 404
    assert client.get(reverse("evidence:queue")).status_code == 403


# --- Reminder lists read through access ------------------------------------------------------------------------


@pytest.fixture
def reminders_of_health_evidence(world):
    """A consultant's reminder that health's evidence on the multi-agency action 1.2 has waited 20 days, and a
    due-soon reminder of the same action to health's user."""
    action = world.multi_action_health
    item = samples.submit_note(action, world.other)
    now = timezone.now()
    day = timezone.localdate()

    def reminder(recipient, kind):
        return Reminder.objects.create(
            recipient=recipient, kind=kind, day=day, email=f"{recipient.username}@example.org",
            status=Reminder.Status.SENT, claimed_at=now, retry_after=now, sent_at=now,
        )

    waiting = ReminderItem.objects.create(
        reminder=reminder(world.consultant, Kind.EVIDENCE_WAITING), kind=Kind.EVIDENCE_WAITING, action=action,
        evidence=item, days=20,
    )
    due = ReminderItem.objects.create(
        reminder=reminder(world.other, Kind.DUE_SOON), kind=Kind.DUE_SOON, action=action, days=7
    )
    return action, waiting, due


WAITING_TEXT = "Evidence waiting for a decision (20 days)"


def test_an_agency_user_never_sees_a_reminder_about_evidence_it_may_not_see(client, world, reminders_of_health_evidence):
    action, waiting, due = reminders_of_health_evidence
    assert list(reminder_items_about(world.agency_user, action=action)) == [due]
    client.force_login(world.agency_user)  # police: reads the multi-agency action, not health's evidence
    page = client.get(reverse("actionplans:action_detail", args=[action.pk]))
    assert page.status_code == 200
    assert list(page.context["reminder_items"]) == [due]
    html = page.content.decode()
    assert WAITING_TEXT not in html
    assert "Due soon (7 days)" in html


@pytest.mark.parametrize("reader", ["member", "consultant", "chair", "admin", "other"])
def test_those_who_may_see_the_evidence_see_the_reminder_about_it(client, world, reminders_of_health_evidence, reader):
    action, waiting, due = reminders_of_health_evidence
    client.force_login(getattr(world, reader))
    page = client.get(reverse("actionplans:action_detail", args=[action.pk]))
    assert set(page.context["reminder_items"]) == {waiting, due}
    assert WAITING_TEXT in page.content.decode()


# --- The transition tables ----------------------------------------------------------------------------------------

WORKING = {Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED}
E = Evidence.Status

# The README's tables, written out: who may make each move on world.multi_action (led by the police) or on an
# evidence item the police submitted, and from which statuses.
ACTION_RULES = {
    "progress": ({"member", "admin", "agency_user"}, WORKING),
    "cancel": ({"member", "admin"}, WORKING),
    "reinstate": ({"member", "admin"}, {Status.CANCELLED}),
    "verify": ({"consultant", "admin"}, {Status.COMPLETED}),
    "withdraw_verification": ({"consultant", "admin"}, {Status.VERIFIED}),
}
EVIDENCE_RULES = {
    "accept": ({"consultant", "admin"}, {E.SUBMITTED}),
    "reject": ({"consultant", "admin"}, {E.SUBMITTED}),
    "new_version": ({"agency_user"}, {E.SUBMITTED, E.REJECTED}),
    "withdraw": ({"agency_user"}, {E.SUBMITTED, E.REJECTED}),
}
PEOPLE = ("member", "chair", "consultant", "admin", "agency_user", "other", "inactive_member",
          "inactive_consultant", "inactive_police")


@pytest.fixture
def people(world):
    world.inactive_member = factories.user(Role.MEMBER, is_active=False)
    world.inactive_consultant = factories.user(Role.CONSULTANT, is_active=False)
    world.inactive_police = factories.user(Role.AGENCY, agency=world.police, is_active=False)
    # An accepted item, so that "verify" is refused for who, not for want of evidence.
    accepted = samples.submit_note(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=accepted, actor=world.consultant, accept=True, note="", notify=False)
    return world


def test_the_tables_hold_the_moves_of_the_readme():
    assert set(lifecycle.ACTION_MOVES) == set(ACTION_RULES)
    assert set(lifecycle.EVIDENCE_MOVES) == set(EVIDENCE_RULES)
    for table, rules in ((lifecycle.ACTION_MOVES, ACTION_RULES), (lifecycle.EVIDENCE_MOVES, EVIDENCE_RULES)):
        for name, (_, sources) in rules.items():
            assert set(table[name].sources) == sources, name


def put_action_in(action, status):
    reason = "Out of scope." if status == Status.CANCELLED else ""
    Action.objects.filter(pk=action.pk).update(status=status, cancellation_reason=reason)
    return Action.objects.select_related("plan__review", "lead_agency").get(pk=action.pk)


def make_action_move(name, action, user, seen):
    if name == "progress":
        target = Status.COMPLETED if seen == Status.IN_PROGRESS else Status.IN_PROGRESS
        return lifecycle.record_progress(action=action, actor=user, status=target, note="Moved.", seen_status=seen)
    if name == "cancel":
        return lifecycle.cancel(action=action, actor=user, reason="Out of scope.", seen_status=seen)
    if name == "reinstate":
        return lifecycle.reinstate(action=action, actor=user, status=Status.IN_PROGRESS, note="Back.", seen_status=seen)
    if name == "verify":
        return lifecycle.verify(action=action, actor=user, note="Done.", seen_status=seen)
    if name == "withdraw_verification":
        return lifecycle.withdraw_verification(action=action, actor=user, reason="Re-audit.", seen_status=seen)
    raise AssertionError(name)


def fresh_item(world, status):
    item = samples.submit_note(world.multi_action, world.agency_user)
    reason = "Sent by mistake." if status == E.WITHDRAWN else ""
    Evidence.objects.filter(pk=item.pk).update(status=status, withdrawal_reason=reason)
    return Evidence.objects.select_related("action__plan", "action__lead_agency", "agency").get(pk=item.pk)


def make_evidence_move(name, item, user, seen):
    if name in ("accept", "reject"):
        return lifecycle.decide(evidence=item, actor=user, accept=name == "accept", note="Checked.", notify=False)
    if name == "new_version":
        return evidence_services.evidence_supersede(
            old=item, actor=user, description="Signed copy.", represents_on=datetime.date(2026, 3, 3),
            note="Signed by all partners.", seen_status=seen,
        )
    if name == "withdraw":
        return lifecycle.withdraw_evidence(evidence=item, actor=user, reason="Sent by mistake.", seen_status=seen)
    raise AssertionError(name)


def _counts():
    return (ProgressUpdate.objects.count(), ChangeRecord.objects.count(), Evidence.objects.count(),
            EvidenceDecision.objects.count())


@pytest.mark.parametrize("name", sorted(ACTION_RULES))
def test_each_action_move_is_refused_to_whom_the_table_does_not_name(people, name):
    w = people
    allowed_people, sources = ACTION_RULES[name]
    source = Status.COMPLETED if Status.COMPLETED in sources else sorted(sources)[0]
    for person in PEOPLE:
        user = getattr(w, person)
        action = put_action_in(w.multi_action, source)
        if person in allowed_people:
            assert lifecycle.allowed(user, action, name), person
            make_action_move(name, action, user, source)
            assert Action.objects.get(pk=action.pk).status != source or name == "progress", person
            continue
        assert not lifecycle.allowed(user, action, name), person
        with pytest.raises(PermissionDenied):
            lifecycle.require(user, action, name)
        before = _counts()
        with pytest.raises(PermissionDenied):
            make_action_move(name, action, user, source)
        assert Action.objects.get(pk=action.pk).status == source, person
        assert _counts() == before, person


@pytest.mark.parametrize("name", sorted(ACTION_RULES))
def test_each_action_move_is_refused_from_every_status_outside_its_sources(people, name):
    w = people
    allowed_people, sources = ACTION_RULES[name]
    user = getattr(w, sorted(allowed_people)[0])
    for status in set(Status) - sources:
        action = put_action_in(w.multi_action, status)
        assert not lifecycle.allowed(user, action, name), status
        with pytest.raises(PermissionDenied):
            lifecycle.require(user, action, name)
        before = _counts()
        with pytest.raises(lifecycle.Refused):
            make_action_move(name, action, user, status)
        assert Action.objects.get(pk=action.pk).status == status, status
        assert _counts() == before, status


@pytest.mark.parametrize("name", sorted(EVIDENCE_RULES))
def test_each_evidence_move_is_refused_to_whom_the_table_does_not_name(people, name):
    w = people
    allowed_people, sources = EVIDENCE_RULES[name]
    source = sorted(sources)[0]
    for person in PEOPLE:
        user = getattr(w, person)
        item = fresh_item(w, source)
        if person in allowed_people:
            assert lifecycle.allowed(user, item, name), person
            make_evidence_move(name, item, user, source)
            assert Evidence.objects.get(pk=item.pk).status != source, person
            continue
        assert not lifecycle.allowed(user, item, name), person
        with pytest.raises(PermissionDenied):
            lifecycle.require(user, item, name)
        before = _counts()
        with pytest.raises(PermissionDenied):
            make_evidence_move(name, item, user, source)
        assert Evidence.objects.get(pk=item.pk).status == source, person
        assert _counts() == before, person


@pytest.mark.parametrize("name", sorted(EVIDENCE_RULES))
def test_each_evidence_move_is_refused_from_every_status_outside_its_sources(people, name):
    w = people
    allowed_people, sources = EVIDENCE_RULES[name]
    user = getattr(w, sorted(allowed_people)[0])
    for status in set(E) - sources:
        item = fresh_item(w, status)
        assert not lifecycle.allowed(user, item, name), status
        with pytest.raises(PermissionDenied):
            lifecycle.require(user, item, name)
        before = _counts()
        with pytest.raises(lifecycle.Refused):
            make_evidence_move(name, item, user, status)
        assert Evidence.objects.get(pk=item.pk).status == status, status
        assert _counts() == before, status


@pytest.mark.parametrize("decided", [[], [E.SUBMITTED], [E.REJECTED, E.WITHDRAWN, E.SUPERSEDED]],
                         ids=["no-evidence", "undecided", "none-accepted"])
def test_verify_is_refused_without_accepted_evidence(client, world, decided):
    for status in decided:
        fresh_item(world, status)
    action = put_action_in(world.multi_action, Status.COMPLETED)
    before = _counts()
    for user in (world.consultant, world.admin):
        with pytest.raises(lifecycle.Refused, match="accepted evidence"):
            lifecycle.verify(action=action, actor=user, note="Signed off.", seen_status=Status.COMPLETED)
    assert _counts() == before

    client.force_login(world.consultant)
    before = _counts()  # the sign-in is a security event, sealed in the chain
    page = client.get(reverse("actionplans:action_detail", args=[action.pk]))
    assert "accepted evidence item before it can be signed off" in page.content.decode()
    assert reverse("actionplans:action_verify", args=[action.pk]) not in page.content.decode()
    response = client.post(
        reverse("actionplans:action_verify", args=[action.pk]), {"note": "Signed off.", "seen_status": "completed"},
        follow=True,
    )
    assert "Not signed off." in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == Status.COMPLETED
    assert _counts() == before

    # With one accepted item it goes through, so it was the evidence that was missing.
    item = fresh_item(world, E.SUBMITTED)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="", notify=False)
    lifecycle.verify(action=action, actor=world.consultant, note="Signed off.", seen_status=Status.COMPLETED)
    assert Action.objects.get(pk=action.pk).status == Status.VERIFIED


# --- Reinstate, the neutral badge and the buttons where the user is ---------------------------------------------


def _selected_option(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))


def test_a_member_reinstates_a_cancelled_action_from_its_page(client, world):
    action = put_action_in(world.multi_action, Status.COMPLETED)
    lifecycle.cancel(action=action, actor=world.member, reason="Superseded by a national protocol.",
                     seen_status=Status.COMPLETED)
    client.force_login(world.member)
    page = client.get(reverse("actionplans:action_detail", args=[action.pk])).content.decode()
    url = reverse("actionplans:action_reinstate", args=[action.pk])
    assert f'href="{url}"' in page

    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Superseded by a national protocol." in html
    assert _selected_option(html, "status") == [Status.COMPLETED]  # the status it had before it was cancelled
    assert response.context["form"]["seen_status"].value() == Status.CANCELLED

    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.post(url, {"status": Status.COMPLETED, "note": "The protocol was withdrawn.",
                                  "seen_status": Status.CANCELLED})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert action.cancellation_reason == ""
    update = ProgressUpdate.objects.filter(action=action).order_by("-id").first()
    assert (update.status_before, update.status_after, update.author) == (Status.CANCELLED, Status.COMPLETED, world.member)
    assert "The protocol was withdrawn." in update.note
    record = records_of(action).filter(id__gt=newest).get()
    assert record.actor == world.member
    assert record.changes["status"] == ["Cancelled", "Completed"]


def test_reinstating_offers_in_progress_when_the_status_before_is_unknown(client, world):
    action = factories.action(world.multi_plan, world.police, status=Status.CANCELLED)
    client.force_login(world.member)
    html = client.get(reverse("actionplans:action_reinstate", args=[action.pk])).content.decode()
    assert _selected_option(html, "status") == [Status.IN_PROGRESS]


def test_reinstating_needs_a_note_and_is_for_members_only(client, world):
    action = factories.action(world.multi_plan, world.police, status=Status.CANCELLED)
    url = reverse("actionplans:action_reinstate", args=[action.pk])
    client.force_login(world.member)
    response = client.post(url, {"status": Status.IN_PROGRESS, "note": "", "seen_status": Status.CANCELLED})
    assert response.status_code == 400
    for person in ("chair", "consultant", "agency_user"):
        client.force_login(getattr(world, person))
        assert client.get(url).status_code == 403, person
        response = client.post(url, {"status": Status.IN_PROGRESS, "note": "Back.", "seen_status": Status.CANCELLED})
        assert response.status_code == 403, person
    assert Action.objects.get(pk=action.pk).status == Status.CANCELLED
    assert not ProgressUpdate.objects.filter(action=action).exists()


def test_a_cancelled_action_shows_a_neutral_badge_and_reinstate_for_members_only(client, world):
    action = world.multi_action  # due in 90 days: green while it is open
    url = reverse("actionplans:action_detail", args=[action.pk])
    reinstate = reverse("actionplans:action_reinstate", args=[action.pk])
    client.force_login(world.member)
    html = client.get(url).content.decode()
    assert "brag-green" in html and "brag-none" not in html
    assert reinstate not in html

    lifecycle.cancel(action=action, actor=world.member, reason="Out of scope.", seen_status=Status.IN_PROGRESS)
    for person, sees_reinstate in (("member", True), ("admin", True), ("chair", False), ("consultant", False),
                                   ("agency_user", False)):
        client.force_login(getattr(world, person))
        html = client.get(url).content.decode()
        badge = re.search(r'<span class="badge brag[^"]*"[^>]*>.*?</span>\s*(?:</span>)?', html, re.S)
        assert badge, person
        assert "brag-none" in badge.group(0) and "Cancelled" in badge.group(0), person
        assert not re.search(r"brag-(green|amber|red|blue)", html), person
        assert (reinstate in html) is sees_reinstate, person


def test_new_version_is_offered_beside_a_rejected_or_undecided_item_to_the_submitting_agency_only(client, world):
    action = world.multi_action
    rejected = samples.submit_note(action, world.agency_user, note="Unsigned copy.")
    lifecycle.decide(evidence=rejected, actor=world.consultant, accept=False, note="Not signed.", notify=False)
    accepted = samples.submit_note(action, world.agency_user, note="Attendance lists.")
    lifecycle.decide(evidence=accepted, actor=world.consultant, accept=True, note="", notify=False)
    undecided = samples.submit_note(action, world.agency_user, note="Minutes.")
    url = reverse("actionplans:action_detail", args=[action.pk])

    def links(html):
        return {
            int(pk) for pk in re.findall(r'href="/evidence/(\d+)/new-version/"', html)
        }

    client.force_login(world.agency_user)
    html = client.get(url).content.decode()
    assert links(html) == {rejected.pk, undecided.pk}
    assert f"New version<span class=\"visually-hidden\"> of evidence #{rejected.pk}</span>" in html
    assert client.get(reverse("evidence:new_version", args=[rejected.pk])).status_code == 200

    for person in ("member", "admin", "consultant", "chair", "other"):
        client.force_login(getattr(world, person))
        assert links(client.get(url).content.decode()) == set(), person
