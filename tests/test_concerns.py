"""Board concerns through their pages and services: recording a concern and what is refused; moving it (to
monitoring, closed with a reason, opened again) and a move from a page out of date; its log of the board's updates
and the agencies' responses; indicators, whose agency must be one the concern names; data points entered once per
period by the indicator's agency, corrected with a reason that keeps the old value, and the evidence behind them;
the register's figures and the lists they open; a fixed number of queries per page; the seeded demo's concerns; and
the admin site, where they are only read."""

import datetime
import html
import io
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import today
from audit.models import ChangeRecord
from audit.services import history_of
from concerns import rules, selectors, services
from concerns.models import Concern, ConcernFile, DataPoint, DataPointCorrection, Entry, Indicator
from evidence import uploads
from tests import evidence_samples as samples
from tests import factories
from tests.test_admin_site import admin_url
from tests.test_races import hidden_fields

Status = Concern.Status
QUARTERLY = Indicator.Frequency.QUARTERLY
MONTHLY = Indicator.Frequency.MONTHLY
CONFLICT = "While you were working"


def ago(n):
    return today() - datetime.timedelta(days=n)


def url(name, *args):
    return reverse(f"concerns:{name}", args=args)


def text_of(response):
    """The page as a person reads it: entities (&#x27; for an apostrophe) turned back into characters."""
    return html.unescape(response.content.decode())


def quarters_ago(n):
    """The first day of the quarter ``n`` quarters before the present one."""
    period = rules.period_of(today(), QUARTERLY)
    for _ in range(n):
        period = rules.previous_period(period, QUARTERLY)
    return period


def concern(world, agencies=None, **values):
    """A concern recorded by the world's member, naming the police and health unless ``agencies`` says otherwise."""
    defaults = {
        "title": "Slow take-up of the Common Assessment Framework",
        "description": "Partners are slow to engage with the CAF.",
        "raised_with": "the Children's Trust",
        "raised_on": ago(100),
        "source": Concern.Source.OTHER,
    }
    agencies = [world.police, world.health] if agencies is None else agencies
    return services.concern_create(actor=world.member, agencies=agencies, **{**defaults, **values})


def indicator(world, on, owner=None, **values):
    """A quarterly indicator of ``on`` (reported by the police unless ``owner``), from three quarters ago."""
    defaults = {
        "name": "CAFs started per quarter",
        "unit": "CAFs",
        "target": Decimal(40),
        "direction": Indicator.Direction.HIGHER,
        "frequency": QUARTERLY,
        "first_period": quarters_ago(3),
    }
    return services.indicator_create(concern=on, actor=world.member, owner=owner or world.police,
                                     **{**defaults, **values})


def point(made, actor, period, value, uploads_=()):
    return services.data_point_record(indicator=made, actor=actor, period=period, value=Decimal(str(value)),
                                      uploads=uploads_)


def checked_pdf(name):
    return uploads.check_upload(ContentFile(samples.pdf(), name=name))


def pdf_upload(name="caf-return.pdf", data=None):
    return SimpleUploadedFile(name, samples.pdf() if data is None else data, content_type="application/pdf")


def concern_state(made):
    """The concern's row, its agencies, its log and its change records: what a refused request leaves as it was."""
    return (
        Concern.objects.filter(pk=made.pk).values().get(),
        sorted(made.agencies.values_list("pk", flat=True)),
        list(Entry.objects.filter(concern=made).values()),
        list(history_of(made).values_list("pk", flat=True)),
    )


def points_state():
    return (list(DataPoint.objects.order_by("pk").values()), list(DataPointCorrection.objects.values()),
            list(ConcernFile.objects.values()), factories.change_records())


def concern_data(world, **changes):
    data = {
        "title": "Children missing education", "description": "Rising numbers taken off roll.",
        "raised_with": "the Director of Children's Services", "raised_on": ago(3).isoformat(),
        "source": Concern.Source.WORKSHOP, "agencies": [world.police.pk, world.health.pk], "loaded_version": "",
    }
    return {**data, **changes}


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


# --- recording a concern ------------------------------------------------------------------------------------------


def test_a_member_records_a_concern_and_it_is_open_with_its_change_record(client, world):
    client.force_login(world.member)
    response = client.post(url("concern_create"), concern_data(world, title="  Children missing education  "))
    made = Concern.objects.get()
    assert response.status_code == 302 and response["Location"] == made.get_absolute_url()
    assert made.title == "Children missing education"  # trimmed
    assert (made.status, made.status_changed_at, made.closed_reason) == (Status.OPEN, None, "")
    assert set(made.agencies.all()) == {world.police, world.health}
    assert (made.raised_on, made.source, made.created_by) == (ago(3), "workshop", world.member)
    created = history_of(made).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, world.member)
    assert created.changes["status"] == [None, "Open"]
    assert created.changes["agencies"] == [None, "Test Health Trust, Test Police"]
    page = text_of(client.get(made.get_absolute_url()))
    assert "“Children missing education” recorded." in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agencies": []}, "Choose at least one agency the concern is about."),
        ({"raised_on": ago(-1).isoformat()}, "The day it was raised cannot be in the future."),
        ({"title": "   "}, "This field is required."),
    ],
    ids=["no agency", "raised in the future", "no title"],
)
def test_a_concern_filled_in_wrong_is_refused_with_a_message_and_nothing_is_recorded(client, world, changes, message):
    client.force_login(world.member)
    response = client.post(url("concern_create"), concern_data(world, **changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Concern.objects.exists()
    assert not ChangeRecord.objects.filter(object_repr="Children missing education").exists()


def test_the_service_refuses_a_concern_naming_no_agency_whoever_calls_it(world):
    with pytest.raises(ValidationError, match="Choose at least one agency"):
        concern(world, agencies=[])
    with pytest.raises(PermissionDenied):
        services.concern_create(actor=world.chair, agencies=[world.police], title="T", description="D",
                                raised_with="R", raised_on=ago(1), source="other")
    assert not Concern.objects.exists()


# --- moving a concern -----------------------------------------------------------------------------------------------


def move_page(client, made, move):
    """Open the move's page; return its URL and what its form will post (the status and moment it was drawn with)."""
    page_url = url("concern_move", made.pk, move)
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return page_url, hidden_fields(page.content.decode(), page_url, page_url)


def test_monitor_close_with_a_reason_and_reopen_each_leave_their_change_record(client, world):
    made = concern(world)
    client.force_login(world.member)
    page_url, data = move_page(client, made, "monitor")
    assert data == {"seen_status": "open", "seen_changed_at": "never"}
    assert client.post(page_url, data).status_code == 302
    made.refresh_from_db()
    assert made.status == Status.MONITORING and made.status_changed_at is not None
    assert history_of(made).first().changes == {"status": ["Open", "Monitoring"]}
    assert history_of(made).first().actor == world.member

    page_url, data = move_page(client, made, "close")
    assert client.post(page_url, {**data, "reason": "  Caseloads are at the target.  "}).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.closed_reason) == (Status.CLOSED, "Caseloads are at the target.")
    assert history_of(made).first().changes == {
        "status": ["Monitoring", "Closed"], "why it was closed": ["—", "Caseloads are at the target."]}
    assert "Closed</strong>: Caseloads are at the target." in client.get(made.get_absolute_url()).content.decode()

    page_url, data = move_page(client, made, "reopen")
    assert client.post(page_url, data).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.closed_reason) == (Status.OPEN, "")
    assert history_of(made).first().changes["status"] == ["Closed", "Open"]
    assert history_of(made).count() == 4  # created, then three moves


def test_closing_without_a_reason_is_refused_and_nothing_changes(client, world):
    made = concern(world)
    client.force_login(world.member)
    page_url, data = move_page(client, made, "close")
    before = concern_state(made)
    response = client.post(page_url, {**data, "reason": "   "})
    assert response.status_code == 400
    assert "Give the reason the concern is closed" in text_of(response)
    assert concern_state(made) == before
    with pytest.raises(lifecycle.Refused, match="Give the reason"):
        services.move_concern("close", concern=made, actor=world.member, seen=made.status, reason="")
    assert concern_state(made) == before


def test_a_move_the_status_does_not_allow_is_refused(client, world):
    made = concern(world)
    client.force_login(world.member)
    assert client.get(url("concern_move", made.pk, "reopen")).status_code == 403
    assert "reopen" not in services.moves_for(world.member, made)
    with pytest.raises(lifecycle.Refused, match="is not possible"):
        services.move_concern("reopen", concern=made, actor=world.member, seen=made.status)
    assert Concern.objects.get(pk=made.pk).status == Status.OPEN


def test_a_move_from_a_page_drawn_before_another_members_move_is_refused_with_409(client, world):
    mover = factories.user(Role.MEMBER, username="mover")
    made = concern(world)
    client.force_login(world.member)
    page_url, data = move_page(client, made, "monitor")
    services.move_concern("close", concern=made, actor=mover, seen=Status.OPEN, reason="Resolved at the meeting.")
    before = concern_state(made)
    response = client.post(page_url, data)
    assert response.status_code == 409
    page = text_of(response)
    assert CONFLICT in page
    assert f"was changed from open to closed by {mover} on" in page
    assert "nothing of yours was saved" in page
    assert concern_state(made) == before


def test_a_close_after_a_move_and_back_since_is_refused_by_its_moment_and_gives_the_reason_back(client, world):
    mover = factories.user(Role.MEMBER, username="mover")
    made = concern(world)
    client.force_login(world.member)
    page_url, data = move_page(client, made, "close")
    monitored = services.move_concern("monitor", concern=made, actor=mover, seen=Status.OPEN)
    services.move_concern("reopen", concern=made, actor=mover,
                          seen=lifecycle.Seen(Status.MONITORING, monitored.status_changed_at))
    before = concern_state(made)
    assert before[0]["status"] == Status.OPEN == data["seen_status"]  # the status alone looks the same
    response = client.post(page_url, {**data, "reason": "No longer a concern."})
    assert response.status_code == 409
    page = text_of(response)
    assert "changed and is now open again" in page
    assert "What you wrote, to use again: “No longer a concern.”" in page
    assert concern_state(made) == before


# --- the log ------------------------------------------------------------------------------------------------------


def test_a_members_line_is_the_boards_update(client, world):
    made = concern(world)
    client.force_login(world.member)
    response = client.post(url("entry_add", made.pk), {"on": ago(2).isoformat(), "text": "  Raised again.  "})
    assert response.status_code == 302 and response["Location"] == f"{made.get_absolute_url()}#log"
    entry = Entry.objects.get()
    assert (entry.kind, entry.agency, entry.on, entry.text, entry.created_by) == (
        Entry.Kind.UPDATE, None, ago(2), "Raised again.", world.member)
    assert history_of(entry).get().verb == ChangeRecord.Verb.CREATED


def test_an_agency_users_line_is_its_agencys_response(client, world):
    made = concern(world)
    client.force_login(world.other)  # health
    page = client.get(url("entry_add", made.pk))
    assert "Add Health&#x27;s response" in page.content.decode()
    response = client.post(url("entry_add", made.pk), {"on": ago(1).isoformat(), "text": "A CAF champion per area."})
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.kind, entry.agency, entry.created_by) == (Entry.Kind.RESPONSE, world.health, world.other)
    assert "response from Test Health Trust" in client.get(made.get_absolute_url()).content.decode()


def test_an_agency_user_whose_agency_the_concern_does_not_name_gets_404_and_adds_nothing(client, world):
    made = concern(world, agencies=[world.police])
    client.force_login(world.other)  # health
    assert client.get(made.get_absolute_url()).status_code == 404
    assert client.post(url("entry_add", made.pk), {"on": ago(1).isoformat(), "text": "Ours."}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.entry_add(concern=made, actor=world.other, text="Ours.", on=ago(1))
    assert not Entry.objects.exists()


def test_a_log_line_dated_in_the_future_is_refused(client, world):
    made = concern(world)
    client.force_login(world.agency_user)
    response = client.post(url("entry_add", made.pk), {"on": ago(-1).isoformat(), "text": "Next week."})
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert not Entry.objects.exists()


def test_the_log_is_shown_newest_first(client, world):
    made = concern(world)
    services.entry_add(concern=made, actor=world.member, text="The oldest line.", on=ago(30))
    services.entry_add(concern=made, actor=world.agency_user, text="The newest line.", on=ago(1))
    services.entry_add(concern=made, actor=world.other, text="The middle line.", on=ago(10))
    client.force_login(world.chair)
    page = client.get(made.get_absolute_url()).content.decode()
    newest, middle, oldest = (page.index(f"The {which} line.") for which in ("newest", "middle", "oldest"))
    assert newest < middle < oldest


# --- indicators -----------------------------------------------------------------------------------------------------


def indicator_data(owner, **changes):
    data = {"name": "CAFs started per quarter", "unit": "CAFs", "target": "40", "direction": "higher",
            "owner": owner.pk, "frequency": "quarterly", "first_period": quarters_ago(2).isoformat()}
    return {**data, **changes}


def test_a_member_adds_an_indicator_reported_by_an_agency_the_concern_names(client, world):
    made = concern(world)
    client.force_login(world.member)
    given = (quarters_ago(2) + datetime.timedelta(days=40)).isoformat()  # a day inside the quarter
    response = client.post(url("indicator_create", made.pk), indicator_data(world.health, first_period=given))
    added = Indicator.objects.get()
    assert response.status_code == 302 and response["Location"] == added.get_absolute_url()
    assert (added.concern, added.owner, added.first_period) == (made, world.health, quarters_ago(2))
    assert history_of(added).get().actor == world.member


def test_an_indicators_agency_must_be_one_the_concern_names(client, world):
    made = concern(world, agencies=[world.police])
    client.force_login(world.member)
    response = client.post(url("indicator_create", made.pk), indicator_data(world.health))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="Test Health Trust is not one of the agencies the concern names"):
        indicator(world, made, owner=world.health)
    police_one = indicator(world, made)
    with pytest.raises(ValidationError, match="is not one of the agencies the concern names"):
        services.indicator_update(indicator=police_one, actor=world.member, owner=world.health)
    assert list(Indicator.objects.values_list("owner", flat=True)) == [world.police.pk]


def test_removing_an_agency_that_reports_an_indicator_from_the_concern_is_refused(client, world):
    made = concern(world)
    indicator(world, made, owner=world.health)
    client.force_login(world.member)
    data = concern_data(world, title=made.title, raised_on=made.raised_on.isoformat(), agencies=[world.police.pk],
                        loaded_version=factories.loaded_version(made))
    before = concern_state(made)
    response = client.post(url("concern_edit", made.pk), data)
    assert response.status_code == 400
    assert "The concern's indicators are reported by" in text_of(response)
    assert "keep that agency" in text_of(response)
    assert concern_state(made) == before


def test_the_service_refuses_to_change_the_frequency_of_an_indicator_with_values(world):
    made = concern(world)
    measured = indicator(world, made)
    point(measured, world.agency_user, quarters_ago(3), 30)
    with pytest.raises(ValidationError, match="cannot change now"):
        services.indicator_update(indicator=Indicator.objects.get(pk=measured.pk), actor=world.member,
                                  frequency=MONTHLY)
    assert Indicator.objects.get().frequency == QUARTERLY
    unmeasured = indicator(world, made, name="Another")  # without values it may
    services.indicator_update(indicator=unmeasured, actor=world.member, frequency=MONTHLY)
    assert Indicator.objects.get(pk=unmeasured.pk).frequency == MONTHLY


def test_the_edit_page_refuses_to_change_the_frequency_of_an_indicator_with_values(client, world):
    # The page's ModelForm has already set the posted frequency on the indicator it passes to the service, so the
    # service must compare with the stored frequency, not the one in memory.
    measured = indicator(world, concern(world))
    point(measured, world.agency_user, quarters_ago(3), 30)
    client.force_login(world.member)
    data = indicator_data(world.police, first_period=quarters_ago(3).isoformat(), frequency="monthly",
                          is_active="on", loaded_version=factories.loaded_version(measured))
    response = client.post(url("indicator_edit", measured.pk), data)
    assert Indicator.objects.get().frequency == QUARTERLY, "a quarterly indicator with values became monthly"
    assert response.status_code == 400
    assert "cannot change now" in response.content.decode()


# --- data points ----------------------------------------------------------------------------------------------------


def test_the_owner_agency_user_enters_a_value_for_an_open_period(client, world):
    measured = indicator(world, concern(world))
    client.force_login(world.agency_user)
    period = quarters_ago(1)
    response = client.post(url("point_add", measured.pk), {"period": period.isoformat(), "value": "31.5",
                                                            "note": "  From the quarterly return.  "})
    saved = DataPoint.objects.get()
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    assert (saved.indicator, saved.period, saved.value, saved.note, saved.entered_by) == (
        measured, period, Decimal("31.5"), "From the quarterly return.", world.agency_user)
    created = history_of(saved).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, world.agency_user)
    page = client.get(measured.get_absolute_url())
    assert [p.pk for p in page.context["points"]] == [saved.pk]


def test_another_agencys_user_does_not_enter_the_indicators_values(client, world):
    measured = indicator(world, concern(world), owner=world.health)
    client.force_login(world.agency_user)  # police: reads it, enters nothing
    assert client.get(measured.get_absolute_url()).status_code == 200
    posted = client.post(url("point_add", measured.pk), {"period": quarters_ago(1).isoformat(), "value": "3"})
    assert posted.status_code == 403
    with pytest.raises(PermissionDenied):
        point(measured, world.agency_user, quarters_ago(1), 3)
    assert not DataPoint.objects.exists()


@pytest.mark.parametrize("which", ["next quarter", "before the first period"])
def test_a_value_for_a_period_the_indicator_does_not_report_yet_is_refused(client, world, which):
    measured = indicator(world, concern(world))
    period = (rules.next_period(quarters_ago(0), QUARTERLY) if which == "next quarter"
              else rules.previous_period(quarters_ago(3), QUARTERLY))
    client.force_login(world.agency_user)
    response = client.post(url("point_add", measured.pk), {"period": period.isoformat(), "value": "30"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(lifecycle.Refused, match="is outside the periods this indicator reports"):
        point(measured, world.agency_user, period, 30)
    assert not DataPoint.objects.exists()


def test_a_period_that_is_not_the_first_day_of_a_quarter_is_refused_by_the_service(world):
    measured = indicator(world, concern(world))
    with pytest.raises(lifecycle.Refused, match="Choose a period from the list."):
        point(measured, world.agency_user, quarters_ago(1) + datetime.timedelta(days=1), 30)
    assert not DataPoint.objects.exists()


def test_a_second_value_for_the_same_period_is_refused_by_the_service_naming_the_first(world):
    measured = indicator(world, concern(world))
    first = point(measured, world.agency_user, quarters_ago(1), 31)
    before = points_state()
    with pytest.raises(lifecycle.Conflict) as refused:
        point(measured, world.member, quarters_ago(1), 35)
    message = refused.value.messages[0]
    assert f"{rules.period_label(first.period, QUARTERLY)} already has a value, 31, entered by" in message
    assert f"entered by {world.agency_user}" in message and "nothing of yours was saved" in message
    assert points_state() == before


def test_a_value_posted_from_a_form_opened_before_someone_entered_that_period_gets_409_naming_theirs(client, world):
    # The form was opened while the period had no value; another user entered one before it was posted. The
    # person must be told, as for any write someone else made first, what was saved and by whom (409).
    measured = indicator(world, concern(world))
    client.force_login(world.agency_user)
    assert quarters_ago(1) in client.get(url("point_add", measured.pk)).context["periods"]
    point(measured, world.member, quarters_ago(1), 31)
    before = points_state()
    response = client.post(url("point_add", measured.pk), {"period": quarters_ago(1).isoformat(), "value": "35",
                                                            "note": "Counted by hand."})
    assert points_state() == before
    page = text_of(response)
    assert response.status_code == 409, [line.strip() for line in page.splitlines() if "valid choice" in line]
    assert "already has a value, 31, entered by" in page and f"entered by {world.member}" in page
    assert "What you wrote, to use again: “Counted by hand.”" in page


def correction_data(saved, value, reason="Two CAFs were counted twice.", loaded=None):
    return {"value": str(value), "note": saved.note, "reason": reason,
            "loaded_version": loaded or DataPoint.objects.get(pk=saved.pk).updated_at.isoformat()}


def test_a_correction_keeps_the_old_value_and_the_page_shows_it(client, world):
    measured = indicator(world, concern(world))
    saved = point(measured, world.agency_user, quarters_ago(1), 31)
    client.force_login(world.agency_user)
    page = client.get(url("point_correct", saved.pk))
    assert page.context["form"]["loaded_version"].value() == factories.loaded_version(saved)
    response = client.post(url("point_correct", saved.pk), correction_data(saved, 29))
    assert response.status_code == 302
    assert DataPoint.objects.get().value == Decimal(29)
    correction = DataPointCorrection.objects.get()
    assert (correction.point, correction.old_value, correction.new_value, correction.reason,
            correction.corrected_by) == (saved, Decimal(31), Decimal(29), "Two CAFs were counted twice.",
                                         world.agency_user)
    change = history_of(saved).first()
    assert (change.verb, change.actor, list(change.changes)) == (ChangeRecord.Verb.CHANGED, world.agency_user, ["value"])
    assert [Decimal(v) for v in change.changes["value"]] == [31, 29]
    shown = client.get(measured.get_absolute_url()).content.decode()
    assert f"Corrected from 31 to 29 by {world.agency_user}" in shown


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(client, world):
    measured = indicator(world, concern(world))
    saved = point(measured, world.agency_user, quarters_ago(1), 31)
    client.force_login(world.member)
    before = points_state()
    response = client.post(url("point_correct", saved.pk), correction_data(saved, 29, reason="  "))
    assert response.status_code == 400
    assert "Say why the value is corrected" in response.content.decode()
    with pytest.raises(lifecycle.Refused, match="Say why the value is corrected"):
        services.data_point_correct(point=saved, actor=world.member, value=Decimal(29), reason=" ",
                                    loaded_version=DataPoint.objects.get(pk=saved.pk).updated_at)
    assert points_state() == before


def test_a_correction_from_a_value_changed_since_gets_409_and_keeps_the_other_value(client, world):
    measured = indicator(world, concern(world))
    saved = point(measured, world.agency_user, quarters_ago(1), 31)
    opened = factories.loaded_version(saved)
    services.data_point_correct(point=saved, actor=world.admin, value=Decimal(33), reason="The late returns came in.",
                                loaded_version=DataPoint.objects.get(pk=saved.pk).updated_at)
    client.force_login(world.agency_user)
    before = points_state()
    response = client.post(url("point_correct", saved.pk),
                           correction_data(saved, 29, reason="Counted twice.", loaded=opened))
    assert response.status_code == 409
    page = text_of(response)
    assert "This value was changed to 33" in page and f"by {world.admin} on" in page
    assert "What you wrote, to use again: “Counted twice.”" in page
    assert points_state() == before
    assert DataPoint.objects.get().value == Decimal(33)
    # The form now carries the version it was refused against: saving again on purpose goes through.
    assert response.context["form"].data["loaded_version"] == factories.loaded_version(saved)


# --- evidence behind values -----------------------------------------------------------------------------------------


def test_evidence_entered_with_a_value_is_read_by_its_agency_and_the_board_and_no_other_agency(client, world):
    measured = indicator(world, concern(world))
    client.force_login(world.agency_user)
    response = client.post(url("point_add", measured.pk), {"period": quarters_ago(1).isoformat(), "value": "31",
                                                            "files": [pdf_upload("caf-return.pdf")]})
    assert response.status_code == 302
    kept = ConcernFile.objects.get()
    assert (kept.point, kept.original_name, kept.content_type, kept.uploaded_by) == (
        DataPoint.objects.get(), "caf-return.pdf", "application/pdf", world.agency_user)
    for user in (world.agency_user, world.member, world.chair, world.admin):
        client.force_login(user)
        download = client.get(kept.get_absolute_url())
        assert download.status_code == 200, user
        assert download["Content-Disposition"] == 'attachment; filename="caf-return.pdf"'
        assert b"".join(download.streaming_content) == samples.pdf()
    client.force_login(world.other)  # health: reads the indicator, not the police's evidence
    assert client.get(kept.get_absolute_url()).status_code == 404
    page = client.get(measured.get_absolute_url()).content.decode()
    assert "caf-return.pdf" not in page and kept.get_absolute_url() not in page
    client.force_login(world.consultant)
    assert client.get(kept.get_absolute_url()).status_code == 403


def test_a_file_that_is_not_what_it_claims_is_refused_and_no_value_is_kept(client, world, settings):
    measured = indicator(world, concern(world))
    client.force_login(world.agency_user)
    response = client.post(url("point_add", measured.pk), {"period": quarters_ago(1).isoformat(), "value": "31",
                                                            "files": [pdf_upload("return.pdf", samples.html())]})
    assert response.status_code == 400
    assert "return.pdf" in response.content.decode()
    assert not DataPoint.objects.exists() and not ConcernFile.objects.exists()
    assert stored_files(settings) == set()


def test_a_concern_file_changed_in_storage_is_not_served(client, world, settings):
    measured = indicator(world, concern(world))
    point(measured, world.agency_user, quarters_ago(1), 31, uploads_=[checked_pdf("caf-return.pdf")])
    kept = ConcernFile.objects.get()
    stored = Path(settings.MEDIA_ROOT) / kept.stored_name
    stored.write_bytes(stored.read_bytes().replace(b"212 staff", b"999 staff"))
    client.force_login(world.member)
    response = client.get(kept.get_absolute_url())
    assert response.status_code == 409
    assert b"999 staff" not in response.content
    stored.unlink()
    assert client.get(kept.get_absolute_url()).status_code == 409


# --- the register ---------------------------------------------------------------------------------------------------


@pytest.fixture
def register(world):
    """Concerns in each status with indicators in each RAG. Open: A (police and health) with a red indicator of the
    police (20 against 40) and an amber one of health (37), late for the quarter before last; B (police only) with
    a green one and a red one. Monitoring: C (health only), with an indicator without data, late. Closed: D (police
    and health), with a red indicator, late."""
    w = world
    w.a = concern(w, title="A")
    w.b = concern(w, title="B", agencies=[w.police])
    w.c = concern(w, title="C", agencies=[w.health])
    w.d = concern(w, title="D")
    a_red = indicator(w, w.a, name="A red", first_period=quarters_ago(2))
    point(a_red, w.agency_user, quarters_ago(2), 30)
    point(a_red, w.agency_user, quarters_ago(1), 20)
    a_amber = indicator(w, w.a, owner=w.health, name="A amber")
    point(a_amber, w.other, quarters_ago(1), 37)
    b_green = indicator(w, w.b, name="B green", first_period=quarters_ago(1))
    point(b_green, w.agency_user, quarters_ago(1), 45)
    b_red = indicator(w, w.b, name="B red", first_period=quarters_ago(1), target=Decimal(10),
                      direction=Indicator.Direction.LOWER)
    point(b_red, w.agency_user, quarters_ago(1), 12)
    indicator(w, w.c, owner=w.health, name="C none")
    d_red = indicator(w, w.d, name="D red")
    point(d_red, w.agency_user, quarters_ago(1), 5)
    services.move_concern("monitor", concern=w.c, actor=w.member, seen=Status.OPEN)
    services.move_concern("close", concern=w.d, actor=w.member, seen=Status.OPEN, reason="Handed to the Trust.")
    return w


def listed(client, query=""):
    response = client.get(url("concerns") + query)
    assert response.status_code == 200
    return response, [c.title for c in response.context["page"].object_list]


def test_the_register_lists_open_concerns_first(client, register):
    client.force_login(register.member)
    _, titles = listed(client)
    assert titles == ["A", "B", "C", "D"]


@pytest.mark.parametrize("status", ["open", "monitoring", "closed"])
def test_each_status_figure_opens_a_list_of_that_many_concerns(client, register, status):
    client.force_login(register.member)
    response, _ = listed(client)
    figure = response.context["summary"].by_status[status]
    assert f'<a href="?status={status}">{figure} {status}</a>' in response.content.decode()
    filtered, titles = listed(client, f"?status={status}")
    assert len(titles) == figure == filtered.context["page"].paginator.count
    assert {"open": ["A", "B"], "monitoring": ["C"], "closed": ["D"]}[status] == titles


def test_the_indicator_figures_count_the_concerns_not_closed(client, register):
    client.force_login(register.member)
    response, _ = listed(client)
    rag = response.context["summary"].rag
    assert (rag.red, rag.amber, rag.green, rag.none) == (2, 1, 1, 1)
    # A amber and C none miss the two quarters before last; C none the last one too once it is due.
    last_due = rules.due_on(quarters_ago(1), QUARTERLY) < today()
    assert rag.late == 4 + last_due
    page = response.content.decode()
    assert '<a href="?rag=red">2 red</a>' in page and '<a href="?rag=amber">1 amber</a>' in page


@pytest.mark.parametrize("rag", ["red", "amber", "late"])
def test_each_indicator_figure_opens_the_concerns_whose_indicators_it_counts(client, register, rag):
    # The figure counts indicators (or late values) of the concerns not closed; the list it opens must hold exactly
    # the concerns those indicators belong to, and their count must add up to the figure.
    client.force_login(register.member)
    response, _ = listed(client)
    figure = getattr(response.context["summary"].rag, rag)
    filtered, titles = listed(client, f"?rag={rag}")
    shown = filtered.context["page"].object_list
    counted = sum(len(i.late) if rag == "late" else i.rag == rag for c in shown for i in c.indicator_list)
    assert counted == figure, (titles, figure)
    assert "D" not in titles  # closed: its red, late indicator is in no figure


def test_an_agency_users_register_lists_and_counts_only_the_concerns_naming_its_agency(client, register):
    client.force_login(register.other)  # health: A and C (and the closed D), never B
    response, titles = listed(client)
    assert titles == ["A", "C", "D"]
    summary = response.context["summary"]
    assert summary.by_status == {"open": 1, "monitoring": 1, "closed": 1}
    assert (summary.rag.red, summary.rag.amber, summary.rag.green, summary.rag.none) == (1, 1, 0, 1)
    assert register.b.get_absolute_url() not in response.content.decode()
    for query in ("?rag=red", "?status=open", f"?agency={register.police.pk}"):
        assert "B" not in listed(client, query)[1], query


def test_the_consultant_has_no_part_in_board_concerns(client, register):
    client.force_login(register.consultant)
    assert client.get(url("concerns")).status_code == 403
    assert client.get(register.a.get_absolute_url()).status_code == 403


# --- a fixed number of queries -----------------------------------------------------------------------------------


_grown = itertools.count(1)


def grow(world, n, main):
    """``n`` concerns (besides ``main``), each with an indicator with two values and a log line; and on ``main``,
    ``n`` more indicators, values, log lines, corrections and files."""
    for _ in range(n):
        i = next(_grown)
        other = concern(world, title=f"Concern {i}", agencies=[world.police, world.health])
        made = indicator(world, other, name=f"Indicator {i}", owner=[world.police, world.health][i % 2])
        user = world.agency_user if i % 2 == 0 else world.other
        point(made, user, quarters_ago(3), 20 + i)
        point(made, user, quarters_ago(2), 25 + i)
        services.entry_add(concern=other, actor=world.member, text=f"Line {i}.", on=ago(i + 1))
        services.entry_add(concern=main, actor=world.agency_user, text=f"Response {i}.", on=ago(i + 1))
        extra = indicator(world, main, name=f"Main {i}", owner=[world.police, world.health][i % 2])
        point(extra, user, quarters_ago(1), 30 + i)
    measured = main.indicators.order_by("pk").first()
    for period in open_periods_without_values(measured)[:n]:
        saved = point(measured, world.agency_user, period, 10, uploads_=[checked_pdf("return.pdf")])
        services.data_point_correct(point=saved, actor=world.member, value=Decimal(12), reason="Recounted.",
                                    loaded_version=saved.updated_at, uploads=[checked_pdf("recount.pdf")])


def open_periods_without_values(measured):
    return selectors.periods_to_enter(measured, measured.points.all(), today())


@pytest.mark.parametrize("role", ["member", "agency_user"])
def test_the_register_concern_and_indicator_pages_run_the_same_queries_however_much_they_show(client, world, role):
    main = concern(world, title="The measured concern")
    first = indicator(world, main, name="The measured indicator", first_period=rules.period_of(ago(365 * 3), QUARTERLY))
    point(first, world.agency_user, first.first_period, 5)
    client.force_login(getattr(world, role))
    pages = [url("concerns"), main.get_absolute_url(), first.get_absolute_url()]

    def measure():
        counts, sizes = [], []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page)
            assert response.status_code == 200
            counts.append(len(queries))
            sizes.append(len(response.content))
        return counts, sizes

    grow(world, 1, main)
    small, small_sizes = measure()
    grow(world, 6, main)
    large, large_sizes = measure()
    assert all(big > little for big, little in zip(large_sizes, small_sizes, strict=True))  # they show more
    assert large == small


# --- the seeded demo ------------------------------------------------------------------------------------------------


def test_the_seeded_demo_has_the_papers_three_concerns(settings, db):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())
    concerns = {c.title: c for c in Concern.objects.all()}
    assert set(concerns) == {
        "Social workers' caseloads remain very high",
        "Slow take-up of the Common Assessment Framework",
        "Information sharing protocol not implemented by all partners",
    }
    indicators = selectors.indicators_of(list(concerns.values()))
    by_owner = {(i.concern.title[:6], i.owner.short_name): i for i in indicators}

    caseloads = concerns["Social workers' caseloads remain very high"]
    assert caseloads.status == Status.MONITORING
    (caseload,) = [i for i in indicators if i.concern_id == caseloads.pk]
    values = list(caseload.points.order_by("period").values_list("value", flat=True))
    assert len(values) == 4 and values == sorted(values, reverse=True)  # falling every quarter...
    assert values[-1] > caseload.target and caseload.direction == Indicator.Direction.LOWER  # ...still above target
    assert caseload.rag == rules.Rag.RED

    caf = {owner: i.rag for (title, owner), i in by_owner.items() if title == "Slow t"}
    assert caf == {"Education": rules.Rag.AMBER, "Health": rules.Rag.RED, "Voluntary": rules.Rag.GREEN}
    (protocol,) = [i for i in indicators if i.concern.title.startswith("Information sharing")]
    assert protocol.rag == rules.Rag.RED
    assert all(not i.late for i in indicators)  # every value due is in
    assert Entry.objects.filter(kind=Entry.Kind.RESPONSE).count() == 4


# --- the admin site -------------------------------------------------------------------------------------------------


def test_the_admin_site_shows_board_concerns_read_only(client, world):
    made = concern(world)
    measured = indicator(world, made)
    saved = point(measured, world.agency_user, quarters_ago(1), 31, uploads_=[checked_pdf("caf-return.pdf")])
    services.data_point_correct(point=saved, actor=world.member, value=Decimal(30), reason="Recounted.",
                                loaded_version=saved.updated_at)
    services.entry_add(concern=made, actor=world.member, text="Raised again.", on=ago(1))
    client.force_login(world.admin)
    before = points_state(), concern_state(made)
    for obj in (made, measured, DataPoint.objects.get(), ConcernFile.objects.get()):
        model = type(obj)
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        change = client.get(admin_url(obj, "change", obj.pk))
        assert change.status_code == 200, model
        assert set(change.context["adminform"].form.fields) == set(), model  # every field read-only
        assert 'name="_save"' not in change.content.decode(), model
        assert client.post(admin_url(obj, "change", obj.pk), {"title": "Renamed", "value": "1"}).status_code == 403
        assert client.get(admin_url(model, "add")).status_code == 403, model
        assert client.post(admin_url(model, "add"), {}).status_code == 403, model
        assert client.get(admin_url(obj, "delete", obj.pk)).status_code == 403, model
        assert client.post(admin_url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
    # The log and the corrections are read on their concern's and data point's pages, in inlines with no input.
    page = client.get(admin_url(made, "change", made.pk)).content.decode()
    assert "Raised again." in page and 'name="entries-0-text"' not in page
    page = client.get(admin_url(saved, "change", saved.pk)).content.decode()
    assert "Recounted." in page and 'name="corrections-0-reason"' not in page
    assert (points_state(), concern_state(made)) == before


# --- quiet concerns: the register's filter and the member's home list ------------------------------------------------


@pytest.mark.parametrize(("last", "quiet"), [(89, False), (90, True), (91, True), (400, True)])
@pytest.mark.parametrize("through", ["raised", "entry"])
def test_a_concern_is_quiet_from_90_days_after_its_last_line_in_python_and_in_sql(world, last, quiet, through):
    """rules.quiet_days (the reminders') and rules.quiet_in_sql (the register's filter, the home list) agree at the
    boundary, counted from the latest log line or, with none, the day it was raised."""
    if through == "raised":
        made = concern(world, raised_on=ago(last))
    else:
        made = concern(world, raised_on=ago(500))
        services.entry_add(concern=made, actor=world.member, text="The Trust has replied.", on=ago(last + 30))
        services.entry_add(concern=made, actor=world.member, text="Caseloads reported.", on=ago(last))
    annotated = rules.with_last_activity(Concern.objects.filter(pk=made.pk)).get()
    assert (rules.quiet_days(annotated.last_activity, today()) is not None) is quiet
    assert list(rules.quiet_in_sql(Concern.objects.all(), today())) == ([made] if quiet else [])


def test_a_closed_concern_is_never_quiet(world):
    made = concern(world, raised_on=ago(400))
    services.move_concern("close", concern=made, actor=world.member, seen=made.status, reason="The protocol is signed.")
    assert list(rules.quiet_in_sql(Concern.objects.all(), today())) == []


def test_the_members_home_lists_the_quiet_concerns_the_register_opens_longest_quiet_first(client, world):
    oldest = concern(world, title="Caseloads remain very high", raised_on=ago(300))
    newer = concern(world, title="Information sharing protocol", raised_on=ago(120))
    concern(world, title="Recently raised", raised_on=ago(10))
    client.force_login(world.member)
    home = client.get(reverse("home"))
    listed = next(item for item in home.context["home"].lists if item.key == "quiet")
    assert listed.count == 2 and listed.items == [oldest, newer]
    register = client.get(listed.url)
    assert list(register.context["page"].object_list) == [newer, oldest]  # the register's order: latest raised first
    assert "2 concerns." in text_of(register)
    assert "Board concerns with no update for 90 days" in text_of(home)


def test_the_home_list_says_so_when_every_concern_has_been_updated(client, world):
    concern(world, raised_on=ago(10))
    client.force_login(world.member)
    home = client.get(reverse("home"))
    assert "Every board concern has had an update in the last 90 days." in text_of(home)
