"""Reminders of the learning cycle (reminders.services): impact checks due soon or overdue, and attendance at held
learning events not recorded.

Every test plans or sends the reminders of one fixed day, DAY (a Friday: no consultants' evidence digest), with the
default offsets: an open impact check due soon 30, 7 and 1 days before its due date, overdue on day 1 and every 7
days after (8, 15, 22, 29 ...), never escalated; a held event's missing attendance 7, 14, 21 and 28 days after it
was held. Then who gets them (the check's sub-committee's members, the agency's users, and each fallback), the
due-soon preference and separate delivery, exactly once, the e-mail's words and links (and the same e-mail when a
failed send is resumed from the database), the event and impact check pages' reminder log and who reads which row,
the command's dry run, and a fixed number of queries.
"""

import datetime
import io
import smtplib
from html import escape, unescape

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Agency, Role
from actionplans.rules import Status
from learning.models import Attendance, ImpactCheck, LearningEvent, SubCommittee
from reminders import services
from reminders.models import Kind, Reminder, ReminderItem, ReminderPreference
from reminders.selectors import reminder_items_about
from tests import factories

DAY = datetime.date(2026, 11, 27)  # a Friday
SITE = "https://scr.example.org"


class FailingBackend(LocmemBackend):
    """An SMTP server that refuses every message while ``failing`` is set; the test outbox otherwise."""

    failing = True

    def send_messages(self, messages):
        if FailingBackend.failing:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE
    FailingBackend.failing = True


class Cycle:
    """The board, two partner agencies with a user each, members in and out of the Monitoring and Evaluation
    sub-committee (which also has a chair, who is no board member), and a review with a multi-agency plan."""

    def __init__(self):
        self.board = factories.agency(name="Test Safeguarding Board", short_name="LSCB", kind=Agency.Kind.BOARD)
        self.police = factories.agency(name="Test Police Service", short_name="Police", kind=Agency.Kind.POLICE)
        self.health = factories.agency(name="Test Health Trust", short_name="Health", kind=Agency.Kind.HEALTH)
        self.board_staff = factories.user(Role.AGENCY, username="lscb", agency=self.board, email="lscb@example.org")
        self.officer = factories.user(Role.AGENCY, username="officer", agency=self.police, email="officer@example.org")
        self.nurse = factories.user(Role.AGENCY, username="nurse", agency=self.health, email="nurse@example.org")
        self.member = factories.user(Role.MEMBER, username="member", email="member@example.org")
        self.member2 = factories.user(Role.MEMBER, username="member2", email="member2@example.org")
        self.outsider = factories.user(Role.MEMBER, username="outsider", email="outsider@example.org")
        self.chair = factories.user(Role.CHAIR, username="chair", email="chair@example.org")
        self.consultant = factories.user(Role.CONSULTANT, username="consultant", email="consultant@example.org")
        self.me = SubCommittee.objects.create(name="Monitoring and Evaluation", checks_impact=True)
        self.me.members.add(self.member, self.member2, self.chair)
        self.review = factories.review(reference="SCR-2026-01", title="Child Q", summary="A private summary.")
        self.plan = factories.plan(self.review)
        self.police_plan = factories.plan(self.review, self.police)
        self.health_plan = factories.plan(self.review, self.health)

    def check(self, days, *, sub_committee="me", status=ImpactCheck.Status.OPEN, plan=None, **action_values):
        """An impact check of a new verified action, due ``days`` after DAY (negative: overdue by that many)."""
        plan = plan or self.plan
        action = factories.action(plan, plan.agency or self.police, status=Status.VERIFIED, **action_values)
        values = {}
        if status == ImpactCheck.Status.DONE:
            values = {"finding": ImpactCheck.Finding.EMBEDDED, "checked_on": DAY}
        return ImpactCheck.objects.create(
            action=action, sub_committee=getattr(self, sub_committee) if sub_committee else None,
            due_on=DAY + datetime.timedelta(days=days), status=status, **values,
        )

    def event(self, held_days_ago, *, status=LearningEvent.Status.HELD, created_by="member", **values):
        """A learning event held ``held_days_ago`` days before DAY."""
        if status == LearningEvent.Status.CANCELLED:
            values.setdefault("cancellation_reason", "The venue flooded.")
        return LearningEvent.objects.create(
            title=values.pop("title", "Hidden men: working with fathers"),
            held_on=DAY - datetime.timedelta(days=held_days_ago), facilitator="The board's training officer",
            status=status, created_by=getattr(self, created_by) if created_by else None, **values,
        )

    def record(self, event, agency, attended=0):
        return Attendance.objects.create(event=event, agency=agency, attended=attended, created_by=self.member)


@pytest.fixture
def cycle(db):
    return Cycle()


def who_gets(on=DAY):
    """{username: [what, ...]} of the day's plan: (kind, impact check pk, days) for an impact check, (kind, event pk,
    agency short name, days) for attendance."""
    result = {}
    for planned in services.plan_reminders(on=on):
        for item in planned.items:
            if item.kind == Kind.ATTENDANCE:
                what = (item.kind, item.event.pk, item.agency.short_name, item.days)
            else:
                what = (item.kind, item.impact_check.pk, item.days)
            result.setdefault(planned.recipient.username, []).append(what)
    return {name: sorted(items) for name, items in result.items()}


def everyone(*users, what):
    return {user.username: sorted(what) for user in users}


def one_mail_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


# --- impact checks: which days ------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [30, 7, 1])
def test_an_impact_check_is_due_soon_exactly_30_7_and_1_days_before_its_due_date(cycle, days):
    check = cycle.check(days)
    assert who_gets() == everyone(cycle.member, cycle.member2, what=[(Kind.IMPACT_DUE, check.pk, days)])


@pytest.mark.parametrize("days", [31, 29, 8, 6, 2, 0])
def test_no_impact_check_reminder_on_other_days_before_its_due_date(cycle, days):
    cycle.check(days)
    assert who_gets() == {}


@pytest.mark.parametrize("overdue", [1, 8, 15, 22, 29, 36])
def test_an_impact_check_is_overdue_on_the_first_day_past_its_due_date_and_every_7_days_after(cycle, overdue):
    check = cycle.check(-overdue)
    assert who_gets() == everyone(cycle.member, cycle.member2, what=[(Kind.IMPACT_OVERDUE, check.pk, overdue)])


@pytest.mark.parametrize("overdue", [2, 7, 9, 14, 21, 27, 28, 30])
def test_no_impact_check_reminder_between_the_overdue_days_and_no_escalation_at_28(cycle, overdue):
    cycle.check(-overdue)
    assert who_gets() == {}


@pytest.mark.parametrize("status", [ImpactCheck.Status.DONE, ImpactCheck.Status.WITHDRAWN])
@pytest.mark.parametrize("days", [7, -1, -8])
def test_a_done_or_withdrawn_impact_check_has_no_reminder(cycle, status, days):
    cycle.check(days, status=status)
    assert who_gets() == {}


# --- impact checks: who ---------------------------------------------------------------------------------------------


def test_only_the_active_board_members_of_its_sub_committee_are_reminded_of_a_check(cycle):
    gone = factories.user(Role.MEMBER, username="gone", email="gone@example.org", is_active=False)
    cycle.me.members.add(gone)
    check = cycle.check(-1)
    # the chair is in the sub-committee but no board member; "outsider" is a member of no sub-committee
    assert who_gets() == everyone(cycle.member, cycle.member2, what=[(Kind.IMPACT_OVERDUE, check.pk, 1)])


def test_an_impact_check_with_no_sub_committee_goes_to_every_active_member(cycle):
    factories.user(Role.MEMBER, username="gone", email="gone@example.org", is_active=False)
    check = cycle.check(7, sub_committee=None)
    assert who_gets() == everyone(cycle.member, cycle.member2, cycle.outsider, what=[(Kind.IMPACT_DUE, check.pk, 7)])


def test_an_impact_check_of_an_inactive_sub_committee_goes_to_every_active_member(cycle):
    SubCommittee.objects.filter(pk=cycle.me.pk).update(is_active=False)
    check = cycle.check(-8)
    assert who_gets() == everyone(
        cycle.member, cycle.member2, cycle.outsider, what=[(Kind.IMPACT_OVERDUE, check.pk, 8)]
    )


def test_a_sub_committee_with_no_active_board_member_left_falls_back_to_every_active_member(cycle):
    pp = SubCommittee.objects.create(name="Professional Practice")
    gone = factories.user(Role.MEMBER, username="gone", email="gone@example.org", is_active=False)
    pp.members.add(gone, cycle.chair, cycle.consultant)
    cycle.pp = pp
    fallback = cycle.check(1, sub_committee="pp")
    own = cycle.check(-1)
    assert who_gets() == {
        "member": sorted([(Kind.IMPACT_DUE, fallback.pk, 1), (Kind.IMPACT_OVERDUE, own.pk, 1)]),
        "member2": sorted([(Kind.IMPACT_DUE, fallback.pk, 1), (Kind.IMPACT_OVERDUE, own.pk, 1)]),
        "outsider": [(Kind.IMPACT_DUE, fallback.pk, 1)],
    }


def test_the_reminder_of_an_impact_check_records_the_check_and_its_action(cycle):
    check = cycle.check(-15)
    services.send_reminders(on=DAY)
    item = ReminderItem.objects.get(reminder__recipient=cycle.member)
    assert (item.kind, item.impact_check, item.action, item.days) == (Kind.IMPACT_OVERDUE, check, check.action, 15)
    assert item.event is None and item.agency is None and item.evidence is None


# --- attendance: which days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("held", [7, 14, 21, 28])
def test_each_partner_agency_without_attendance_is_reminded_7_14_21_and_28_days_after_a_held_event(cycle, held):
    event = cycle.event(held)
    assert who_gets() == {
        "officer": [(Kind.ATTENDANCE, event.pk, "Police", held)],
        "nurse": [(Kind.ATTENDANCE, event.pk, "Health", held)],
    }  # not the board's own staff: the board is no partner agency


@pytest.mark.parametrize("held", [0, 1, 6, 8, 13, 15, 27, 29, 35])
def test_no_attendance_reminder_on_other_days_after_the_event(cycle, held):
    cycle.event(held)
    assert who_gets() == {}


@pytest.mark.parametrize("status", [LearningEvent.Status.SCHEDULED, LearningEvent.Status.CANCELLED])
def test_a_scheduled_or_cancelled_event_has_no_attendance_reminder(cycle, status):
    cycle.event(7, status=status)
    assert who_gets() == {}


@pytest.mark.parametrize("attended", [0, 12])
def test_recorded_attendance_even_of_nobody_stops_that_agencys_reminder_only(cycle, attended):
    event = cycle.event(14)
    cycle.record(event, cycle.police, attended)
    assert who_gets() == {"nurse": [(Kind.ATTENDANCE, event.pk, "Health", 14)]}


def test_inactive_agencies_and_other_roles_of_an_agency_are_not_asked(cycle):
    closed = factories.agency(name="Closed Service", short_name="Closed", kind=Agency.Kind.OTHER, is_active=False)
    factories.user(Role.AGENCY, username="closed_user", agency=closed, email="closed@example.org")
    factories.user(Role.AGENCY, username="gone", agency=cycle.police, email="gone@example.org", is_active=False)
    factories.user(Role.MEMBER, username="member_at_police", agency=cycle.police, email="mp@example.org")
    factories.user(Role.AGENCY, username="colleague", agency=cycle.police, email="colleague@example.org")
    event = cycle.event(7)
    police = [(Kind.ATTENDANCE, event.pk, "Police", 7)]
    assert who_gets() == {
        "officer": police, "colleague": police, "nurse": [(Kind.ATTENDANCE, event.pk, "Health", 7)],
    }  # nor the board's own staff, the police's inactive user, the police's board member, the closed service


def test_an_agency_with_no_active_user_falls_to_the_member_who_recorded_the_event(cycle):
    cycle.nurse.is_active = False
    cycle.nurse.save()
    event = cycle.event(21, created_by="member2")
    assert who_gets() == {
        "officer": [(Kind.ATTENDANCE, event.pk, "Police", 21)],
        "member2": [(Kind.ATTENDANCE, event.pk, "Health", 21)],
    }


@pytest.mark.parametrize("creator", ["inactive member", "chair", "nobody"])
def test_an_agency_with_no_active_user_falls_to_every_active_member_when_the_recorder_cannot_act(cycle, creator):
    cycle.nurse.is_active = False
    cycle.nurse.save()
    created_by = {"inactive member": "member2", "chair": "chair", "nobody": None}[creator]
    if creator == "inactive member":
        cycle.member2.is_active = False
        cycle.member2.save()
    event = cycle.event(7, created_by=created_by)
    health = [(Kind.ATTENDANCE, event.pk, "Health", 7)]
    members = {"member": health, "outsider": health}
    if creator != "inactive member":
        members["member2"] = health
    assert who_gets() == {"officer": [(Kind.ATTENDANCE, event.pk, "Police", 7)], **members}


# --- preferences, delivery, exactly once --------------------------------------------------------------------------


def test_turning_off_due_soon_stops_impact_due_but_never_impact_overdue_nor_attendance(cycle):
    ReminderPreference.objects.create(user=cycle.member, due_soon=False)
    cycle.nurse.is_active = False
    cycle.nurse.save()  # the member who recorded the event is asked for health's attendance
    due = cycle.check(30)
    overdue = cycle.check(-1)
    event = cycle.event(7)
    plan = who_gets()
    assert plan["member"] == sorted([(Kind.IMPACT_OVERDUE, overdue.pk, 1), (Kind.ATTENDANCE, event.pk, "Health", 7)])
    assert plan["member2"] == sorted([(Kind.IMPACT_OVERDUE, overdue.pk, 1), (Kind.IMPACT_DUE, due.pk, 30)])


def test_separate_delivery_sends_one_e_mail_per_kind(cycle):
    ReminderPreference.objects.create(user=cycle.member, delivery=ReminderPreference.Delivery.SEPARATE)
    cycle.nurse.is_active = False
    cycle.nurse.save()
    cycle.check(7)
    cycle.check(-1)
    cycle.check(-8)
    cycle.event(7)
    services.send_reminders(on=DAY)
    sent = Reminder.objects.filter(recipient=cycle.member)
    assert sorted(sent.values_list("kind", flat=True)) == sorted([Kind.ATTENDANCE, Kind.IMPACT_DUE, Kind.IMPACT_OVERDUE])
    subjects = sorted(m.subject.split(": ", 1)[1] for m in mail.outbox if m.to == ["member@example.org"])
    assert subjects == ["1 attendance to record", "1 impact check due", "2 impact checks overdue"]
    assert Reminder.objects.get(recipient=cycle.member2).kind == Kind.DIGEST


def test_a_second_run_on_the_same_day_sends_nothing(cycle):
    cycle.check(-1)
    cycle.check(7, sub_committee=None)
    cycle.event(7)
    first = services.send_reminders(on=DAY)
    sent = len(mail.outbox)
    again = services.send_reminders(on=DAY)
    assert first.sent == sent == 5  # member, member2, outsider (the check without a sub-committee), officer, nurse
    assert again.planned == again.claimed == again.sent == 0
    assert len(mail.outbox) == sent and Reminder.objects.count() == 5
    assert services.plan_reminders(on=DAY) == []


def test_an_item_already_sent_today_is_not_sent_again_after_a_change_of_delivery(cycle):
    cycle.check(-1)
    cycle.event(7)
    services.send_reminders(on=DAY)
    ReminderPreference.objects.create(user=cycle.officer, delivery=ReminderPreference.Delivery.SEPARATE)
    ReminderPreference.objects.create(user=cycle.member, delivery=ReminderPreference.Delivery.SEPARATE)
    assert services.plan_reminders(on=DAY) == []


def test_the_next_reminder_day_reminds_again(cycle):
    check = cycle.check(-1)
    event = cycle.event(7)
    services.send_reminders(on=DAY)
    week_later = DAY + datetime.timedelta(days=7)
    assert who_gets(week_later) == {
        "member": [(Kind.IMPACT_OVERDUE, check.pk, 8)], "member2": [(Kind.IMPACT_OVERDUE, check.pk, 8)],
        "officer": [(Kind.ATTENDANCE, event.pk, "Police", 14)], "nurse": [(Kind.ATTENDANCE, event.pk, "Health", 14)],
    }


# --- the e-mail -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("checks", "held", "summary"), [
    ([-1], [], "1 impact check overdue"),
    ([-1, -8], [], "2 impact checks overdue"),
    ([1], [], "1 impact check due"),
    ([30, 7], [], "2 impact checks due"),
    ([], [7], "1 attendance to record"),
    ([], [7, 28], "2 attendances to record"),
    ([-8, 7], [14], "1 impact check overdue, 1 impact check due, 1 attendance to record"),
])
def test_the_subject_counts_each_kind_in_words(cycle, checks, held, summary):
    cycle.nurse.is_active = False
    cycle.nurse.save()  # health's attendance goes to the member who recorded the event
    for days in checks:
        cycle.check(days)
    for days in held:
        cycle.event(days, title=f"Event {days}")
    services.send_reminders(on=DAY)
    assert one_mail_to("member@example.org").subject == f"scrsystem reminders for 27 November 2026: {summary}"


def test_the_text_has_a_section_per_kind_and_says_items_when_attendance_is_in_it(cycle):
    cycle.nurse.is_active = False
    cycle.nurse.save()
    cycle.check(-1)
    cycle.check(7)
    cycle.event(7)
    services.send_reminders(on=DAY)
    message = one_mail_to("member@example.org")
    body, html = message.body, message.alternatives[0][0]
    titles = ["IMPACT CHECKS OVERDUE", "IMPACT CHECKS DUE SOON", "ATTENDANCE AT LEARNING EVENTS NOT RECORDED"]
    assert [body.index(title) for title in titles] == sorted(body.index(title) for title in titles)
    assert "These items need your attention today (27 November 2026)." in body
    assert "These items need your attention today (27 November 2026)." in html
    assert "These actions need" not in body and "These actions need" not in html
    assert "Attendance at learning events not recorded" in html and "Impact checks due soon" in html


def test_an_e_mail_of_impact_checks_only_says_actions(cycle):
    cycle.check(-1)
    cycle.check(30)
    services.send_reminders(on=DAY)
    message = one_mail_to("member@example.org")
    assert "These actions need your attention today (27 November 2026)." in message.body
    assert "These actions need your attention today (27 November 2026)." in message.alternatives[0][0]
    assert "ATTENDANCE" not in message.body


def test_an_impact_line_links_the_check_and_names_the_sub_committee(cycle):
    check = cycle.check(-8, reference="4.2", description="Audit  fathers'\nassessments.")
    services.send_reminders(on=DAY)
    message = one_mail_to("member@example.org")
    html = message.alternatives[0][0]
    link = f"{SITE}/learning/impact/{check.pk}/"
    assert SITE + check.get_absolute_url() == link
    assert (
        f"- SCR-2026-01 (multi-agency plan) action 4.2: Audit fathers' assessments.\n"
        f"  Impact check due 19 November 2026, 8 days overdue (Monitoring and Evaluation)\n"
        f"  {link}"
    ) in message.body
    assert f'<a href="{link}">4.2</a>' in html and "Impact check: Monitoring and Evaluation" in html
    assert "19 Nov 2026" in html and "<strong>8 days overdue</strong>" in html and ">Check due</th>" in html
    assert "Child Q" not in message.body + html + message.subject


def test_an_impact_line_of_a_check_with_no_sub_committee_says_so(cycle):
    cycle.check(-1, sub_committee=None, plan=cycle.police_plan)
    services.send_reminders(on=DAY)
    body = one_mail_to("outsider@example.org").body
    assert "(Police plan)" in body and "1 day overdue (no sub-committee yet)" in body


def test_an_attendance_line_links_the_form_and_names_the_agency_and_the_event_escaped_in_html(cycle):
    event = cycle.event(7, title="Fathers & <partners>: \"hidden men\"", kind=LearningEvent.Kind.BRIEFING)
    Agency.objects.filter(pk=cycle.health.pk).update(name="Health & Care <Trust>")
    services.send_reminders(on=DAY)
    message = one_mail_to("nurse@example.org")
    html = message.alternatives[0][0]
    link = SITE + reverse("learning:attendance", args=[event.pk, cycle.health.pk])
    assert link == f"{SITE}/learning/events/{event.pk}/attendance/{cycle.health.pk}/"
    assert (
        '- Fathers & <partners>: "hidden men" (Briefing, 20 November 2026): attendance from Health & Care <Trust>, '
        "held 7 days ago\n"
        f"  Record it, 0 if nobody came: {link}"
    ) in message.body
    title = escape('Fathers & <partners>: "hidden men"')
    assert f'<a href="{link}">{title}</a>' in html
    assert escape("Health & Care <Trust>") in html
    assert "<partners>" not in html and "<Trust>" not in html
    assert "20 Nov 2026" in html and "<strong>held 7 days ago</strong>" in html
    assert message.subject == "scrsystem reminders for 27 November 2026: 1 attendance to record"
    assert "ATTENDANCE AT LEARNING EVENTS NOT RECORDED" in message.body
    assert f"/attendance/{cycle.police.pk}/" in one_mail_to("officer@example.org").body  # police's own line


def test_a_resumed_e_mail_with_impact_and_attendance_lines_is_the_one_sent_first_time(cycle, settings):
    cycle.nurse.is_active = False
    cycle.nurse.save()
    cycle.check(-8, reference="4.2")
    cycle.check(7, sub_committee=None, plan=cycle.health_plan, reference="H.7")
    cycle.event(7, title="Fathers & partners")
    cycle.event(14, title="Neglect <briefing>", kind=LearningEvent.Kind.E_LEARNING)
    services.send_reminders(on=DAY)
    first = one_mail_to("member@example.org")
    assert first.subject.endswith("1 impact check overdue, 1 impact check due, 2 attendances to record")

    Reminder.objects.all().delete()  # its items go with it
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "tests.test_reminders_learning.FailingBackend"
    failed = services.send_reminders(on=DAY)
    assert failed.retrying == failed.claimed > 0 and mail.outbox == []

    FailingBackend.failing = False
    Reminder.objects.update(retry_after=timezone.now() - datetime.timedelta(seconds=1))
    resumed = services.send_reminders(on=DAY + datetime.timedelta(days=1))  # a fresh Writer, nothing due that day
    assert resumed.resumed == failed.claimed and resumed.planned == 0
    again = one_mail_to("member@example.org")
    assert (again.subject, again.body, again.alternatives) == (first.subject, first.body, first.alternatives)


def test_the_links_in_the_e_mails_open_the_check_and_the_attendance_form_for_their_recipients(cycle, client):
    check = cycle.check(-1)
    event = cycle.event(7)
    services.send_reminders(on=DAY)
    for address, user, path in [
        ("member@example.org", cycle.member, check.get_absolute_url()),
        ("officer@example.org", cycle.officer, reverse("learning:attendance", args=[event.pk, cycle.police.pk])),
    ]:
        assert SITE + path in one_mail_to(address).body
        client.force_login(user)
        assert client.get(path).status_code == 200


# --- pages and who reads which reminder ------------------------------------------------------------------------------


def test_the_event_page_shows_an_agency_user_its_own_attendance_reminder_and_a_member_both(cycle, client):
    event = cycle.event(7)
    services.send_reminders(on=DAY)
    url = reverse("learning:event", args=[event.pk])

    client.force_login(cycle.officer)
    page = client.get(url).content.decode()
    assert "Attendance not recorded: Police (7 days)" in page
    assert "Attendance not recorded: Health" not in page and str(cycle.nurse) not in page

    client.force_login(cycle.member)
    page = client.get(url).content.decode()
    assert "Attendance not recorded: Police (7 days)" in page and "Attendance not recorded: Health (7 days)" in page
    assert str(cycle.officer) in page and str(cycle.nurse) in page
    assert "No reminders sent about this event" not in page


def test_the_event_page_says_when_no_reminder_was_sent(cycle, client):
    event = cycle.event(6)
    services.send_reminders(on=DAY)
    client.force_login(cycle.member)
    page = unescape(client.get(reverse("learning:event", args=[event.pk])).content.decode())
    assert "No reminders sent about this event's attendance." in page


def test_the_impact_check_page_lists_its_reminders_to_those_who_may_see_the_check(cycle, client):
    check = cycle.check(-1, plan=cycle.police_plan)
    services.send_reminders(on=DAY)
    url = reverse("learning:impact_check", args=[check.pk])
    for reader in (cycle.member, cycle.officer):  # the officer's agency leads the plan
        client.force_login(reader)
        page = client.get(url).content.decode()
        assert page.count("Impact check overdue (1 day)") == 2  # to member and member2
        assert str(cycle.member2) in page
    client.force_login(cycle.nurse)
    assert client.get(url).status_code == 404


def test_an_agency_user_reads_only_its_own_agencys_attendance_items_and_the_impact_items_of_checks_it_sees(cycle):
    police_check = cycle.check(-1, plan=cycle.police_plan)
    health_check = cycle.check(-1, plan=cycle.health_plan)
    event = cycle.event(7)
    services.send_reminders(on=DAY)

    def seen(user, **subject):
        return sorted(
            (item.kind, item.agency.short_name if item.agency else None, item.reminder.recipient.username)
            for item in reminder_items_about(user, **subject)
        )

    assert seen(cycle.officer, event=event) == [(Kind.ATTENDANCE, "Police", "officer")]
    assert seen(cycle.nurse, event=event) == [(Kind.ATTENDANCE, "Health", "nurse")]
    assert seen(cycle.member, event=event) == [(Kind.ATTENDANCE, "Health", "nurse"), (Kind.ATTENDANCE, "Police", "officer")]
    assert len(seen(cycle.officer, impact_check=police_check)) == 2
    assert seen(cycle.officer, impact_check=health_check) == []
    assert not access.visible_reminder_items(cycle.officer).filter(impact_check=health_check).exists()
    assert access.visible_reminder_items(cycle.consultant).filter(impact_check=health_check).count() == 2


def test_the_preferences_page_explains_the_learning_cycle_reminders(cycle, client):
    client.force_login(cycle.officer)
    page = unescape(client.get(reverse("reminders:preferences")).content.decode())
    assert "impact checks" in page and "7, 14, 21, 28 days after it was held" in page


def test_the_admin_shows_a_reminder_with_its_impact_check_and_attendance_items(cycle, client):
    admin = factories.user(Role.ADMIN, username="admin")
    cycle.nurse.is_active = False
    cycle.nurse.save()
    cycle.check(-1)
    cycle.event(7, title="Hidden men briefing")
    services.send_reminders(on=DAY)
    reminder = Reminder.objects.get(recipient=cycle.member)
    client.force_login(admin)
    response = client.get(reverse("admin:reminders_reminder_change", args=[reminder.pk]))
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Hidden men briefing" in page and "Test Health Trust" in page and "Impact check of action" in page


# --- the command ------------------------------------------------------------------------------------------------------


def test_the_dry_run_prints_attendance_and_impact_lines_and_sends_nothing(cycle):
    cycle.check(-8, reference="4.2")
    cycle.event(7, title="Hidden men", kind=LearningEvent.Kind.WORKSHOP)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-11-27", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run for 2026-11-27: 4 e-mails would be sent" in text
    assert "  - Attendance not recorded: Hidden men (workshop, held 2026-11-20), attendance from Police, held 7 days ago" in text
    assert "  - Attendance not recorded: Hidden men (workshop, held 2026-11-20), attendance from Health, held 7 days ago" in text
    assert ("  - Impact check overdue: SCR-2026-01 (multi-agency plan) action 4.2, impact check due 2026-11-19, "
            "8 days overdue") in text
    assert "Child Q" not in text
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_the_command_sends_the_learning_reminders_of_the_given_date_once(cycle):
    cycle.check(7)
    cycle.event(28)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-11-27", stdout=out)
    call_command("send_reminders", "--date", "2026-11-27", stdout=out)
    assert len(mail.outbox) == 4 and "4 sent" in out.getvalue()
    assert set(ReminderItem.objects.values_list("kind", flat=True)) == {Kind.IMPACT_DUE, Kind.ATTENDANCE}


# --- queries --------------------------------------------------------------------------------------------------------


def _queries(callable_):
    with CaptureQueriesContext(db_connection) as queries:
        callable_()
    return len(queries)


@pytest.mark.parametrize("step", ["plan", "send"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_checks_and_events(cycle, step):
    """Ten times the impact checks (due, overdue, none, done; with and without a sub-committee) and the held events
    (at a reminder day, some attendance recorded; off days; cancelled), the same people."""
    cycle.nurse.is_active = False
    cycle.nurse.save()  # health's attendance falls to the recorder or every member

    def add(n):
        for i in range(n):
            cycle.check([-1, 7, -8, 30, -3][i % 5], sub_committee=["me", None][i % 2])
            cycle.check(-1, status=ImpactCheck.Status.DONE)
            event = cycle.event([7, 14, 21, 28, 9][i % 5], created_by=["member", None][i % 2])
            if i % 3 == 0:
                cycle.record(event, cycle.police, attended=4)
            cycle.event(7, status=LearningEvent.Status.CANCELLED)

    def run():
        if step == "plan":
            return services.plan_reminders(on=DAY)
        return services.send_reminders(on=DAY)

    add(3)
    small = _queries(run)
    Reminder.objects.all().delete()
    add(27)
    large = _queries(run)
    assert ReminderItem.objects.count() > 60 or step == "plan"
    assert small == large
