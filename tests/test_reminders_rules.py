"""Who gets which reminder on which day (DOMAIN.md, "Reminders"), at the boundaries.

Every test plans the reminders of one fixed day, DAY, with the default offsets: due soon 30, 7 and 1 days before
the target date; overdue on day 1 and every 7 days after (8, 15, 22, 29 ...); escalation once, at 28 days overdue,
to the usual people and the sub-committee members.
"""

import datetime

import pytest

from accounts.models import Role
from actionplans.rules import Status
from reminders.models import Kind, ReminderPreference
from reminders.services import plan_reminders
from tests import factories

DAY = datetime.date(2026, 3, 2)


class Board:
    def __init__(self):
        self.police = factories.agency(name="Police", short_name="Police")
        self.health = factories.agency(name="Health", short_name="Health")
        self.officer = factories.user(Role.AGENCY, agency=self.police, email="officer@example.org")
        self.colleague = factories.user(Role.AGENCY, agency=self.police, email="colleague@example.org")
        self.gone = factories.user(Role.AGENCY, agency=self.police, email="gone@example.org", is_active=False)
        self.health_user = factories.user(Role.AGENCY, agency=self.health, email="health@example.org")
        self.member = factories.user(Role.MEMBER, email="member@example.org")
        self.member_at_police = factories.user(Role.MEMBER, agency=self.police, email="member2@example.org")
        self.chair = factories.user(Role.CHAIR, email="chair@example.org")
        self.consultant = factories.user(Role.CONSULTANT, email="consultant@example.org")
        self.review = factories.review(title="Child Q", summary="A very private summary.")
        self.plan = factories.plan(self.review)

    def action(self, days, *, status=Status.IN_PROGRESS, officer="officer", lead=None):
        """An action whose target date is ``days`` after DAY (negative: overdue by that many days)."""
        return factories.action(
            self.plan,
            lead or self.police,
            target_date=DAY + datetime.timedelta(days=days),
            status=status,
            responsible_officer=getattr(self, officer) if officer else None,
        )


@pytest.fixture
def board(db):
    return Board()


def who_gets(on=DAY):
    """{username: [(item kind, action pk, days), ...]} of the day's plan, with the e-mail kind checked to match."""
    result = {}
    for planned in plan_reminders(on=on):
        result.setdefault(planned.recipient.username, []).extend(
            (item.kind, item.action.pk, item.days) for item in planned.items
        )
    return result


@pytest.mark.parametrize("days", [30, 7, 1])
def test_officer_is_reminded_exactly_30_7_and_1_days_before_the_target_date(board, days):
    action = board.action(days)
    assert who_gets() == {board.officer.username: [(Kind.DUE_SOON, action.pk, days)]}


@pytest.mark.parametrize("days", [31, 29, 8, 6, 2, 0])
def test_nobody_is_reminded_on_other_days_before_the_target_date(board, days):
    board.action(days)
    assert who_gets() == {}


@pytest.mark.parametrize("overdue", [1, 8, 15, 22, 29, 36])
def test_overdue_reminder_on_the_first_day_overdue_and_every_7_days_after(board, overdue):
    action = board.action(-overdue)
    assert who_gets() == {board.officer.username: [(Kind.OVERDUE, action.pk, overdue)]}


@pytest.mark.parametrize("overdue", [2, 7, 14, 21, 27, 30])
def test_no_overdue_reminder_between_the_repeats(board, overdue):
    board.action(-overdue)
    assert who_gets() == {}


def test_at_28_days_overdue_the_officer_and_every_sub_committee_member_get_an_escalation(board):
    action = board.action(-28)
    escalation = [(Kind.ESCALATION, action.pk, 28)]
    assert who_gets() == {
        board.officer.username: escalation,
        board.member.username: escalation,
        board.member_at_police.username: escalation,
    }


def test_escalation_is_sent_once_members_hear_nothing_the_days_after(board):
    action = board.action(-28)
    for later in range(1, 15):
        plan = who_gets(DAY + datetime.timedelta(days=later))
        assert board.member.username not in plan
        if later == 1:  # 29 days overdue: the ordinary weekly overdue reminder to the officer
            assert plan == {board.officer.username: [(Kind.OVERDUE, action.pk, 29)]}


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.VERIFIED, Status.COMPLETED])
@pytest.mark.parametrize("days", [7, 1, -1, -8, -28])
def test_cancelled_verified_and_completed_actions_have_no_reminders(board, status, days):
    board.action(days, status=status)
    assert who_gets() == {}


def test_not_started_actions_are_reminded_like_actions_in_progress(board):
    action = board.action(-1, status=Status.NOT_STARTED)
    assert who_gets() == {board.officer.username: [(Kind.OVERDUE, action.pk, 1)]}


def test_an_action_without_officer_goes_to_the_lead_agencys_active_agency_users(board):
    action = board.action(-1, officer=None)
    expected = [(Kind.OVERDUE, action.pk, 1)]
    # Not the inactive account, not the member who works for the police, not the other agency.
    assert who_gets() == {board.officer.username: expected, board.colleague.username: expected}


def test_an_action_whose_officer_left_goes_to_the_lead_agencys_users(board):
    action = board.action(7, officer="gone")
    expected = [(Kind.DUE_SOON, action.pk, 7)]
    assert who_gets() == {board.officer.username: expected, board.colleague.username: expected}


def test_user_who_opted_out_gets_no_due_soon_mail_but_still_overdue_and_escalation(board):
    ReminderPreference.objects.create(user=board.officer, due_soon=False)
    board.action(7)
    overdue = board.action(-1)
    escalated = board.action(-28)
    assert who_gets()[board.officer.username] == [
        (Kind.ESCALATION, escalated.pk, 28),
        (Kind.OVERDUE, overdue.pk, 1),
    ]


def test_opting_out_of_due_soon_mail_affects_only_that_person(board):
    ReminderPreference.objects.create(user=board.colleague, due_soon=False)
    action = board.action(7, officer=None)
    assert who_gets() == {board.officer.username: [(Kind.DUE_SOON, action.pk, 7)]}


def test_daily_digest_is_one_e_mail_per_person_with_everything_most_urgent_first(board):
    due = board.action(7)
    overdue = board.action(-8)
    escalated = board.action(-28)
    planned = [p for p in plan_reminders(on=DAY) if p.recipient == board.officer]
    assert len(planned) == 1
    assert planned[0].kind == Kind.DIGEST
    assert [(i.kind, i.action.pk) for i in planned[0].items] == [
        (Kind.ESCALATION, escalated.pk),
        (Kind.OVERDUE, overdue.pk),
        (Kind.DUE_SOON, due.pk),
    ]


def test_separate_delivery_is_one_e_mail_per_kind(board):
    ReminderPreference.objects.create(user=board.officer, delivery=ReminderPreference.Delivery.SEPARATE)
    board.action(7)
    board.action(1)
    board.action(-8)
    planned = [p for p in plan_reminders(on=DAY) if p.recipient == board.officer]
    assert sorted((p.kind, len(p.items)) for p in planned) == [(Kind.DUE_SOON, 2), (Kind.OVERDUE, 1)]


def test_chair_and_consultant_get_no_action_reminders(board):
    board.action(-28, officer=None)
    board.action(-1)
    plan = who_gets()
    assert board.chair.username not in plan
    assert board.consultant.username not in plan


def test_offsets_are_settings(board, settings):
    settings.REMINDER_DUE_SOON_DAYS = [14]
    settings.REMINDER_OVERDUE_REPEAT_DAYS = 3
    settings.REMINDER_ESCALATION_DAYS = 10
    due = board.action(14)
    board.action(7)
    repeat = board.action(-4)
    escalated = board.action(-10)
    plan = who_gets()
    assert plan[board.officer.username] == [
        (Kind.ESCALATION, escalated.pk, 10),
        (Kind.OVERDUE, repeat.pk, 4),
        (Kind.DUE_SOON, due.pk, 14),
    ]
    assert plan[board.member.username] == [(Kind.ESCALATION, escalated.pk, 10)]
