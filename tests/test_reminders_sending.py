"""Sending reminders exactly once: claims, idempotence, retries, stale claims, one connection, few queries."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from actionplans.rules import Status
from reminders import services
from reminders.models import Kind, Reminder, ReminderItem
from tests import factories

DAY = datetime.date(2026, 3, 2)


class CountingBackend(LocmemBackend):
    """The test outbox, counting the connections opened (locmem has none of its own)."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        self.connection = object()
        return True

    def close(self):
        self.connection = None


class FailingBackend(CountingBackend):
    """An SMTP server that refuses every message while ``failing`` is set."""

    failing = True

    def send_messages(self, messages):
        if FailingBackend.failing:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def counting_backend(settings):
    settings.EMAIL_BACKEND = "tests.test_reminders_sending.CountingBackend"
    CountingBackend.opened = 0
    FailingBackend.failing = True


@pytest.fixture
def people(db):
    class People:
        police = factories.agency(name="Police", short_name="Police")
        officer = factories.user(Role.AGENCY, agency=police, email="officer@example.org")
        colleague = factories.user(Role.AGENCY, agency=police, email="colleague@example.org")
        member = factories.user(Role.MEMBER, email="member@example.org")
        review = factories.review(title="Child Q", summary="The family lived in Northbridge.")
        plan = factories.plan(review)

    return People


def add_action(people, days, officer=None, **kwargs):
    return factories.action(
        people.plan,
        people.police,
        target_date=DAY + datetime.timedelta(days=days),
        responsible_officer=officer,
        **kwargs,
    )


def expire(reminders=None):
    """Move time on: every claim's retry time has come."""
    (reminders or Reminder.objects.all()).update(retry_after=timezone.now() - datetime.timedelta(seconds=1))


def test_it_sends_each_person_one_e_mail_and_records_it(people):
    add_action(people, -1)  # no officer: officer and colleague
    add_action(people, -28, officer=people.officer)  # escalation: officer and member
    outcome = services.send_reminders(on=DAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@example.org", "member@example.org", "officer@example.org"]
    assert outcome.sent == 3 and outcome.retry_in is None
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    officer_mail = Reminder.objects.get(recipient=people.officer)
    assert officer_mail.kind == Kind.DIGEST and officer_mail.sent_at and officer_mail.attempts == 1
    assert sorted(officer_mail.items.values_list("kind", "days")) == [("escalation", 28), ("overdue", 1)]


def test_running_the_job_twice_on_the_same_day_sends_each_person_one_e_mail(people):
    add_action(people, -1, officer=people.officer)
    add_action(people, 7)
    services.send_reminders(on=DAY)
    first = len(mail.outbox)
    again = services.send_reminders(on=DAY)
    assert first == 2 and len(mail.outbox) == 2
    assert again.planned == again.claimed == again.sent == 0
    assert Reminder.objects.count() == 2


def test_the_next_day_is_a_new_day(people):
    add_action(people, -1, officer=people.officer)
    add_action(people, 9, officer=people.officer)
    services.send_reminders(on=DAY)
    services.send_reminders(on=DAY + datetime.timedelta(days=2))  # due in 7 days then
    assert [m.to for m in mail.outbox] == [["officer@example.org"], ["officer@example.org"]]


def test_a_reminder_claimed_by_another_worker_is_not_sent_again(people):
    """Two workers at once: the one that inserted the row first sends; the other skips it."""
    add_action(people, -1, officer=people.officer)
    now = timezone.now()
    Reminder.objects.create(
        recipient=people.officer, kind=Kind.DIGEST, day=DAY, email="officer@example.org",
        claimed_at=now, retry_after=now + datetime.timedelta(minutes=30),
    )
    outcome = services.send_reminders(on=DAY)
    assert mail.outbox == [] and outcome.claimed == 0
    assert outcome.retry_in is not None  # the task looks again once that claim may have timed out


def test_a_claim_left_by_a_killed_worker_is_sent_by_the_next_run_after_the_timeout(people):
    action = add_action(people, -1, officer=people.officer)
    now = timezone.now()
    stale = Reminder.objects.create(
        recipient=people.officer, kind=Kind.DIGEST, day=DAY, email="officer@example.org",
        claimed_at=now, retry_after=now + datetime.timedelta(minutes=30),
    )
    ReminderItem.objects.create(reminder=stale, kind=Kind.OVERDUE, action=action, days=1)
    services.send_reminders(on=DAY)
    assert mail.outbox == []  # still within the timeout: the first worker may be alive

    expire()
    outcome = services.send_reminders(on=DAY + datetime.timedelta(days=1))
    assert outcome.resumed == 1 and len(mail.outbox) == 1
    stale.refresh_from_db()
    assert stale.status == Reminder.Status.SENT and stale.attempts == 2
    assert "1 day overdue" in mail.outbox[0].body


def test_an_smtp_failure_is_retried_with_backoff_then_sent(people, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders_sending.FailingBackend"
    settings.REMINDER_RETRY_BACKOFF = 60
    add_action(people, -1, officer=people.officer)
    before = timezone.now()
    outcome = services.send_reminders(on=DAY)
    reminder = Reminder.objects.get()
    assert outcome.retrying == 1 and reminder.status == Reminder.Status.CLAIMED
    assert "SMTPServerDisconnected" in reminder.error
    assert reminder.retry_after >= before + datetime.timedelta(seconds=60)
    assert 55 <= outcome.retry_in <= 62

    services.send_reminders(on=DAY)  # too early: the backoff has not passed
    assert Reminder.objects.get().attempts == 1

    expire()
    services.send_reminders(on=DAY)
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert reminder.retry_after >= timezone.now() + datetime.timedelta(seconds=115)  # backoff doubles

    FailingBackend.failing = False
    expire()
    services.send_reminders(on=DAY)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT and reminder.error == "" and len(mail.outbox) == 1


def test_after_the_last_attempt_an_smtp_failure_is_recorded_as_failed(people, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders_sending.FailingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    add_action(people, -1, officer=people.officer)
    for _ in range(5):
        services.send_reminders(on=DAY)
        expire(Reminder.objects.filter(status=Reminder.Status.CLAIMED))
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED and reminder.attempts == 3
    assert "SMTPServerDisconnected" in reminder.error
    assert services.next_retry_in() is None
    assert mail.outbox == []


def test_a_claim_that_timed_out_after_the_last_attempt_is_shown_as_failed_not_lost(people, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    now = timezone.now()
    Reminder.objects.create(
        recipient=people.officer, kind=Kind.DIGEST, day=DAY, email="officer@example.org",
        claimed_at=now, retry_after=now - datetime.timedelta(seconds=1), attempts=2,
    )
    outcome = services.send_reminders(on=DAY)
    reminder = Reminder.objects.get()
    assert outcome.gave_up == 1 and reminder.status == Reminder.Status.FAILED
    assert "Gave up after 2 attempts" in reminder.error and "never confirmed" in reminder.error


def test_e_mail_goes_out_over_one_connection_per_batch(people, settings, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 4)
    officers = [factories.user(Role.AGENCY, agency=people.police, email=f"o{i}@example.org") for i in range(10)]
    for officer in officers:
        add_action(people, -1, officer=officer)
    services.send_reminders(on=DAY)
    assert len(mail.outbox) == 10
    assert CountingBackend.opened == 3  # 4 + 4 + 2


def test_a_person_without_e_mail_address_is_reported_not_claimed(people):
    silent = factories.user(Role.AGENCY, agency=people.police)
    add_action(people, -1, officer=silent)
    outcome = services.send_reminders(on=DAY)
    assert outcome.without_email == [silent.username] and "no e-mail address" in str(outcome)
    assert not Reminder.objects.exists()


def test_the_e_mail_names_references_dates_and_a_link_but_no_childs_details(people, settings):
    settings.SITE_URL = "https://scr.example.org"
    action = add_action(people, -8, officer=people.officer, reference="3.2", description="Train  staff\non fathers.")
    services.send_reminders(on=DAY)
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert people.review.reference in body and "3.2" in body
        assert "Train staff on fathers." in body
        assert "8 days overdue" in body
        assert f"https://scr.example.org/actions/{action.pk}/" in body
        assert "Child Q" not in body and "Northbridge" not in body
        assert action.recommendation.text not in body
    assert "Child Q" not in message.subject
    assert message.subject == "scrsystem reminders for 2 March 2026: 1 overdue"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def _queries(callable_):
    with CaptureQueriesContext(db_connection) as queries:
        callable_()
    return len(queries)


@pytest.mark.parametrize("step", ["plan", "send"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_actions(people, step):
    """Same recipients, ten times the actions (overdue, due soon, escalated, and ones with no reminder)."""
    members = [people.member, factories.user(Role.MEMBER, email="m2@example.org")]
    assert members

    def add(n):
        for i in range(n):
            add_action(people, [-1, -8, -28, 7, 30, -3, 5][i % 7], officer=[people.officer, None][i % 2])
            add_action(people, -1, status=Status.VERIFIED)

    def run(day):
        if step == "plan":
            return services.plan_reminders(on=day)
        return services.send_reminders(on=day)

    add(7)
    small = _queries(lambda: run(DAY))
    Reminder.objects.all().delete()
    add(63)
    large = _queries(lambda: run(DAY))
    assert ReminderItem.objects.count() > 60 or step == "plan"
    assert small == large
