"""A person's due dates as a calendar feed (README "Calendar feed"): a secret address made and stopped on the
reminder preferences page, shown once and kept only as a hash; the feed lists what that person acts on and may see,
as all-day events linking to their pages; a stopped address, another's, or an inactive person's answers 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from accounts.models import Role
from actionplans.rules import Status, today
from learning import services as learning_services
from learning.models import LearningEvent
from reminders import calendar
from reminders.models import CalendarFeed
from tests import factories
from tests.test_papers import scheduled_event, sub_committee


def make_address(client, user):
    client.force_login(user)
    response = client.post(reverse("reminders:calendar_address"))
    assert response.status_code == 200
    address = response.context["new_address"]
    assert address in response.content.decode()
    return address


def feed(client, address):
    client.logout()
    return client.get(address[address.index("/calendar/"):])


def events_of(response):
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_address_is_shown_once_and_kept_only_as_a_hash(client, world):
    address = make_address(client, world.agency_user)
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    [kept] = CalendarFeed.objects.filter(user=world.agency_user)
    assert len(token) >= 40 and kept.token_hash == calendar.hash_of(token) and token not in kept.token_hash
    client.force_login(world.agency_user)
    page = client.get(reverse("reminders:preferences")).content.decode()
    assert token not in page and "You have an address, made" in page and "not read yet" in page


def test_an_agency_user_s_feed_has_its_open_actions_and_scheduled_events_and_nothing_else(client, world):
    world.multi_action.target_date = today() + datetime.timedelta(days=12)
    world.multi_action.save()
    done = factories.action(world.police_plan, world.police, reference="P.9", status=Status.COMPLETED)
    event = scheduled_event(world, "Briefing on pre-birth assessment", today() + datetime.timedelta(days=20))
    old = scheduled_event(world, "A briefing long ago", today() - datetime.timedelta(days=40))
    response = feed(client, make_address(client, world.agency_user))
    events = events_of(response)
    expected = {f"action-{world.multi_action.pk}@scrsystem", f"action-{world.police_action.pk}@scrsystem",
                f"event-{event.pk}@scrsystem"}
    assert set(events) == expected, set(events)
    # Not another agency's actions (its own plan or the multi-agency plan), nor a completed one, nor an old event.
    assert f"action-{world.health_action.pk}@scrsystem" not in events and f"action-{done.pk}@scrsystem" not in events
    assert f"event-{old.pk}@scrsystem" not in events
    due = events[f"action-{world.multi_action.pk}@scrsystem"]
    assert due.decoded("dtstart") == world.multi_action.target_date
    assert due.decoded("dtend") == world.multi_action.target_date + datetime.timedelta(days=1)
    assert str(due["summary"]) == f"Due: {world.review.reference} action 1.1 (Police)"
    assert str(due["url"]).endswith(world.multi_action.get_absolute_url())
    assert CalendarFeed.objects.get(user=world.agency_user).last_used_at is not None


def test_a_member_s_feed_has_their_sub_committee_s_impact_checks(client, world):
    committee = sub_committee(world)
    world.health_action.status = Status.VERIFIED
    world.health_action.save()
    check = learning_services.impact_check_schedule(action=world.health_action, actor=world.member,
                                                    due_on=today() + datetime.timedelta(days=30),
                                                    sub_committee=committee)
    other = factories.user(Role.MEMBER)
    events = events_of(feed(client, make_address(client, world.member)))
    assert events[f"impact-{check.pk}@scrsystem"].decoded("dtstart") == check.due_on
    # A member of no sub-committee is not given its checks.
    assert f"impact-{check.pk}@scrsystem" not in events_of(feed(client, make_address(client, other)))


def test_a_new_address_stops_the_old_one_and_stop_stops_it(client, world):
    first = make_address(client, world.agency_user)
    second = make_address(client, world.agency_user)
    assert feed(client, first).status_code == 404
    assert feed(client, second).status_code == 200
    assert CalendarFeed.objects.filter(user=world.agency_user, revoked_at__isnull=True).count() == 1
    client.force_login(world.agency_user)
    response = client.post(reverse("reminders:calendar_address"), {"stop": "1"}, follow=True)
    assert "Your calendar address is stopped" in response.content.decode()
    assert feed(client, second).status_code == 404


@pytest.mark.parametrize("address", ["/calendar/not-a-token.ics", "/calendar/.ics"])
def test_an_unknown_address_is_404(client, world, address):
    assert client.get(address).status_code == 404


def test_an_inactive_person_s_address_is_404(client, world):
    address = make_address(client, world.agency_user)
    world.agency_user.is_active = False
    world.agency_user.save()
    assert feed(client, address).status_code == 404


def test_the_address_page_needs_a_post_and_a_signed_in_person(client, world):
    assert client.post(reverse("reminders:calendar_address")).status_code == 302  # to sign in
    assert not CalendarFeed.objects.exists()
    client.force_login(world.agency_user)
    assert client.get(reverse("reminders:calendar_address")).status_code == 405


def test_the_feed_runs_a_fixed_number_of_queries(client, world):
    address = make_address(client, world.member)
    committee = sub_committee(world)

    client.logout()
    path = address[address.index("/calendar/"):]

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]

    small, small_sql = count()
    for n in range(6):
        factories.action(world.multi_plan, world.police, reference=f"8.{n}", responsible_officer=world.member)
        scheduled_event(world, f"Workshop {n}", today() + datetime.timedelta(days=n + 1))
        verified = factories.action(world.police_plan, world.police, reference=f"V.{n}", status=Status.VERIFIED)
        learning_services.impact_check_schedule(action=verified, actor=world.member, sub_committee=committee,
                                                due_on=today() + datetime.timedelta(days=60))
    large, large_sql = count()
    assert small == large, "\n".join(["--- small", *small_sql, "--- large", *large_sql])
    assert len(events_of(feed(client, address))) >= 18
    assert LearningEvent.objects.count() >= 6
