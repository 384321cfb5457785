"""The reminder e-mails, byte for byte: subject, plain text, HTML and the MIME message, against a stored copy.

tests/reminder_emails.json was captured from the job before its rendering was made faster (issue 16: lines
rendered once per run, dates formatted without the template filter); any change to what people receive shows up
here. The data covers every kind of line, both deliveries, HTML escaping, truncation, singular and plural days,
a name-less recipient and the consultants' evidence lines. Database ids (links, evidence numbers, the reminder
header) and what differs on every send (Date, Message-ID, MIME boundaries) are replaced by stable names.

To re-capture after a deliberate change of the e-mails: ``REMINDER_GOLDEN=write pytest tests/test_reminders_output.py``
(and review the diff of the JSON file).
"""

import datetime
import json
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from evidence.models import Evidence
from reminders import services
from reminders.models import ReminderPreference
from tests import factories

GOLDEN = Path(__file__).with_name("reminder_emails.json")
MONDAY = datetime.date(2026, 3, 2)  # the consultants' digest day


@pytest.fixture
def scenario(db, settings):
    settings.SITE_URL = "https://scr.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    def person(role, first_name, last_name, **kwargs):
        account = factories.user(role, **kwargs)
        account.first_name, account.last_name = first_name, last_name
        account.save(update_fields=["first_name", "last_name"])
        return account

    police = factories.agency(name="Police", short_name="Police")
    health = factories.agency(name="Health & Care Trust", short_name="Health & Care")
    officer = person(Role.AGENCY, "Ann", "O'Brien", agency=police, email="officer@example.org", username="ann")
    person(Role.AGENCY, "", "", agency=police, email="colleague@example.org", username="pc_nameless")
    nurse = person(Role.AGENCY, "Nia", "Jones", agency=health, email="nurse@example.org", username="nurse")
    person(Role.MEMBER, "Mo", "Member", email="member@example.org", username="member")
    person(Role.CONSULTANT, "Cy", "Consultant", email="consultant@example.org", username="consultant")
    ReminderPreference.objects.create(user=nurse, delivery=ReminderPreference.Delivery.SEPARATE)
    review = factories.review(reference="SCR-2009-01", title="Child Q")
    second = factories.review(reference="SCR-2009-02", title="Child R")
    multi, health_plan = factories.plan(review), factories.plan(second, health)

    def act(plan, lead, reference, days, officer=None, description="Deliver training on engaging fathers."):
        return factories.action(plan, lead, reference=reference, responsible_officer=officer, description=description,
                                target_date=MONDAY + datetime.timedelta(days=days))

    first = act(multi, police, "1.1", -1, officer, "Train  staff\non <b>fathers</b> & \"partners\"'s needs.")
    act(multi, police, "1.2", -8)  # no officer: both police users
    act(multi, police, "2.1", -28, officer)  # escalation: the officer and the member
    act(multi, police, "2.2", -15, officer)
    act(multi, police, "3.1", 1, officer, "A very long description of what will be done, " * 5)
    act(multi, police, "3.2", 30, officer)
    act(health_plan, health, "H.1", 7, nurse)
    second_action = act(health_plan, health, "H.2", -22, nurse)
    for action, agency, by, submitted in [
        (first, police, officer, timezone.make_aware(datetime.datetime(2026, 2, 9, 16, 30))),  # noqa: DTZ001
        (second_action, health, nurse, timezone.make_aware(datetime.datetime(2026, 2, 15, 9, 0))),  # noqa: DTZ001
    ]:
        Evidence.objects.create(action=action, agency=agency, description="Register of fathers seen",
                                represents_on=submitted.date(), note="On paper.", submitted_by=by,
                                submitted_at=submitted)
    services.send_reminders(on=MONDAY)
    return mail.outbox


def _stable(text):
    """Database ids and per-send values replaced by names, so the copy compares on any database."""
    from actionplans.models import Action

    refs = dict(Action.objects.values_list("pk", "reference"))
    evidence_ids = {pk: f"E{n}" for n, pk in enumerate(Evidence.objects.order_by("pk").values_list("pk", flat=True))}
    text = re.sub(r"/actions/(\d+)/", lambda m: f"/actions/<{refs[int(m[1])]}>/", text)
    text = re.sub(r"/evidence/(\d+)/", lambda m: f"/evidence/<{evidence_ids[int(m[1])]}>/", text)
    text = re.sub(r"([Ee]vidence) #(\d+)", lambda m: f"{m[1]} #<{evidence_ids[int(m[2])]}>", text)
    text = re.sub(r"(?m)^X-Scrsystem-Reminder: \d+", "X-Scrsystem-Reminder: <id>", text)
    text = re.sub(r"(?m)^Date: [^\r\n]*", "Date: <date>", text)
    text = re.sub(r"(?m)^Message-ID: [^\r\n]*", "Message-ID: <message-id>", text)
    boundaries = {}
    return re.sub(r"===============\d+==", lambda m: boundaries.setdefault(m[0], f"<boundary {len(boundaries)}>"), text)


def _describe(message):
    return {
        "to": message.to,
        "subject": message.subject,
        "text": _stable(message.body),
        "html": [[_stable(content), mimetype] for content, mimetype in message.alternatives],
        "mime": _stable(message.message().as_bytes(linesep="\r\n").decode("utf-8")),
    }


def test_the_e_mails_are_unchanged(scenario):
    found = sorted((_describe(m) for m in scenario), key=lambda m: (m["to"], m["subject"]))
    if os.environ.get("REMINDER_GOLDEN") == "write":
        GOLDEN.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert len(found) == len(expected) == 6
    for got, want in zip(found, expected, strict=True):
        assert got == want


def test_the_scenario_covers_what_the_copy_is_meant_to_cover(scenario):
    """The stored copy only proves something if the data exercises every branch of the e-mails."""
    expected = json.loads(GOLDEN.read_text())
    texts = "\n".join(m["text"] for m in expected)
    htmls = "\n".join(m["html"][0][0] for m in expected)
    assert {
        "ESCALATED: 28 DAYS OVERDUE", "OVERDUE", "DUE SOON", "EVIDENCE WAITING FOR A DECISION FOR MORE THAN 14 DAYS"
    } <= set(texts.splitlines())
    assert "1 day left" in texts and "1 day overdue" in texts and "30 days left" in texts
    assert "Hello pc_nameless," in texts and "Hello Ann O'Brien," in texts and "Hello Ann O&#x27;Brien," in htmls
    assert "&lt;b&gt;fathers&lt;/b&gt; &amp; &quot;partners&quot;" in htmls and "<b>fathers</b> & \"partners\"" in texts
    assert "Health &amp; Care plan" in htmls and "…" in texts
    assert "Evidence #<E0> from Police, submitted 9 February 2026" in htmls
    assert "evidence #<E1> from Health & Care, submitted 15 February 2026" in texts
    assert sum(m["to"] == ["nurse@example.org"] for m in expected) == 2  # separate e-mails


def test_the_smtp_fast_path_sends_what_djangos_smtp_backend_would(scenario):
    """ReminderEmail.smtp_payload (used with Django's SMTP backend) against Django's own: the same sender and
    recipients, and the same MIME bytes as the stored copy, header by header and part by part."""
    from django.conf import settings
    from django.core.mail.message import sanitize_address

    expected = {(m["to"][0], m["subject"]): m["mime"] for m in json.loads(GOLDEN.read_text())}
    assert len(scenario) == 6
    for message in scenario:
        sender, recipients, data = message.smtp_payload()
        assert sender == sanitize_address(message.from_email, "utf-8")
        assert recipients == [sanitize_address(a, "utf-8") for a in message.recipients()]
        mime = _stable(data.decode("utf-8"))
        assert mime == _stable(message.message().as_bytes(linesep="\r\n").decode("utf-8"))
        assert mime == expected[message.to[0], message.subject]
        assert message.from_email == settings.DEFAULT_FROM_EMAIL


@pytest.mark.parametrize("address", [
    "officer@example.org", "O'Brien.Ann+rem@Sub.Example.ORG", "a_b-c@x-y.example", "first..last@example.org",
    ".lead@example.org", "Ann <ann@example.org>", "ann@[127.0.0.1]", "ann@exämple.org", "ånn@example.org",
    '"quoted name"@example.org',
])
def test_addresses_are_what_sanitize_address_makes_of_them(address):
    from django.core.mail.message import sanitize_address

    assert services._sanitized(address, "utf-8") == sanitize_address(address, "utf-8")


@pytest.mark.parametrize("address", ["ann@example.org\r\nBcc: x@example.org", "ann@example.org\n", "\nann@example.org",
                                     "ann@exam\rple.org", "not@an@address"])
def test_an_address_with_a_line_break_or_not_an_address_is_refused(address):
    with pytest.raises(ValueError):
        services._sanitized(address, "utf-8")


@pytest.mark.parametrize("name,value", [
    ("To", "officer@example.org"), ("Message-ID", "<177000000000.1.1234567890@host.example.org>"),
    ("X-Scrsystem-Reminder", "12345"), ("Auto-Submitted", "auto-generated"), ("To", "x" * 60 + "@example.org"),
    ("Subject", "scrsystem reminders for 2 March 2026: 1 escalated, 3 overdue, 2 due soon, 1 evidence waiting"),
    ("Subject", "Rappel: échéance dépassée"), ("From", "scrsystem <no-reply@scrsystem.invalid>"),
    ("Date", "Mon, 02 Mar 2026 07:00:00 -0000"), ("Subject", "short"),
])
def test_header_lines_are_what_djangos_message_and_the_generator_make(name, value):
    from django.core.mail import EmailMessage

    message = EmailMessage(subject="s", body="b", to=["a@example.org"])
    built = message.message()
    del built[name]
    built[name] = value  # SafeMIMEText: forbid_multi_line_headers, as Django sets every header
    flattened = built.as_bytes(linesep="\r\n")
    line = services._header(name, value, "utf-8")
    assert line in flattened and flattened.count(line) == 1


def test_a_header_with_a_line_break_is_refused():
    from django.core.mail import BadHeaderError

    with pytest.raises(BadHeaderError):
        services._header("Subject", "Reminders\r\nBcc: x@example.org", "utf-8")


def test_a_long_line_leaves_the_message_to_djangos_encoding(scenario):
    message = scenario[0]
    message.body += "x" * 1200  # quoted-printable in Django's message: not covered by the fast path
    assert message.smtp_payload() is None
