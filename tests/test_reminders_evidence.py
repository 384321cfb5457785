"""The consultants' weekly digest of evidence waiting more than 14 days for a decision (DOMAIN.md, "Reminders")."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from evidence.models import Evidence
from reminders.models import Kind, Reminder, ReminderPreference
from reminders.services import plan_reminders, send_reminders
from tests import factories

MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture
def office(db):
    class Office:
        police = factories.agency(name="Police", short_name="Police")
        officer = factories.user(Role.AGENCY, agency=police, email="officer@example.org")
        consultant = factories.user(Role.CONSULTANT, email="consultant@example.org")
        second_consultant = factories.user(Role.CONSULTANT, email="auditor@example.org")
        member = factories.user(Role.MEMBER, email="member@example.org")
        review = factories.review(title="Child Q")
        plan = factories.plan(review)
        action = factories.action(plan, police, reference="2.4")

    return Office


def submit(office, days_ago, status=Evidence.Status.SUBMITTED, on=MONDAY):
    submitted = timezone.make_aware(datetime.datetime.combine(on - datetime.timedelta(days=days_ago), datetime.time(16)))
    return Evidence.objects.create(
        action=office.action, agency=office.police, description="Register of the fathers seen by Child Q's family",
        represents_on=submitted.date(), note="Signed register attached on paper.", submitted_by=office.officer,
        submitted_at=submitted, status=status,
    )


def digest(on=MONDAY):
    return {
        p.recipient.username: [(i.kind, i.evidence.pk, i.days) for i in p.items if i.evidence]
        for p in plan_reminders(on=on)
    }


def test_consultants_get_evidence_waiting_more_than_14_days_on_monday(office):
    old = submit(office, 20)
    just_over = submit(office, 15)
    submit(office, 14)  # exactly 14 days: not "more than 14"
    submit(office, 3)
    expected = [(Kind.EVIDENCE_WAITING, old.pk, 20), (Kind.EVIDENCE_WAITING, just_over.pk, 15)]
    assert digest() == {office.consultant.username: expected, office.second_consultant.username: expected}


@pytest.mark.parametrize("days_later", [1, 2, 3, 4, 5, 6])
def test_the_digest_is_weekly_not_daily(office, days_later):
    submit(office, 30)
    assert digest(MONDAY + datetime.timedelta(days=days_later)) == {}


@pytest.mark.parametrize(
    "status",
    [Evidence.Status.ACCEPTED, Evidence.Status.REJECTED, Evidence.Status.SUPERSEDED],
)
def test_decided_or_replaced_evidence_is_not_waiting(office, status):
    submit(office, 30, status=status)
    assert digest() == {}


def test_the_weekday_and_the_wait_are_settings(office, settings):
    settings.REMINDER_EVIDENCE_DIGEST_WEEKDAY = 3  # Wednesday
    settings.REMINDER_EVIDENCE_WAITING_DAYS = 5
    item = submit(office, 6, on=MONDAY + datetime.timedelta(days=2))
    assert digest() == {}
    assert digest(MONDAY + datetime.timedelta(days=2))[office.consultant.username] == [
        (Kind.EVIDENCE_WAITING, item.pk, 6)
    ]


def test_the_digest_e_mail_links_to_the_evidence_and_names_no_child_or_description(office, settings):
    settings.SITE_URL = "https://scr.example.org"
    item = submit(office, 20)
    send_reminders(on=MONDAY)
    message = next(m for m in mail.outbox if m.to == ["consultant@example.org"])
    assert message.subject == "scrsystem reminders for 2 March 2026: 1 evidence waiting"
    for body in (message.body, message.alternatives[0][0]):
        assert f"https://scr.example.org{item.get_absolute_url()}" in body
        assert f"#{item.pk} from Police" in body and "waiting 20 days for a decision" in body
        assert office.review.reference in body and "2.4" in body
        assert "Child Q" not in body and "Register of the fathers" not in body


def test_the_digest_is_sent_once_however_often_the_job_runs(office):
    submit(office, 20)
    send_reminders(on=MONDAY)
    send_reminders(on=MONDAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["auditor@example.org", "consultant@example.org"]
    assert Reminder.objects.filter(kind=Kind.DIGEST).count() == 2


def test_a_consultant_who_chose_separate_e_mails_gets_an_evidence_e_mail(office):
    ReminderPreference.objects.create(user=office.consultant, delivery=ReminderPreference.Delivery.SEPARATE)
    submit(office, 20)
    send_reminders(on=MONDAY)
    assert Reminder.objects.get(recipient=office.consultant).kind == Kind.EVIDENCE_WAITING


def test_the_action_page_shows_the_digest_among_its_reminders(office, client):
    submit(office, 20)
    send_reminders(on=MONDAY)
    client.force_login(office.member)
    page = client.get(office.action.get_absolute_url()).content.decode()
    assert "Evidence waiting for a decision (20 days)" in page and str(office.consultant) in page
