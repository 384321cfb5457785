"""The reminder pages and entry points: preferences, the action page's log, the admin log, the command, beat."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from actionplans.rules import today
from reminders.models import Kind, Reminder, ReminderPreference
from reminders.services import send_reminders
from tests import factories

URL = "/reminders/preferences/"


@pytest.fixture
def reminded(world):
    """world.multi_action is overdue by one day today, with world.agency_user as officer; its reminder is sent."""
    world.agency_user.email = "police@example.org"
    world.agency_user.save()
    world.multi_action.target_date = today() - datetime.timedelta(days=1)
    world.multi_action.save()
    send_reminders(on=today())
    return world


def test_preferences_page_needs_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preferences_page_is_linked_from_the_nav(world, login):
    assert URL in login(world.agency_user).get("/reviews/").content.decode()


def test_preferences_page_shows_the_defaults(world, login):
    response = login(world.agency_user).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Daily digest" in page and "always sent" in page
    assert "no reminder can reach you" in page  # this test user has no e-mail address


def test_it_saves_the_users_own_preferences(world, login):
    response = login(world.agency_user).post(URL, {"delivery": "separate"})  # due_soon unticked
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=world.agency_user)
    assert preference.delivery == ReminderPreference.Delivery.SEPARATE and preference.due_soon is False
    login(world.agency_user).post(URL, {"delivery": "digest", "due_soon": "on"})
    preference.refresh_from_db()
    assert preference.delivery == "digest" and preference.due_soon is True
    assert ReminderPreference.objects.count() == 1


def test_it_refuses_an_unknown_delivery(world, login):
    response = login(world.member).post(URL, {"delivery": "hourly"})
    assert response.status_code == 200 and "is not one of the available choices" in response.content.decode()
    assert not ReminderPreference.objects.exists()


def test_preferences_page_refuses_other_methods(world, login):
    assert login(world.member).put(URL).status_code == 405


def test_action_page_shows_which_reminders_were_sent_to_whom_and_when(reminded, login):
    page = login(reminded.chair).get(reminded.multi_action.get_absolute_url()).content.decode()
    assert "Reminders" in page
    assert str(reminded.agency_user) in page and "Overdue (1 day)" in page and "Sent " in page


def test_action_page_without_reminders_says_so(world, login):
    page = login(world.member).get(world.police_action.get_absolute_url()).content.decode()
    assert "No reminders sent about this action." in page


def test_action_page_query_count_does_not_grow_with_reminders(reminded, login):
    client = login(reminded.member)
    url = reminded.multi_action.get_absolute_url()
    client.get(url)  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for n in range(5):
        person = factories.user(Role.MEMBER, email=f"m{n}@example.org")
        reminder = Reminder.objects.create(
            recipient=person, kind=Kind.DIGEST, day=datetime.date(2026, 1, n + 1), email=person.email,
            claimed_at=at, retry_after=at, status=Reminder.Status.FAILED,
        )
        reminder.items.create(kind=Kind.OVERDUE, action=reminded.multi_action, days=8)
    with CaptureQueriesContext(connection) as six:
        page = client.get(url).content.decode()
    assert page.count("Failed after 1 attempt") == 5
    assert len(six) == len(one)


def test_admin_shows_the_whole_log_read_only(reminded, login):
    client = login(reminded.admin)
    reminder = Reminder.objects.get()
    assert client.get(reverse("admin:reminders_reminder_changelist")).status_code == 200
    assert client.get(reverse("admin:reminders_reminder_change", args=[reminder.pk])).status_code == 200
    assert client.get(reverse("admin:reminders_reminder_add")).status_code == 403
    response = client.post(reverse("admin:reminders_reminder_change", args=[reminder.pk]), {"status": "failed"})
    assert response.status_code == 403
    assert client.post(reverse("admin:reminders_reminder_delete", args=[reminder.pk]), {"post": "yes"}).status_code == 403
    assert Reminder.objects.get().status == Reminder.Status.SENT


def test_admin_lists_failures(world, login):
    Reminder.objects.create(
        recipient=world.member, kind=Kind.DIGEST, day=datetime.date(2026, 3, 2), email="m@example.org",
        claimed_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        retry_after=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        status=Reminder.Status.FAILED, attempts=5, error="SMTPServerDisconnected: gone",
    )
    page = login(world.admin).get(reverse("admin:reminders_reminder_changelist") + "?status=failed").content.decode()
    assert "SMTPServerDisconnected: gone" in page


def test_command_dry_run_prints_who_would_get_what_and_sends_nothing(world):
    world.agency_user.email = "police@example.org"
    world.agency_user.save()
    world.multi_action.target_date = datetime.date(2026, 3, 1)
    world.multi_action.save()
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-03-09", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "1 e-mails would be sent" in text
    assert "police@example.org" in text and f"{world.review.reference} (multi-agency plan) action 1.1" in text
    assert "8 days overdue" in text and world.review.title not in text
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_command_sends_for_the_given_date_once(world):
    world.agency_user.email = "police@example.org"
    world.agency_user.save()
    world.multi_action.target_date = datetime.date(2026, 3, 1)
    world.multi_action.save()
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-03-02", stdout=out)
    call_command("send_reminders", "--date", "2026-03-02", stdout=out)
    assert len(mail.outbox) == 1 and "1 sent" in out.getvalue()
    assert Reminder.objects.get().day == datetime.date(2026, 3, 2)


def test_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="not a date"):
        call_command("send_reminders", "--date", "2026-02-30")


def test_task_runs_the_same_function(world, settings):
    from reminders.tasks import send_reminders as task

    world.agency_user.email = "police@example.org"
    world.agency_user.save()
    world.multi_action.target_date = datetime.date(2026, 3, 1)
    world.multi_action.save()
    result = task.apply(kwargs={"on": "2026-03-02"})
    assert "1 sent" in result.get() and len(mail.outbox) == 1


def test_beat_runs_the_job_every_day_at_the_configured_time():
    from scrsystem.celery import app

    entry = app.conf.beat_schedule["send-reminders"]
    assert entry["task"] == "reminders.tasks.send_reminders"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    assert str(app.conf.timezone) == "Europe/London"
    assert app.conf.beat_schedule_filename.endswith("beat-schedule")
