"""Reminders of board concerns (reminders.services): an indicator's value late, and a concern with no update.

Every test plans or sends the reminders of one fixed day, DAY (a Friday: no consultants' evidence digest), or of a
day counted from it, with the default offsets: a quarterly indicator reported from April 2026 has its April to June
value due on 30 July 2026 (the quarter's end and INDICATOR_DUE_DAYS, 30), so on DAY it is 1 day late; it is
reminded on the first day late and every 7 days after (1, 8, 15 ...), counted from the oldest value missing. A
concern not closed with no update (nor response) for 90 days (CONCERN_UPDATE_DAYS) is reminded on that day and
every 7 days after (90, 97, 104 ...). Then who gets them (the reporting agency's users, else every member; every
member), the due-soon preference and separate delivery, exactly once, the e-mail's words and links (and the same
e-mail when a failed send is resumed from the database), the indicator and concern pages' reminder log and who
reads which row, the command's dry run, and a fixed number of queries.
"""

import datetime
import io
import smtplib
from decimal import Decimal
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
from concerns import rules as concern_rules
from concerns.models import Concern, DataPoint, Entry, Indicator
from reminders import services
from reminders.models import Kind, Reminder, ReminderItem, ReminderPreference
from reminders.selectors import reminder_items_about
from tests import factories

DAY = datetime.date(2026, 7, 31)  # a Friday; the April to June 2026 values, due 30 July, are 1 day late
SITE = "https://scr.example.org"
JANUARY, APRIL, JULY = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)
QUARTERLY, MONTHLY = Indicator.Frequency.QUARTERLY, Indicator.Frequency.MONTHLY


def late_on(days):
    """The day on which a quarterly indicator reported from April 2026, with no value, is ``days`` days late."""
    return DAY + datetime.timedelta(days=days - 1)


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


class Board:
    """The board (with a member of its staff), three partner agencies (police and health with a user each,
    education with none), two board members, the chair, the consultant and an administrator; concerns, indicators,
    values and log entries are made by the methods."""

    def __init__(self):
        self.board = factories.agency(name="Test Safeguarding Board", short_name="LSCB", kind=Agency.Kind.BOARD)
        self.police = factories.agency(name="Test Police Service", short_name="Police", kind=Agency.Kind.POLICE)
        self.health = factories.agency(name="Test Health Trust", short_name="Health", kind=Agency.Kind.HEALTH)
        self.education = factories.agency(name="Test Schools", short_name="Schools", kind=Agency.Kind.EDUCATION)
        self.board_staff = factories.user(Role.AGENCY, username="lscb", agency=self.board, email="lscb@example.org")
        self.officer = factories.user(Role.AGENCY, username="officer", agency=self.police, email="officer@example.org")
        self.nurse = factories.user(Role.AGENCY, username="nurse", agency=self.health, email="nurse@example.org")
        self.member = factories.user(Role.MEMBER, username="member", email="member@example.org")
        self.member2 = factories.user(Role.MEMBER, username="member2", email="member2@example.org")
        self.chair = factories.user(Role.CHAIR, username="chair", email="chair@example.org")
        self.consultant = factories.user(Role.CONSULTANT, username="consultant", email="consultant@example.org")
        self.admin = factories.user(Role.ADMIN, username="admin", email="admin@example.org")

    def concern(self, quiet=10, *, status=Concern.Status.OPEN, agencies=("police", "health"), title="Social workers' caseloads"):
        """A concern raised ``quiet`` days before DAY, with no log entry yet, naming ``agencies``."""
        values = {"closed_reason": "The caseloads are back under 20."} if status == Concern.Status.CLOSED else {}
        concern = Concern.objects.create(
            title=title, description="Caseloads above the agreed level.", raised_with="The Director of Children's Services",
            raised_on=DAY - datetime.timedelta(days=quiet), source=Concern.Source.SECTION_11, status=status,
            created_by=self.member, **values,
        )
        concern.agencies.set([getattr(self, name) for name in agencies])
        return concern

    def indicator(self, concern=None, *, owner="police", frequency=QUARTERLY, first_period=APRIL, is_active=True,
                  name="Average caseload per social worker"):
        """An indicator of ``concern`` (a new open one, not quiet, by default), reported by ``owner``."""
        return Indicator.objects.create(
            concern=concern or self.concern(), name=name, unit="cases", target=Decimal("20"),
            direction=Indicator.Direction.LOWER, owner=getattr(self, owner), frequency=frequency,
            first_period=first_period, is_active=is_active, created_by=self.member,
        )

    def value(self, indicator, period, value="18"):
        return DataPoint.objects.create(indicator=indicator, period=period, value=Decimal(value), entered_by=self.officer)

    def update(self, concern, days_ago, *, agency=None):
        """The board's update (or, with ``agency``, that agency's response) dated ``days_ago`` days before DAY."""
        return Entry.objects.create(
            concern=concern, kind=Entry.Kind.RESPONSE if agency else Entry.Kind.UPDATE,
            agency=getattr(self, agency) if agency else None, on=DAY - datetime.timedelta(days=days_ago),
            text="Caseloads discussed at the board.", created_by=self.member,
        )


@pytest.fixture
def board(db):
    return Board()


def who_gets(on=DAY):
    """{username: [(kind, indicator or concern pk, days), ...]} of the day's plan."""
    result = {}
    for planned in services.plan_reminders(on=on):
        for item in planned.items:
            subject = item.indicator if item.kind == Kind.VALUE_LATE else item.concern
            result.setdefault(planned.recipient.username, []).append((item.kind, subject.pk, item.days))
    return {name: sorted(items) for name, items in result.items()}


def everyone(*users, what):
    return {user.username: sorted(what) for user in users}


def one_mail_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


# --- values late: which days ------------------------------------------------------------------------------------------


def test_the_day_counting_of_these_tests_holds():
    assert concern_rules.due_on(APRIL, QUARTERLY) == datetime.date(2026, 7, 30) == late_on(0)
    assert late_on(1) == DAY


@pytest.mark.parametrize("days", [1, 8, 15, 22])
def test_an_indicator_value_is_late_on_the_first_day_after_its_due_day_and_every_7_days_after(board, days):
    indicator = board.indicator()
    assert who_gets(late_on(days)) == {"officer": [(Kind.VALUE_LATE, indicator.pk, days)]}


@pytest.mark.parametrize("days", [-20, -1, 0, 2, 7, 9, 14, 16])
def test_no_value_late_reminder_before_or_on_the_due_day_nor_between_the_reminder_days(board, days):
    board.indicator()
    assert who_gets(late_on(days)) == {}


def test_the_days_late_count_from_the_oldest_value_missing(board):
    indicator = board.indicator(first_period=JANUARY)  # January to March, due 30 April: 92 days late on DAY
    assert who_gets() == {"officer": [(Kind.VALUE_LATE, indicator.pk, 92)]}
    board.value(indicator, JANUARY)
    assert who_gets() == {"officer": [(Kind.VALUE_LATE, indicator.pk, 1)]}  # April to June, from 30 July


def test_a_monthly_indicator_is_late_a_month_at_a_time(board):
    indicator = board.indicator(frequency=MONTHLY, first_period=datetime.date(2026, 5, 1))
    assert who_gets() == {}  # May's value, due 30 June, is 31 days late: no reminder day
    board.value(indicator, datetime.date(2026, 5, 1))
    assert who_gets() == {"officer": [(Kind.VALUE_LATE, indicator.pk, 1)]}  # June's, due 30 July


def test_an_indicator_whose_first_period_is_not_due_yet_has_no_reminder(board):
    board.indicator(first_period=JULY)  # July to September: due 30 October
    assert who_gets() == {}


def test_entering_the_late_value_stops_the_reminder_and_a_later_value_does_not(board):
    indicator = board.indicator()
    board.value(indicator, JULY)  # the present quarter's value, entered early
    assert who_gets() == {"officer": [(Kind.VALUE_LATE, indicator.pk, 1)]}
    board.value(indicator, APRIL)
    assert who_gets() == {}
    assert who_gets(late_on(8)) == {}


@pytest.mark.parametrize(("status", "is_active", "reminded"), [
    (Concern.Status.OPEN, True, True),
    (Concern.Status.MONITORING, True, True),
    (Concern.Status.CLOSED, True, False),
    (Concern.Status.OPEN, False, False),
    (Concern.Status.MONITORING, False, False),
])
def test_only_active_indicators_of_concerns_not_closed_are_reminded(board, status, is_active, reminded):
    indicator = board.indicator(board.concern(status=status), is_active=is_active)
    assert who_gets() == ({"officer": [(Kind.VALUE_LATE, indicator.pk, 1)]} if reminded else {})


# --- values late: who ---------------------------------------------------------------------------------------------------


def test_only_the_active_agency_users_of_the_reporting_agency_are_reminded(board):
    factories.user(Role.AGENCY, username="gone", agency=board.police, email="gone@example.org", is_active=False)
    factories.user(Role.MEMBER, username="member_at_police", agency=board.police, email="mp@example.org")
    factories.user(Role.AGENCY, username="colleague", agency=board.police, email="colleague@example.org")
    indicator = board.indicator()  # the concern names police and health; police reports it
    late = [(Kind.VALUE_LATE, indicator.pk, 1)]
    assert who_gets() == {"officer": late, "colleague": late}  # not health, the board's staff, members, the chair


def test_a_reporting_agency_with_no_active_user_falls_to_every_active_member(board):
    factories.user(Role.MEMBER, username="gone", email="gone@example.org", is_active=False)
    schools = board.indicator(owner="education")
    board.nurse.is_active = False
    board.nurse.save()
    health = board.indicator(owner="health", name="CAFs started")
    assert who_gets() == everyone(
        board.member, board.member2, what=[(Kind.VALUE_LATE, schools.pk, 1), (Kind.VALUE_LATE, health.pk, 1)]
    )  # not the chair, the consultant, the administrator, the inactive member, the agencies' users


def test_the_reminder_of_a_late_value_records_the_indicator(board):
    indicator = board.indicator()
    services.send_reminders(on=late_on(15))
    item = ReminderItem.objects.get(reminder__recipient=board.officer)
    assert (item.kind, item.indicator, item.days, item.reminder.kind) == (Kind.VALUE_LATE, indicator, 15, Kind.DIGEST)
    assert item.concern is None and item.action is None and item.event is None and item.agency is None


# --- concerns with no update: which days ---------------------------------------------------------------------------


@pytest.mark.parametrize("quiet", [90, 97, 104, 153])
def test_a_quiet_concern_is_reminded_on_the_90th_day_and_every_7_days_after(board, quiet):
    concern = board.concern(quiet)
    assert who_gets() == everyone(board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, quiet)])


@pytest.mark.parametrize("quiet", [0, 1, 83, 89, 91, 96, 98, 103])
def test_no_quiet_concern_reminder_before_90_days_nor_between_the_reminder_days(board, quiet):
    board.concern(quiet)
    assert who_gets() == {}


def test_the_quiet_days_count_from_the_latest_update_or_response(board):
    concern = board.concern(300)
    board.update(concern, 200)
    board.update(concern, 97)
    assert who_gets() == everyone(board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, 97)])
    board.update(concern, 90, agency="health")  # a response counts as activity too
    assert who_gets() == everyone(board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, 90)])


def test_a_new_entry_resets_a_quiet_concern(board):
    concern = board.concern(90)
    services.send_reminders(on=DAY)
    board.update(concern, -3)  # three days after DAY
    week_later = DAY + datetime.timedelta(days=7)
    assert who_gets(week_later) == {}
    assert who_gets(week_later + datetime.timedelta(days=86)) == everyone(
        board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, 90)]
    )


@pytest.mark.parametrize(("status", "reminded"), [
    (Concern.Status.OPEN, True), (Concern.Status.MONITORING, True), (Concern.Status.CLOSED, False),
])
def test_a_closed_concern_has_no_quiet_reminder(board, status, reminded):
    concern = board.concern(97, status=status)
    expected = everyone(board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, 97)])
    assert who_gets() == (expected if reminded else {})


def test_every_active_member_and_only_them_is_reminded_of_a_quiet_concern(board):
    factories.user(Role.MEMBER, username="gone", email="gone@example.org", is_active=False)
    factories.user(Role.MEMBER, username="member_at_police", agency=board.police, email="mp@example.org")
    concern = board.concern(90, agencies=("police",))
    assert who_gets() == {
        "member": [(Kind.CONCERN_QUIET, concern.pk, 90)], "member2": [(Kind.CONCERN_QUIET, concern.pk, 90)],
        "member_at_police": [(Kind.CONCERN_QUIET, concern.pk, 90)],
    }  # not the chair, the consultant, the administrator, the inactive member, the named agency's users


def test_the_reminder_of_a_quiet_concern_records_the_concern(board):
    concern = board.concern(104)
    services.send_reminders(on=DAY)
    item = ReminderItem.objects.get(reminder__recipient=board.member)
    assert (item.kind, item.concern, item.days) == (Kind.CONCERN_QUIET, concern, 104)
    assert item.indicator is None and item.action is None and item.event is None and item.agency is None


# --- preferences, delivery, exactly once ------------------------------------------------------------------------------


def test_turning_off_due_soon_stops_neither_late_values_nor_quiet_concerns(board):
    ReminderPreference.objects.create(user=board.member, due_soon=False)
    ReminderPreference.objects.create(user=board.officer, due_soon=False)
    police = board.indicator()
    schools = board.indicator(owner="education", name="Exclusions")
    concern = board.concern(90, title="Information sharing")
    plan = who_gets()
    assert plan["officer"] == [(Kind.VALUE_LATE, police.pk, 1)]
    assert plan["member"] == plan["member2"] == sorted([
        (Kind.VALUE_LATE, schools.pk, 1), (Kind.CONCERN_QUIET, concern.pk, 90),
    ])


def test_separate_delivery_sends_one_e_mail_per_kind(board):
    ReminderPreference.objects.create(user=board.member, delivery=ReminderPreference.Delivery.SEPARATE)
    board.indicator(owner="education")
    board.concern(90, title="Information sharing")
    board.concern(97, title="CAF take-up")
    services.send_reminders(on=DAY)
    sent = Reminder.objects.filter(recipient=board.member)
    assert sorted(sent.values_list("kind", flat=True)) == sorted([Kind.VALUE_LATE, Kind.CONCERN_QUIET])
    subjects = sorted(m.subject.split(": ", 1)[1] for m in mail.outbox if m.to == ["member@example.org"])
    assert subjects == ["1 indicator late", "2 concerns with no update"]
    assert Reminder.objects.get(recipient=board.member2).kind == Kind.DIGEST
    assert one_mail_to("member2@example.org").subject.endswith(": 1 indicator late, 2 concerns with no update")


def test_a_second_run_on_the_same_day_sends_nothing(board):
    board.indicator()
    board.indicator(owner="education", name="Exclusions")
    board.concern(90, title="Information sharing")
    first = services.send_reminders(on=DAY)
    sent = len(mail.outbox)
    again = services.send_reminders(on=DAY)
    assert first.sent == sent == 3  # officer, member, member2
    assert again.planned == again.claimed == again.sent == 0
    assert len(mail.outbox) == sent and Reminder.objects.count() == 3
    assert services.plan_reminders(on=DAY) == []


def test_an_item_already_sent_today_is_not_sent_again_after_a_change_of_delivery(board):
    board.indicator()
    board.indicator(owner="education", name="Exclusions")
    board.concern(90)
    services.send_reminders(on=DAY)
    ReminderPreference.objects.create(user=board.officer, delivery=ReminderPreference.Delivery.SEPARATE)
    ReminderPreference.objects.create(user=board.member, delivery=ReminderPreference.Delivery.SEPARATE)
    assert services.plan_reminders(on=DAY) == []


def test_the_next_reminder_day_reminds_again(board):
    indicator = board.indicator()
    concern = board.concern(90, title="Information sharing")
    services.send_reminders(on=DAY)
    week_later = DAY + datetime.timedelta(days=7)
    assert who_gets(week_later) == {
        "officer": [(Kind.VALUE_LATE, indicator.pk, 8)],
        **everyone(board.member, board.member2, what=[(Kind.CONCERN_QUIET, concern.pk, 97)]),
    }


# --- the e-mail -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("indicators", "quiet", "summary"), [
    (1, [], "1 indicator late"),
    (2, [], "2 indicators late"),
    (0, [90], "1 concern with no update"),
    (0, [90, 104], "2 concerns with no update"),
    (2, [97], "2 indicators late, 1 concern with no update"),
])
def test_the_subject_counts_each_kind_in_words(board, indicators, quiet, summary):
    for i in range(indicators):
        board.indicator(owner="education", name=f"Indicator {i}")  # education has no users: to the members
    for days in quiet:
        board.concern(days, title=f"Concern {days}")
    services.send_reminders(on=DAY)
    assert one_mail_to("member@example.org").subject == f"scrsystem reminders for 31 July 2026: {summary}"


def test_value_and_concern_sections_come_after_the_actions_and_the_e_mail_says_items(board):
    review = factories.review(reference="SCR-2026-01")
    factories.action(factories.plan(review, board.police), board.police, reference="P.1",
                     target_date=DAY - datetime.timedelta(days=1), status=Status.IN_PROGRESS)
    board.indicator()
    services.send_reminders(on=DAY)
    message = one_mail_to("officer@example.org")
    assert message.subject == "scrsystem reminders for 31 July 2026: 1 overdue, 1 indicator late"
    body, html = message.body, message.alternatives[0][0]
    assert body.index("OVERDUE") < body.index("INDICATOR VALUES LATE")
    assert "These items need your attention today (31 July 2026)." in body
    assert "These items need your attention today (31 July 2026)." in html
    assert "These actions need" not in body + html


def test_the_text_has_a_section_per_kind_and_says_items(board):
    board.indicator(owner="education")
    board.concern(97, title="Information sharing")
    services.send_reminders(on=DAY)
    message = one_mail_to("member@example.org")
    body, html = message.body, message.alternatives[0][0]
    values, quiet = "INDICATOR VALUES LATE", "BOARD CONCERNS WITH NO UPDATE FOR 90 DAYS OR MORE"
    assert values in body and quiet in body and body.index(values) < body.index(quiet)
    assert "These items need your attention today (31 July 2026)." in body
    assert "These items need your attention today (31 July 2026)." in html
    assert "These actions need" not in body + html
    assert "Indicator values late" in html and "Board concerns with no update for 90 days or more" in html
    assert html.index("Indicator values late") < html.index("Board concerns with no update")
    value_intro, value_headers = services.ROW_SECTIONS[Kind.VALUE_LATE]
    quiet_intro, quiet_headers = services.ROW_SECTIONS[Kind.CONCERN_QUIET]
    assert escape(value_intro) in html and escape(quiet_intro) in html
    for header in {*value_headers, *quiet_headers}:
        assert f">{header}</th>" in html


def test_a_value_line_names_the_indicator_its_agency_and_concern_and_links_the_entry_form_escaped_in_html(board):
    concern = board.concern(title='Caseloads & <CAF>: "take-up"')
    indicator = board.indicator(concern, name="Caseload & <cases> per worker")
    Agency.objects.filter(pk=board.police.pk).update(name="Police & <Crime> Service")
    services.send_reminders(on=late_on(8))
    message = one_mail_to("officer@example.org")
    html = message.alternatives[0][0]
    link = SITE + reverse("concerns:point_add", args=[indicator.pk])
    assert link == f"{SITE}/concerns/indicators/{indicator.pk}/values/new/"
    assert (
        '- Caseload & <cases> per worker (Police & <Crime> Service, quarterly), for “Caseloads & <CAF>: "take-up"”: '
        "oldest value missing 8 days late\n"
        f"  Enter it: {link}"
    ) in message.body
    assert f'<a href="{link}">{escape("Caseload & <cases> per worker")}</a>' in html
    assert escape("Police & <Crime> Service") + ", quarterly" in html
    assert escape('Caseloads & <CAF>: "take-up"') in html
    assert "<cases>" not in html and "<Crime>" not in html and "<CAF>" not in html
    assert "<strong>oldest value missing 8 days late</strong>" in html
    assert message.subject == "scrsystem reminders for 7 August 2026: 1 indicator late"


def test_a_value_line_says_one_day(board):
    board.indicator(frequency=MONTHLY, first_period=datetime.date(2026, 6, 1))
    services.send_reminders(on=DAY)
    body = one_mail_to("officer@example.org").body
    assert "(Test Police Service, monthly), for “Social workers' caseloads”: oldest value missing 1 day late\n" in body


def test_a_concern_line_names_the_concern_and_its_status_and_links_it_escaped_in_html(board):
    concern = board.concern(97, status=Concern.Status.MONITORING, title='Information  sharing\n& <ISP> "protocol"')
    services.send_reminders(on=DAY)
    message = one_mail_to("member@example.org")
    html = message.alternatives[0][0]
    link = SITE + concern.get_absolute_url()
    assert link == f"{SITE}/concerns/{concern.pk}/"
    assert (
        '- Information sharing & <ISP> "protocol" (monitoring): no update for 97 days\n'
        f"  {link}"
    ) in message.body
    title = escape('Information sharing & <ISP> "protocol"')
    assert f'<a href="{link}">{title}</a>' in html
    assert "<td style=\"padding: 4px; vertical-align: top;\">Monitoring</td>" in html
    assert "<ISP>" not in html and "<strong>no update for 97 days</strong>" in html


def test_a_long_concern_title_is_cut_to_120_characters(board):
    title = "Caseloads " * 19 + "end"  # 193 characters
    board.concern(90, title=title)
    services.send_reminders(on=DAY)
    body = one_mail_to("member@example.org").body
    cut = title[:119] + "…"
    assert len(cut) == 120 and f"- {cut} (open): no update for 90 days\n" in body


def test_a_resumed_e_mail_with_value_and_concern_lines_is_the_one_sent_first_time(board, settings):
    board.indicator(owner="education", first_period=JANUARY, name="Exclusions & <suspensions>")
    board.indicator(board.concern(title="CAF take-up"), owner="education", frequency=MONTHLY,
                    first_period=datetime.date(2026, 6, 1), name="CAFs started")
    board.concern(90, title="Information sharing")
    board.concern(104, status=Concern.Status.MONITORING, title="Neglect <strategy>")
    services.send_reminders(on=DAY)
    first = one_mail_to("member@example.org")
    assert first.subject.endswith(": 2 indicators late, 2 concerns with no update")

    Reminder.objects.all().delete()  # its items go with it
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "tests.test_reminders_concerns.FailingBackend"
    failed = services.send_reminders(on=DAY)
    assert failed.retrying == failed.claimed > 0 and mail.outbox == []

    FailingBackend.failing = False
    Reminder.objects.update(retry_after=timezone.now() - datetime.timedelta(seconds=1))
    resumed = services.send_reminders(on=DAY + datetime.timedelta(days=1))  # a fresh Writer, nothing due that day
    assert resumed.resumed == failed.claimed and resumed.planned == 0
    again = one_mail_to("member@example.org")
    assert (again.subject, again.body, again.alternatives) == (first.subject, first.body, first.alternatives)


def test_the_links_in_the_e_mails_open_the_entry_form_and_the_concern_for_their_recipients(board, client):
    indicator = board.indicator()
    schools = board.indicator(owner="education", name="Exclusions")
    concern = board.concern(90, title="Information sharing")
    services.send_reminders(on=DAY)
    for address, user, path in [
        ("officer@example.org", board.officer, reverse("concerns:point_add", args=[indicator.pk])),
        ("member@example.org", board.member, reverse("concerns:point_add", args=[schools.pk])),
        ("member@example.org", board.member, concern.get_absolute_url()),
    ]:
        assert SITE + path in one_mail_to(address).body
        client.force_login(user)
        assert client.get(path).status_code == 200


# --- pages and who reads which reminder --------------------------------------------------------------------------------


def test_the_indicator_page_lists_its_reminders_to_those_who_may_see_the_concern(board, client):
    factories.user(Role.AGENCY, username="colleague", agency=board.police, email="colleague@example.org")
    indicator = board.indicator()  # the concern names police and health
    services.send_reminders(on=DAY)
    url = reverse("concerns:indicator", args=[indicator.pk])
    for reader in (board.member, board.officer, board.nurse, board.chair):
        client.force_login(reader)
        page = client.get(url).content.decode()
        assert page.count("Indicator value late (1 day)") == 2  # to officer and colleague
        assert str(board.officer) in page
    client.force_login(board.board_staff)  # the board's own agency: not named by the concern
    assert client.get(url).status_code == 404


def test_the_indicator_page_says_when_no_reminder_was_sent(board, client):
    indicator = board.indicator()
    services.send_reminders(on=late_on(2))
    client.force_login(board.member)
    page = unescape(client.get(reverse("concerns:indicator", args=[indicator.pk])).content.decode())
    assert "No reminders sent about this indicator." in page


def test_the_concern_page_lists_its_quiet_reminders_to_members_only(board, client):
    concern = board.concern(90)
    services.send_reminders(on=DAY)
    url = reverse("concerns:concern", args=[concern.pk])
    client.force_login(board.member)
    page = unescape(client.get(url).content.decode())
    assert page.count("Concern with no update (90 days)") == 2
    assert str(board.member) in page and str(board.member2) in page
    assert "No reminders sent about this concern." not in page
    client.force_login(board.officer)  # police is named: it reads the concern, not the members' reminders
    page = unescape(client.get(url).content.decode())
    assert "Concern with no update" not in page and "No reminders sent about this concern." in page


def test_an_agency_user_reads_the_value_reminders_of_concerns_naming_its_agency_and_never_quiet_ones(board):
    shared = board.indicator(board.concern(90, title="Shared"))  # names police and health; police reports it
    health_only = board.indicator(board.concern(title="Health only", agencies=("health",)), owner="health")
    services.send_reminders(on=DAY)

    def seen(user, **subject):
        return sorted(
            (item.kind, item.reminder.recipient.username) for item in reminder_items_about(user, **subject)
        )

    assert seen(board.officer, indicator=shared) == [(Kind.VALUE_LATE, "officer")]
    assert seen(board.nurse, indicator=shared) == [(Kind.VALUE_LATE, "officer")]
    assert seen(board.nurse, indicator=health_only) == [(Kind.VALUE_LATE, "nurse")]
    assert seen(board.officer, indicator=health_only) == []
    assert seen(board.member, indicator=health_only) == [(Kind.VALUE_LATE, "nurse")]
    assert seen(board.member, concern=shared.concern) == [(Kind.CONCERN_QUIET, "member"), (Kind.CONCERN_QUIET, "member2")]
    assert seen(board.officer, concern=shared.concern) == seen(board.nurse, concern=shared.concern) == []
    for user in (board.officer, board.nurse, board.board_staff):
        items = access.visible_reminder_items(user)
        assert not items.filter(kind=Kind.CONCERN_QUIET).exists()
        assert not items.filter(concern__isnull=False).exists()
    assert not access.visible_reminder_items(board.officer).filter(indicator=health_only).exists()
    assert not access.visible_reminder_items(board.board_staff).filter(indicator__isnull=False).exists()
    assert access.visible_reminder_items(board.chair).filter(concern=shared.concern).count() == 2


def test_the_admin_shows_a_reminder_with_its_indicator_and_concern_items(board, client):
    board.indicator(owner="education", name="Exclusions from school")
    board.concern(90, title="Information sharing protocol")
    services.send_reminders(on=DAY)
    reminder = Reminder.objects.get(recipient=board.member)
    client.force_login(board.admin)
    response = client.get(reverse("admin:reminders_reminder_change", args=[reminder.pk]))
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Indicator value late" in page and "Concern with no update" in page
    # What each item is about: the admin's item rows name the indicator and the concern, as they name an action,
    # an impact check, an event and an agency.
    assert "Exclusions from school" in page and "Information sharing protocol" in page


# --- the command ------------------------------------------------------------------------------------------------------


def test_the_dry_run_prints_value_and_concern_lines_and_sends_nothing(board):
    board.indicator(name="Average caseload")
    board.concern(97, status=Concern.Status.MONITORING, title="Information sharing")
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-08-07", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run for 2026-08-07: 3 e-mails would be sent" in text  # officer, member, member2
    assert "  - Indicator value late: Average caseload (Police), oldest value missing 8 days late" in text
    assert "  - Concern with no update: Information sharing (monitoring), no update for 104 days" in text
    assert text.count("  - Concern with no update: ") == 2
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_the_command_sends_the_concern_reminders_of_the_given_date_once(board):
    board.indicator()
    board.concern(90)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-07-31", stdout=out)
    call_command("send_reminders", "--date", "2026-07-31", stdout=out)
    assert len(mail.outbox) == 3 and "3 sent" in out.getvalue()
    assert set(ReminderItem.objects.values_list("kind", flat=True)) == {Kind.VALUE_LATE, Kind.CONCERN_QUIET}


# --- queries --------------------------------------------------------------------------------------------------------


def _queries(callable_):
    with CaptureQueriesContext(db_connection) as queries:
        callable_()
    return len(queries)


@pytest.mark.parametrize("step", ["plan", "send"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_indicators_and_concerns(board, step):
    """Ten times the concerns (quiet on a reminder day, quiet off one, not quiet, updated, closed, monitoring) and
    their indicators (late on a reminder day, late off one, value entered, inactive, reported by an agency with or
    without users), the same people."""

    def add(n):
        for i in range(n):
            status = [Concern.Status.OPEN, Concern.Status.MONITORING, Concern.Status.CLOSED][i % 3]
            concern = board.concern([90, 97, 91, 30, 104][i % 5], status=status, title=f"Concern {i}")
            if i % 4 == 0:
                board.update(concern, [97, 10][i % 8 // 4])
            board.indicator(concern, first_period=[APRIL, JANUARY][i % 2])  # 1 or 92 days late
            board.indicator(concern, owner="health", name="Health")
            board.indicator(concern, owner="education", first_period=JANUARY, name="Schools")  # to the members
            board.indicator(concern, frequency=MONTHLY, first_period=datetime.date(2026, 5, 1), name="Monthly")
            entered = board.indicator(concern, owner="education", name="Entered")
            board.value(entered, APRIL)
            board.indicator(concern, is_active=False, name="Inactive")

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
