"""Free text is limited at the form, the model and the database; references refuse invisible direction controls;
the board report prints a long word short and wrapped; e-mail subjects are plain text (issue 11)."""

import datetime
import html
import io
import re

import pypdf
import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import Agency
from actionplans import dates, lifecycle
from actionplans import services as action_services
from actionplans.forms import ProgressForm, ReasonForm, ReinstateForm, SignOffForm
from actionplans.models import Action, ProgressUpdate, TargetDateChange
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from evidence import tasks
from evidence.forms import DecisionForm, EvidenceForm
from reminders import services as reminder_services
from reminders.models import Kind, Reminder
from reviews import services as review_services
from reviews.models import Review
from scrsystem import text
from tests import evidence_samples as samples
from tests import factories

PROJECT_APPS = {"accounts", "reviews", "actionplans", "audit", "evidence", "reminders", "dashboard"}
TEXT_FIELDS = [
    (model, field)
    for model in apps.get_models()
    if model._meta.app_label in PROJECT_APPS
    for field in model._meta.get_fields()
    if isinstance(field, models.TextField)
]
FIELD_IDS = [f"{model.__name__}.{field.name}" for model, field in TEXT_FIELDS]


def text_of(response):
    """The page as a reader sees it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def too_long(limit):
    return f"Ensure this value has at most {limit} characters (it has {limit + 1})."


@pytest.fixture
def rows(world):
    """One saved row of every model with a text field, each valid as it stands."""
    item = samples.submit_note(world.multi_action, world.agency_user)
    rejected = samples.submit_note(world.multi_action, world.agency_user, note="The minutes.")
    decision = lifecycle.decide(evidence=rejected, actor=world.consultant, accept=False, note="Undated.", notify=False)
    now = timezone.now()
    return {
        Review: world.review,
        world.recommendation.__class__: world.recommendation,
        world.theme.__class__: world.theme,
        world.multi_plan.__class__: world.multi_plan,
        Action: world.multi_action,
        ProgressUpdate: ProgressUpdate.objects.create(
            action=world.multi_action, author=world.agency_user, note="Started.",
            status_before=Status.NOT_STARTED, status_after=Status.IN_PROGRESS,
        ),
        item.__class__: item,
        decision.__class__: decision,
        TargetDateChange: dates.request_target_date(
            action=world.multi_action, actor=world.agency_user, new_date=today() + datetime.timedelta(days=200),
            reason="The trainer is ill.",
        ),
        Reminder: Reminder.objects.create(
            recipient=world.agency_user, kind=Kind.DIGEST, day=today(), email="karen@police.example",
            claimed_at=now, retry_after=now,
        ),
    }


# --- Every text field: model, database, forms --------------------------------------------------------------


def test_every_text_field_is_limited_by_its_model_and_by_the_database():
    assert {"Action.description", "ProgressUpdate.note", "Evidence.note", "Review.summary", "Reminder.error"} <= set(
        FIELD_IDS
    )
    for (model, field), label in zip(TEXT_FIELDS, FIELD_IDS, strict=True):
        assert field.max_length, f"{label} has no max_length"
        assert MaxLengthValidator(field.max_length) in field.validators, f"full_clean does not check {label}"
        checks = [c.condition for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]
        assert LessThanOrEqual(Length(field.name), field.max_length) in checks, f"the database does not limit {label}"


@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS, ids=FIELD_IDS)
def test_full_clean_refuses_one_character_over_the_limit(rows, model, field):
    row = rows[model]
    setattr(row, field.name, "é" * field.max_length)  # characters, not bytes
    row.full_clean()
    setattr(row, field.name, "x" * (field.max_length + 1))
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert refused.value.message_dict == {field.name: [too_long(field.max_length)]}


@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS, ids=FIELD_IDS)
def test_the_database_refuses_one_character_over_the_limit_when_full_clean_is_skipped(rows, model, field):
    same = model.objects.filter(pk=rows[model].pk)
    same.update(**{field.name: "é" * field.max_length})
    with pytest.raises(IntegrityError), transaction.atomic():
        same.update(**{field.name: "x" * (field.max_length + 1)})
    assert same.values_list(field.name, flat=True).get() == "é" * field.max_length


def _seen(action):
    return {"seen_status": factories.seen_status(action)}


FORMS = {
    "progress note": (
        lambda w: ProgressForm(action=w.multi_action, statuses=[Status.IN_PROGRESS], data={
            "status": Status.IN_PROGRESS, **_seen(w.multi_action), "note": w.value}),
        "note", text.TEXT,
    ),
    "reinstatement note": (
        lambda w: ReinstateForm(action=w.cancelled, data={
            "status": Status.IN_PROGRESS, **_seen(w.cancelled), "note": w.value}),
        "note", text.TEXT,
    ),
    "reason": (
        lambda w: ReasonForm(seen=w.multi_action, label="Reason", help_text="", submit_label="Cancel", data={
            **_seen(w.multi_action), "reason": w.value}),
        "reason", text.TEXT,
    ),
    "sign-off note": (
        lambda w: SignOffForm(seen=w.completed, data={**_seen(w.completed), "note": w.value}),
        "note", text.TEXT,
    ),
    "evidence description": (
        lambda w: EvidenceForm(data={"description": w.value, "represents_on": "2026-01-15", "note": "Minutes."}),
        "description", text.TEXT,
    ),
    "evidence written note": (
        lambda w: EvidenceForm(data={"description": "Minutes.", "represents_on": "2026-01-15", "note": w.value}),
        "note", text.WRITTEN_NOTE,
    ),
    "decision note": (lambda w: DecisionForm(data={"decision": "reject", "note": w.value}), "note", text.TEXT),
}


@pytest.mark.parametrize("name", FORMS)
def test_each_form_that_is_not_a_model_form_takes_the_limit_and_says_so(world, name):
    build, field, limit = FORMS[name]
    world.cancelled = factories.action(world.multi_plan, world.police, reference="8.1", status=Status.CANCELLED)
    world.completed = factories.action(world.multi_plan, world.police, reference="8.2", status=Status.COMPLETED)
    world.value = "x" * limit
    assert field not in build(world).errors
    world.value = "x" * (limit + 1)
    assert build(world).errors[field] == [too_long(limit)]


def test_the_action_form_page_refuses_a_description_over_the_limit_and_changes_nothing(client, world):
    client.force_login(world.member)
    before = factories.db_state()
    data = factories.action_edit_data(world.multi_action, description="x" * (text.TEXT + 1))
    response = client.post(reverse("actionplans:action_edit", args=[world.multi_action.pk]), data)
    assert response.status_code == 200
    assert too_long(text.TEXT) in text_of(response)
    assert 'maxlength="5000"' in response.content.decode()  # the browser stops typing there, too
    assert factories.db_state() == before


def test_the_progress_page_refuses_a_note_over_the_limit_and_records_nothing(client, world):
    client.force_login(world.agency_user)
    data = {"status": Status.IN_PROGRESS, "note": "x" * (text.TEXT + 1), **_seen(world.multi_action)}
    response = client.post(reverse("actionplans:action_progress", args=[world.multi_action.pk]), data)
    assert response.status_code == 400
    assert too_long(text.TEXT) in text_of(response)
    assert not ProgressUpdate.objects.exists()


def test_a_reason_of_the_full_length_is_kept_whole_in_the_action_and_its_progress_log(client, world):
    # The log entry is the reason after "Cancelled: ": the entry's own limit leaves room for it.
    reason = "x" * text.TEXT
    client.force_login(world.member)
    response = client.post(
        reverse("actionplans:action_cancel", args=[world.multi_action.pk]), {"reason": reason, **_seen(world.multi_action)}
    )
    assert response.status_code == 302
    world.multi_action.refresh_from_db()
    assert world.multi_action.cancellation_reason == reason
    assert ProgressUpdate.objects.get().note == f"Cancelled: {reason}"


def test_the_services_refuse_text_over_the_limit_and_record_nothing(world):
    records = ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        action_services.action_update(action=world.multi_action, actor=world.member, description="x" * (text.TEXT + 1))
    assert refused.value.message_dict == {"description": [too_long(text.TEXT)]}
    with pytest.raises(ValidationError) as refused:
        review_services.review_create(
            actor=world.member, reference="SCR-2026-09", title="Child C", incident_category="neglect",
            commissioned_on=datetime.date(2026, 1, 5), summary="x" * (text.TEXT + 1),
        )
    assert refused.value.message_dict == {"summary": [too_long(text.TEXT)]}
    assert Action.objects.get(pk=world.multi_action.pk).description == "Deliver training on engaging fathers."
    assert not Review.objects.filter(reference="SCR-2026-09").exists()
    assert ChangeRecord.objects.count() == records


def test_the_migration_check_names_each_row_over_a_limit(db):
    action = factories.action(factories.plan(factories.review()), factories.agency(), description="x" * 38)
    with pytest.raises(RuntimeError) as stopped:
        text.stop_if_longer({"actionplans.Action": {"description": 37, "success_measure": 5000}})(apps, None)
    assert str(stopped.value).endswith(f"migrate again: actionplans.Action #{action.pk}, description: 38 characters")
    text.stop_if_longer({"actionplans.Action": {"description": 38}})(apps, None)  # at the limit: nothing to say


# --- A reminder's error is cut to fit, never refused ------------------------------------------------------------


class RefusingBackend:
    """An e-mail backend whose server answers every message with a very long error."""

    def __init__(self, *args, **kwargs):
        self.connection = None

    def open(self):
        self.connection = object()

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        raise OSError("Refused: " + "x" * 10_000)


def test_a_reminders_long_error_is_cut_to_fit_on_every_write(world, settings):
    settings.EMAIL_BACKEND = "tests.test_text_limits.RefusingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 2
    world.agency_user.email = "karen@police.example"
    world.agency_user.save()
    day = world.multi_action.target_date + datetime.timedelta(days=1)  # its first day overdue
    reminder_services.send_reminders(on=day)
    reminder = Reminder.objects.get()
    assert len(reminder.error) == text.ERROR and reminder.error.startswith("OSError: Refused: xxx")
    assert reminder.error.endswith("…")

    # Given up after the last attempt: the note in front of the error does not push it over the limit either.
    Reminder.objects.update(attempts=2, retry_after=timezone.now() - datetime.timedelta(seconds=1))
    reminder_services.send_reminders(on=day)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.error.startswith("Gave up after 2 attempts. OSError: Refused: xxx")
    assert len(reminder.error) == text.ERROR


# --- References refuse invisible direction controls ------------------------------------------------------------

REFUSED = "References cannot contain invisible direction-control characters"


@pytest.mark.parametrize("char", sorted(text.DIRECTION_CONTROLS), ids=lambda c: f"U+{ord(c):04X}")
def test_a_reference_with_any_direction_control_is_refused(char):
    with pytest.raises(ValidationError) as refused:
        text.NoDirectionControls("References")(f"SCR-2026{char}-01")
    assert refused.value.messages[0].startswith(f"{REFUSED}; this one holds U+{ord(char):04X} (")


def test_references_in_any_script_are_accepted():
    for reference in ["SCR-2009-01", "3.2", "ÉCOLE-1", "مراجعة-٣", "ŁÓDŹ 4"]:
        text.NoDirectionControls("References")(reference)


def test_the_review_and_action_pages_refuse_a_reference_with_a_direction_override(client, world):
    client.force_login(world.member)
    before = factories.db_state()
    review = {
        "reference": "SCR-2026-\u202e10", "title": "Child B", "incident_category": "neglect", "kind": "serious_case",
        "status": "commissioned", "summary": "", "commissioned_on": "2026-01-10", "finalised_on": "",
        "published_on": "",
    }
    response = client.post(reverse("reviews:create"), review)
    assert response.status_code == 200
    assert f"{REFUSED}; this one holds U+202E (right-to-left override)." in text_of(response)
    action = {
        "reference": "5.\u20661\u2069", "recommendation": world.recommendation.pk, "description": "A protocol.",
        "lead_agency": world.police.pk, "responsible_officer": "", "target_date": "2027-03-31",
        "success_measure": "Signed.",
    }
    response = client.post(reverse("actionplans:action_create", args=[world.multi_plan.pk]), action)
    assert response.status_code == 200
    assert f"{REFUSED}; this one holds U+2066 (left-to-right isolate), U+2069 (pop directional isolate)." in text_of(
        response
    )
    assert factories.db_state() == before


def test_the_services_refuse_a_reference_with_a_direction_control(world):
    with pytest.raises(ValidationError) as refused:
        review_services.review_create(
            actor=world.member, reference="SCR\u200f-2026-11", title="Child C", incident_category="neglect",
            commissioned_on=datetime.date(2026, 1, 5),
        )
    assert list(refused.value.message_dict) == ["reference"]
    with pytest.raises(ValidationError) as refused:
        action_services.action_update(action=world.multi_action, actor=world.member, reference="1.\u202a1")
    assert refused.value.message_dict["reference"][0].startswith(REFUSED)
    assert Action.objects.get(pk=world.multi_action.pk).reference == "1.1"


def test_the_admin_site_refuses_an_agency_short_name_with_a_direction_control(client, world):
    client.force_login(world.admin)
    data = {"name": "Northbridge Fire Service", "short_name": "Fire\u202b", "kind": "other", "is_active": "on"}
    response = client.post(reverse("admin:accounts_agency_add"), data)
    assert response.status_code == 200
    assert "Short names cannot contain invisible direction-control characters" in text_of(response)
    assert not Agency.objects.filter(name="Northbridge Fire Service").exists()


# --- E-mail subjects are plain text -------------------------------------------------------------------------------


def test_a_rejection_subject_shows_apostrophes_and_ampersands_as_typed_on_one_line(world):
    Review.objects.filter(pk=world.review.pk).update(reference="SCR-O'NEILL & CO")
    Action.objects.filter(pk=world.multi_action.pk).update(reference="1.1 'A'\n& B")
    world.agency_user.email = "karen@police.example"
    world.agency_user.save()
    item = samples.submit_note(Action.objects.get(pk=world.multi_action.pk), world.agency_user)
    decision = lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="Undated.", notify=False)
    tasks.send_rejection_email.apply(args=[decision.pk])
    assert mail.outbox[0].subject == "Evidence rejected: SCR-O'NEILL & CO action 1.1 'A' & B"


def test_a_reminder_subject_and_text_show_apostrophes_and_ampersands_as_typed(world):
    # The reminder subject was built in Python already; this keeps it (and the plain-text body) so.
    day = today() + datetime.timedelta(days=10)
    Review.objects.filter(pk=world.review.pk).update(reference="SCR-O'NEILL & CO")
    Action.objects.filter(pk=world.multi_action.pk).update(
        description="Fathers' & carers' protocol", target_date=day - datetime.timedelta(days=1)
    )
    world.agency_user.email = "karen@police.example"
    world.agency_user.save()
    reminder_services.send_reminders(on=day)
    message = mail.outbox[0]
    assert message.subject == f"scrsystem reminders for {day:%-d %B %Y}: 1 overdue"
    assert "SCR-O'NEILL & CO (multi-agency plan) action 1.1: Fathers' & carers' protocol" in message.body


# --- The board report with long unbroken words ----------------------------------------------------------------


@pytest.fixture
def long_words(world):
    """An overdue and a verified action, each doing one unbroken word of the full length."""
    factories.action(world.multi_plan, world.police, reference="9.1", description="a" * text.TEXT,
                     status=Status.NOT_STARTED, target_date=today() - datetime.timedelta(days=9))
    verified = factories.action(world.multi_plan, world.police, reference="9.2", description="b" * text.TEXT,
                                status=Status.VERIFIED)
    Action.objects.filter(pk=verified.pk).update(status_changed_at=timezone.now())
    return world


def test_the_report_prints_a_long_word_cut_short(client, long_words):
    client.force_login(long_words.chair)
    page = client.get(reverse("dashboard:report")).content.decode()
    assert re.search(r"<td>9\.1</td><td>a{199}…</td>", page)  # the overdue actions' table: 200 characters
    assert re.search(r"<li>9\.2 \(Police, [^)]+\): b{159}…</li>", page)  # verified since: 160
    assert "a" * 201 not in page and "b" * 161 not in page


def test_the_reports_stylesheet_wraps_long_words_in_fixed_tables():
    with open(finders.find("css/report.css"), encoding="utf-8") as css:
        stylesheet = re.sub(r"/\*.*?\*/", "", css.read(), flags=re.S)
    rules = [(selector.strip(), body) for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", stylesheet)]
    assert ("main", " overflow-wrap: anywhere; ") in rules
    fixed = {table.strip() for selector, body in rules if "table-layout: fixed" in body for table in selector.split(",")}
    assert {"table.actions", "table.agencies", "table.themes", "table.cover"} <= fixed


def test_the_report_pdf_renders_long_words(client, long_words):
    client.force_login(long_words.chair)
    response = client.get(reverse("dashboard:report_pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    words = "".join("".join(page.extract_text() for page in pdf.pages).split())
    # A word cut short may wrap onto the next page, with the page's foot between its parts: count its letters.
    assert "9.1" in words and words.count("…") >= 2
    assert sum(map(len, re.findall("a{20,}", words))) == 199 and sum(map(len, re.findall("b{20,}", words))) == 159
    assert len(pdf.pages) <= 4
