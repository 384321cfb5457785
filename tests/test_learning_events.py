"""Learning events through their pages (the learning cycle): recording an event, moving it (held, cancelled,
scheduled again) and what is refused; each agency's attendance, who may record it and corrections that would lose
someone's update; registers and materials through the upload gate, and who reads them; the event list's filters,
the theme page and the dashboard's dissemination matrix."""

import datetime
from html import escape
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import access
from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import today
from audit.models import ChangeRecord
from audit.services import history_of
from dashboard import versions
from evidence.uploads import check_upload
from learning import rules, selectors, services
from learning.models import Attendance, LearningEvent, LearningFile
from tests import evidence_samples as samples
from tests import factories
from tests.test_races import hidden_fields

Status = LearningEvent.Status
CONFLICT = "While you were working"


def ago(n):
    return today() - datetime.timedelta(days=n)


def event(actor, themes, **values):
    """A learning event recorded through the service: scheduled, a week ago unless ``held_on`` says otherwise."""
    defaults = {
        "title": "Hidden men: working with fathers",
        "kind": LearningEvent.Kind.WORKSHOP,
        "audience": LearningEvent.Audience.ALL,
        "held_on": ago(7),
        "facilitator": "The board's training officer",
        "description": "Case studies from two reviews.",
    }
    return services.event_create(actor=actor, themes=themes, **{**defaults, **values})


def held(ev, actor):
    """The event marked as held through the service, from the status it is in (its date must not be future)."""
    return services.move_event("hold", event=ev, actor=actor, seen=ev.status)


def held_event(w, themes=None, **values):
    return held(event(w.member, [w.theme] if themes is None else themes, **values), w.member)


def record(ev, agency, actor, attended, note=""):
    return services.attendance_record(event=ev, agency=agency, actor=actor, attended=attended, note=note)


def url(name, *args):
    return reverse(f"learning:{name}", args=args)


def event_state(ev):
    """The event's row and its change records: what a refused request must leave as it was."""
    return (
        LearningEvent.objects.filter(pk=ev.pk).values().get(),
        list(history_of(ev).values_list("pk", flat=True)),
    )


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def pdf_upload(name="register.pdf", data=None):
    return SimpleUploadedFile(name, samples.pdf() if data is None else data, content_type="application/pdf")


# --- recording an event -------------------------------------------------------------------------------------------


def test_a_member_records_an_event_and_it_is_scheduled_with_its_change_record(client, world):
    second = factories.theme(name="Information sharing")
    client.force_login(world.member)
    response = client.post(url("event_create"), {
        "title": "  Hidden men: working with fathers  ", "kind": "briefing", "audience": "supervisors_managers",
        "held_on": ago(-14).isoformat(), "facilitator": "The board's training officer",
        "themes": [world.theme.pk, second.pk], "description": "Two case studies.", "loaded_version": "",
    })
    ev = LearningEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == ev.get_absolute_url()
    assert ev.title == "Hidden men: working with fathers"  # trimmed
    assert ev.status == Status.SCHEDULED and ev.status_changed_at is None
    assert (ev.kind, ev.audience, ev.held_on) == ("briefing", "supervisors_managers", ago(-14))
    assert set(ev.themes.all()) == {world.theme, second}
    assert ev.created_by == world.member
    created = history_of(ev).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, world.member)
    assert created.changes["status"] == [None, "Scheduled"]
    assert created.changes["themes"] == [None, "Engaging male partners, Information sharing"]
    page = client.get(ev.get_absolute_url()).content.decode()
    assert "recorded as scheduled" in page


def test_an_event_with_no_theme_is_refused_and_nothing_is_recorded(client, world):
    client.force_login(world.member)
    response = client.post(url("event_create"), {
        "title": "A talk", "kind": "workshop", "audience": "all_practitioners", "held_on": ago(1).isoformat(),
        "facilitator": "Someone", "description": "", "loaded_version": "",
    })
    assert response.status_code == 400
    assert "Choose at least one theme the event carries." in response.content.decode()
    assert not LearningEvent.objects.exists()
    assert not ChangeRecord.objects.filter(object_repr__startswith="A talk").exists()


@pytest.mark.parametrize("role", ["agency", "chair", "consultant"])
def test_only_members_record_and_change_events(client, world, role):
    user = {"agency": world.agency_user, "chair": world.chair, "consultant": world.consultant}[role]
    ev = event(world.member, [world.theme])
    client.force_login(user)
    assert client.get(url("event_create")).status_code == 403
    assert client.get(url("event_edit", ev.pk)).status_code == 403
    assert client.get(url("event_move", ev.pk, "cancel")).status_code == 403
    assert client.get(url("materials_add", ev.pk)).status_code == 403
    assert client.get(ev.get_absolute_url()).status_code == 200  # everyone reads it
    with pytest.raises(PermissionDenied):
        services.move_event("cancel", event=ev, actor=user, seen=ev.status, reason="No.")
    ev.refresh_from_db()
    assert ev.status == Status.SCHEDULED


# --- moving an event --------------------------------------------------------------------------------------------


def move_page(client, ev, move):
    """Open the move's page; return what its form will post (the hidden status and moment the page carries)."""
    page_url = url("event_move", ev.pk, move)
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return page_url, hidden_fields(page.content.decode(), page_url, page_url)


def test_an_event_cannot_be_marked_as_held_before_its_date(client, world):
    ev = event(world.member, [world.theme], held_on=ago(-3))
    client.force_login(world.member)
    response = client.get(url("event_move", ev.pk, "hold"))
    assert response.status_code == 403
    assert "hold" not in services.moves_for(world.member, ev)
    before = event_state(ev)
    with pytest.raises(lifecycle.Refused) as refused:
        held(ev, world.member)
    assert not isinstance(refused.value, lifecycle.Conflict)
    assert "it can be marked as held from that day" in refused.value.messages[0]
    posted = client.post(url("event_move", ev.pk, "hold"), {"seen_status": "scheduled", "seen_changed_at": "never"})
    assert posted.status_code == 403
    assert "it can be marked as held from that day" in posted.content.decode()
    assert event_state(ev) == before


def test_an_event_held_today_can_be_marked_as_held(world):
    ev = held(event(world.member, [world.theme], held_on=today()), world.member)
    assert LearningEvent.objects.get(pk=ev.pk).status == Status.HELD


def test_hold_then_its_change_is_on_record(client, world):
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    page_url, data = move_page(client, ev, "hold")
    assert data == {"seen_status": "scheduled", "seen_changed_at": "never"}
    response = client.post(page_url, data)
    assert response.status_code == 302
    ev.refresh_from_db()
    assert ev.status == Status.HELD and ev.status_changed_at is not None
    change = history_of(ev).first()
    assert (change.verb, change.actor) == (ChangeRecord.Verb.CHANGED, world.member)
    assert change.changes == {"status": ["Scheduled", "Held"]}
    assert client.get(url("event_move", ev.pk, "hold")).status_code == 403  # not twice
    assert client.get(url("event_move", ev.pk, "cancel")).status_code == 403  # a held event stays held


def test_cancelling_needs_a_reason_and_keeps_it_and_reinstating_clears_it(client, world):
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    page_url, data = move_page(client, ev, "cancel")
    before = event_state(ev)
    refused = client.post(page_url, {**data, "reason": "   "})
    assert refused.status_code == 400
    assert "Give the reason the event is cancelled" in refused.content.decode()
    assert event_state(ev) == before
    assert client.post(page_url, {**data, "reason": "The trainer is ill."}).status_code == 302
    ev.refresh_from_db()
    assert (ev.status, ev.cancellation_reason) == (Status.CANCELLED, "The trainer is ill.")
    assert history_of(ev).first().changes == {
        "status": ["Scheduled", "Cancelled"], "cancellation reason": ["—", "The trainer is ill."]
    }
    page_url, data = move_page(client, ev, "reinstate")
    assert client.post(page_url, data).status_code == 302
    ev.refresh_from_db()
    assert (ev.status, ev.cancellation_reason) == (Status.SCHEDULED, "")
    assert history_of(ev).first().changes["status"] == ["Cancelled", "Scheduled"]


def test_a_move_from_a_status_that_has_changed_since_is_refused_with_409(client, world):
    other = factories.user(Role.MEMBER, username="member2")
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    page_url, data = move_page(client, ev, "hold")
    services.move_event("cancel", event=ev, actor=other, seen=Status.SCHEDULED, reason="No venue.")
    before = event_state(ev)
    response = client.post(page_url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT in html
    assert "changed from scheduled to cancelled by Test User" in html
    assert "nothing of yours was saved" in html
    assert event_state(ev) == before
    assert LearningEvent.objects.get(pk=ev.pk).cancellation_reason == "No venue."


def test_a_move_after_a_cancel_and_reinstate_since_is_refused_by_its_moment(client, world):
    other = factories.user(Role.MEMBER, username="member2")
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    page_url, data = move_page(client, ev, "cancel")
    cancelled = services.move_event("cancel", event=ev, actor=other, seen=Status.SCHEDULED, reason="No venue.")
    services.move_event("reinstate", event=cancelled, actor=other,
                        seen=lifecycle.Seen(Status.CANCELLED, cancelled.status_changed_at))
    before = event_state(ev)
    assert before[0]["status"] == Status.SCHEDULED == data["seen_status"]  # the status alone looks the same
    response = client.post(page_url, {**data, "reason": "The trainer is ill."})
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT in html and "changed and is now scheduled again" in html
    assert "What you wrote, to use again: “The trainer is ill.”" in html
    assert event_state(ev) == before


def test_a_refused_move_names_who_moved_the_event_not_who_edited_it_since(world):
    mover = factories.user(Role.MEMBER, username="mover")
    editor = factories.user(Role.MEMBER, username="editor")
    ev = event(world.member, [world.theme])
    services.move_event("cancel", event=ev, actor=mover, seen=Status.SCHEDULED, reason="No venue.")
    services.event_update(event=LearningEvent.objects.get(pk=ev.pk), actor=editor, title="Renamed")
    with pytest.raises(lifecycle.Conflict) as refused:
        held(ev, world.member)  # ev as loaded while it was scheduled: the page the member acts from
    assert f"changed from scheduled to cancelled by {mover} on" in refused.value.messages[0]


def test_the_service_refuses_a_stale_moment_with_a_conflict(world):
    ev = event(world.member, [world.theme])
    cancelled = services.move_event("cancel", event=ev, actor=world.member, seen=Status.SCHEDULED, reason="X.")
    seen_when_cancelled = lifecycle.Seen(Status.CANCELLED, cancelled.status_changed_at)
    services.move_event("reinstate", event=ev, actor=world.member, seen=seen_when_cancelled)
    again = services.move_event("cancel", event=ev, actor=world.member, seen=Status.SCHEDULED, reason="Y.")
    with pytest.raises(lifecycle.Conflict):  # reinstating from the first cancellation, which is not this one
        services.move_event("reinstate", event=ev, actor=world.member, seen=seen_when_cancelled)
    assert LearningEvent.objects.get(pk=ev.pk).status_changed_at == again.status_changed_at


# --- editing an event --------------------------------------------------------------------------------------------


def edit_data(ev, **changes):
    data = {
        "title": ev.title, "kind": ev.kind, "audience": ev.audience, "held_on": ev.held_on.isoformat(),
        "facilitator": ev.facilitator, "themes": [t.pk for t in ev.themes.all()], "description": ev.description,
        "loaded_version": factories.loaded_version(ev),
    }
    return {**data, **changes}


def test_a_held_events_date_cannot_be_moved_into_the_future(client, world):
    ev = held_event(world)
    client.force_login(world.member)
    before = event_state(ev)
    response = client.post(url("event_edit", ev.pk), edit_data(ev, held_on=ago(-1).isoformat()))
    assert response.status_code == 400
    assert "This event has been held: its date cannot be in the future." in response.content.decode()
    assert event_state(ev) == before
    with pytest.raises(ValidationError, match="its date cannot be in the future"):
        services.event_update(event=LearningEvent.objects.get(pk=ev.pk), actor=world.member, held_on=ago(-1))
    assert event_state(ev) == before
    assert client.post(url("event_edit", ev.pk), edit_data(ev, held_on=ago(30).isoformat())).status_code == 302
    assert LearningEvent.objects.get(pk=ev.pk).held_on == ago(30)  # into the past is a correction, allowed


def test_an_edit_form_opened_before_someone_elses_save_is_refused_and_nothing_is_saved(client, world):
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    stale = edit_data(ev, title="The first member's title")
    other = factories.user(Role.MEMBER, username="member2")
    services.event_update(event=LearningEvent.objects.get(pk=ev.pk), actor=other, title="The second member's")
    before = event_state(ev)
    response = client.post(url("event_edit", ev.pk), stale)
    assert response.status_code == 400
    assert "Someone else saved this after you opened it, so nothing of yours was saved." in response.content.decode()
    assert event_state(ev) == before
    assert LearningEvent.objects.get(pk=ev.pk).title == "The second member's"


# --- attendance -------------------------------------------------------------------------------------------------


def attendance_data(attended, note="", loaded=""):
    return {"attended": attended, "note": note, "loaded_version": loaded}


def test_no_attendance_is_recorded_before_the_event_is_held(client, world):
    ev = event(world.member, [world.theme])
    client.force_login(world.agency_user)
    assert client.get(url("attendance", ev.pk, world.police.pk)).status_code == 403
    assert client.post(url("attendance", ev.pk, world.police.pk), attendance_data(3)).status_code == 403
    with pytest.raises(lifecycle.Refused):
        record(ev, world.police, world.member, 3)
    assert not Attendance.objects.exists()


def test_an_agency_user_records_their_own_agencys_attendance_and_it_is_on_record(client, world):
    ev = held_event(world)
    client.force_login(world.agency_user)
    response = client.post(url("attendance", ev.pk, world.police.pk),
                           attendance_data(12, "  From the child protection teams.  "))
    assert response.status_code == 302
    assert response["Location"] == f"{ev.get_absolute_url()}#attendance-{world.police.pk}"
    saved = Attendance.objects.get()
    assert (saved.event, saved.agency, saved.attended, saved.note, saved.created_by) == (
        ev, world.police, 12, "From the child protection teams.", world.agency_user)
    created = history_of(saved).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, world.agency_user)
    assert created.changes["people who attended"] == [None, "12"]


def test_an_agency_user_cannot_record_another_agencys_attendance(client, world):
    ev = held_event(world)
    client.force_login(world.agency_user)  # police
    assert client.get(url("attendance", ev.pk, world.health.pk)).status_code == 403
    assert client.post(url("attendance", ev.pk, world.health.pk), attendance_data(5)).status_code == 403
    with pytest.raises(PermissionDenied):
        record(ev, world.health, world.agency_user, 5)
    assert not Attendance.objects.exists()


def test_a_member_records_any_partner_agencys_attendance_but_not_the_boards(client, world):
    ev = held_event(world)
    client.force_login(world.member)
    for agency, people in ((world.police, 4), (world.health, 0)):
        assert client.post(url("attendance", ev.pk, agency.pk), attendance_data(people)).status_code == 302
    assert dict(Attendance.objects.values_list("agency", "attended")) == {world.police.pk: 4, world.health.pk: 0}
    assert client.get(url("attendance", ev.pk, world.board.pk)).status_code == 404
    assert client.post(url("attendance", ev.pk, world.board.pk), attendance_data(9)).status_code == 404
    assert not Attendance.objects.filter(agency=world.board).exists()
    # Nor through the service, whoever calls it.
    with pytest.raises(lifecycle.Refused, match="its own attendance is not counted"):
        services.attendance_record(event=ev, agency=world.board, actor=world.member, attended=9)
    assert not Attendance.objects.filter(agency=world.board).exists()


def test_a_correction_from_the_current_version_saves_and_the_history_keeps_the_old_number(client, world):
    ev = held_event(world)
    first = record(ev, world.police, world.agency_user, 12)
    client.force_login(world.member)
    page = client.get(url("attendance", ev.pk, world.police.pk))
    assert page.context["form"]["loaded_version"].value() == factories.loaded_version(first)
    response = client.post(url("attendance", ev.pk, world.police.pk),
                           attendance_data(15, "Two late arrivals.", factories.loaded_version(first)))
    assert response.status_code == 302
    assert Attendance.objects.get().attended == 15
    change = history_of(first).first()
    assert (change.verb, change.actor) == (ChangeRecord.Verb.CHANGED, world.member)
    assert change.changes["people who attended"] == ["12", "15"]
    page = client.get(url("attendance", ev.pk, world.police.pk)).content.decode()
    assert "People who attended changed from 12 to 15 by Test User" in page


def test_a_correction_from_an_old_version_is_refused_and_keeps_the_stored_number(client, world):
    ev = held_event(world)
    first = record(ev, world.police, world.agency_user, 12)
    opened = factories.loaded_version(first)
    services.attendance_record(event=ev, agency=world.police, actor=world.agency_user, attended=14,
                               loaded_version=Attendance.objects.get().updated_at)
    client.force_login(world.member)
    before = list(ChangeRecord.objects.values_list("pk", flat=True))
    response = client.post(url("attendance", ev.pk, world.police.pk),
                           attendance_data(20, "Counted again.", opened))
    assert response.status_code == 409
    html = response.content.decode()
    assert "nothing of yours was saved" in html
    assert "recorded as 14" in html
    assert "What you wrote, to use again: “Counted again.”" in html
    assert Attendance.objects.get().attended == 14
    assert list(ChangeRecord.objects.values_list("pk", flat=True)) == before
    # the form now carries the version it was refused against: saving again on purpose goes through
    assert response.context["form"].data["loaded_version"] == factories.loaded_version(first)


def test_a_first_record_when_someone_has_recorded_one_meanwhile_is_refused(client, world):
    ev = held_event(world)
    record(ev, world.police, world.member, 7)
    client.force_login(world.agency_user)
    response = client.post(url("attendance", ev.pk, world.police.pk), attendance_data(9))  # opened when empty
    assert response.status_code == 409
    assert "nothing of yours was saved" in response.content.decode()
    assert Attendance.objects.get().attended == 7


@pytest.mark.parametrize("attended", ["-1", "-40", "", "many"])
def test_a_negative_or_missing_number_is_refused(client, world, attended):
    ev = held_event(world)
    client.force_login(world.agency_user)
    response = client.post(url("attendance", ev.pk, world.police.pk), attendance_data(attended))
    assert response.status_code == 400
    assert not Attendance.objects.exists()


# --- registers and materials -------------------------------------------------------------------------------------


def test_a_register_is_kept_through_the_upload_gate_for_its_agency(client, world, settings):
    ev = held_event(world)
    client.force_login(world.agency_user)
    response = client.post(url("attendance", ev.pk, world.police.pk),
                           {**attendance_data(12), "register": pdf_upload("sign-in sheet.pdf")})
    assert response.status_code == 302
    kept = LearningFile.objects.get()
    assert (kept.event, kept.kind, kept.agency, kept.uploaded_by) == (
        ev, LearningFile.Kind.REGISTER, world.police, world.agency_user)
    assert (kept.original_name, kept.content_type, kept.size) == ("sign-in sheet.pdf", "application/pdf",
                                                                 len(samples.pdf()))
    assert kept.stored_name.startswith(f"{services.FOLDER}/") and "sign-in" not in kept.stored_name
    stored = Path(settings.MEDIA_ROOT) / kept.stored_name
    assert stored.read_bytes() == samples.pdf()
    assert history_of(kept).get().verb == ChangeRecord.Verb.CREATED
    assert Attendance.objects.get().attended == 12
    page = client.get(ev.get_absolute_url()).content.decode()
    assert f'href="{kept.get_absolute_url()}"' in page


@pytest.mark.parametrize(
    ("name", "data"),
    [("register.pdf", samples.elf()), ("register.pdf", samples.html()), ("register.pdf", samples.shell_script()),
     ("register.exe", samples.elf())],
    ids=["executable-as-pdf", "html-as-pdf", "script-as-pdf", "executable"],
)
def test_a_register_whose_content_is_not_what_it_claims_is_refused_and_nothing_is_written(
    client, world, settings, name, data
):
    ev = held_event(world)
    client.force_login(world.agency_user)
    records_before = ChangeRecord.objects.count()
    response = client.post(url("attendance", ev.pk, world.police.pk),
                           {**attendance_data(12), "register": pdf_upload(name, data)})
    assert response.status_code == 400
    assert f"“{name}”" in response.content.decode()  # the refusal names the file
    assert not Attendance.objects.exists()
    assert not LearningFile.objects.exists()
    assert stored_files(settings) == set()
    assert ChangeRecord.objects.count() == records_before


def test_a_register_is_read_by_its_agency_and_the_boards_roles_only(client, world):
    ev = held_event(world)
    services.attendance_record(
        event=ev, agency=world.police, actor=world.agency_user, attended=12,
        register=check_upload(pdf_upload()),
    )
    kept = LearningFile.objects.get()
    client.force_login(world.other)  # health
    assert client.get(url("file", kept.pk)).status_code == 404
    page = client.get(ev.get_absolute_url()).content.decode()
    assert kept.get_absolute_url() not in page
    for user in (world.agency_user, world.member, world.chair, world.consultant, world.admin):
        client.force_login(user)
        response = client.get(url("file", kept.pk))
        assert response.status_code == 200, user
        assert response["Content-Disposition"] == 'attachment; filename="register.pdf"'
        assert b"".join(response.streaming_content) == samples.pdf()


def test_materials_are_added_by_a_member_and_read_by_everyone(client, world):
    ev = event(world.member, [world.theme])
    client.force_login(world.agency_user)
    assert client.post(url("materials_add", ev.pk), {"files": [pdf_upload("slides.pdf")]}).status_code == 403
    client.force_login(world.member)
    response = client.post(url("materials_add", ev.pk), {
        "description": "Slides and the case study", "files": [pdf_upload("slides.pdf"), pdf_upload("case.pdf")],
    })
    assert response.status_code == 302
    kept = list(LearningFile.objects.order_by("original_name"))
    assert [(f.original_name, f.kind, f.agency, f.description) for f in kept] == [
        ("case.pdf", LearningFile.Kind.MATERIAL, None, "Slides and the case study"),
        ("slides.pdf", LearningFile.Kind.MATERIAL, None, "Slides and the case study"),
    ]
    for user in (world.agency_user, world.other, world.member, world.chair, world.consultant):
        client.force_login(user)
        for item in kept:
            response = client.get(url("file", item.pk))
            assert response.status_code == 200, (user, item)
            assert b"".join(response.streaming_content) == samples.pdf()


def test_materials_that_are_not_what_they_claim_are_refused_and_nothing_is_kept(client, world, settings):
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    response = client.post(url("materials_add", ev.pk),
                           {"files": [pdf_upload("slides.pdf"), pdf_upload("notes.pdf", samples.html())]})
    assert response.status_code == 400
    assert "notes.pdf" in response.content.decode()
    assert not LearningFile.objects.exists()
    assert stored_files(settings) == set()


def test_a_stored_file_changed_on_disk_is_not_served(client, world, settings):
    ev = event(world.member, [world.theme])
    client.force_login(world.member)
    assert client.post(url("materials_add", ev.pk), {"files": [pdf_upload("slides.pdf")]}).status_code == 302
    kept = LearningFile.objects.get()
    stored = Path(settings.MEDIA_ROOT) / kept.stored_name
    stored.write_bytes(stored.read_bytes().replace(b"212 staff", b"999 staff"))
    response = client.get(url("file", kept.pk))
    assert response.status_code == 409
    assert b"999 staff" not in response.content
    stored.unlink()
    assert client.get(url("file", kept.pk)).status_code == 409


# --- the event list, the theme page and the dashboard --------------------------------------------------------------


@pytest.fixture
def listed(world):
    """Four events on two themes: A held (police 3, health 0), B held (health 2), C scheduled, D cancelled."""
    w = world
    w.second = factories.theme(name="Information sharing")
    w.a = held_event(w, [w.theme], title="A")
    w.b = held_event(w, [w.second], title="B")
    w.c = event(w.member, [w.theme], title="C", held_on=ago(-10))
    w.d = services.move_event("cancel", event=event(w.member, [w.theme, w.second], title="D"), actor=w.member,
                              seen=Status.SCHEDULED, reason="No venue.")
    record(w.a, w.police, w.member, 3)
    record(w.a, w.health, w.member, 0)
    record(w.b, w.health, w.member, 2)
    return w


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", {"A", "B", "C", "D"}),
        ("theme={theme}", {"A", "C", "D"}),
        ("theme={second}", {"B", "D"}),
        ("status=held", {"A", "B"}),
        ("status=cancelled", {"D"}),
        ("attended_by={police}", {"A"}),
        ("attended_by={health}", {"B"}),  # health's 0 at A reaches no one
        ("missed_by={health}", {"A"}),  # held, not reaching health; not the scheduled or cancelled ones
        ("missed_by={police}", {"B"}),
        ("theme={theme}&missed_by={police}", set()),
        ("theme={second}&attended_by={health}", {"B"}),
        ("status=scheduled&theme={theme}", {"C"}),
    ],
)
def test_the_event_list_filters(client, listed, query, titles):
    w = listed
    query = query.format(theme=w.theme.pk, second=w.second.pk, police=w.police.pk, health=w.health.pk)
    client.force_login(w.agency_user)
    response = client.get(f"{url('events')}?{query}")
    assert response.status_code == 200
    shown = {ev.title for ev in response.context["page"]}
    assert shown == titles
    assert f"<p>{len(titles)} event{'' if len(titles) == 1 else 's'}" in response.content.decode()


def test_the_event_list_shows_each_events_reach(client, listed):
    client.force_login(listed.member)
    response = client.get(f"{url('events')}?theme={listed.theme.pk}")
    shown = {ev.title: (ev.people_reached, ev.agencies_reached, ev.recorded) for ev in response.context["page"]}
    assert shown == {"A": (3, 1, 2), "C": (0, 0, 0), "D": (0, 0, 0)}


def test_the_theme_page_shows_its_reviews_and_events_over_the_actions_the_reader_may_see(client, listed):
    w = listed
    w.review.themes.add(w.theme)
    untagged = factories.review(title="Child elsewhere")
    for action in (w.multi_action, w.police_action, w.health_action):
        action.themes.add(w.theme)
    page_url = url("theme", w.theme.pk)
    client.force_login(w.member)
    member_page = client.get(page_url).context["page"]
    client.force_login(w.agency_user)
    response = client.get(page_url)
    police_page = response.context["page"]
    html = response.content.decode()
    assert [review.pk for review in police_page.reviews] == [w.review.pk]
    assert untagged.reference not in html and w.review.reference in html
    assert [ev.title for ev in police_page.events] == ["C", "A", "D"]  # the latest first; not B
    assert (police_page.held, police_page.scheduled, police_page.people) == (1, 1, 3)
    # the health plan's action is not the police user's to see: it is not counted for them
    assert member_page.figures.total == 3
    assert police_page.figures.total == 2
    assert police_page.figures.total == access.visible_actions(w.agency_user).filter(themes=w.theme).count()
    # each review's own figures: all of its actions the reader may see (police: not the health plan's)
    assert (police_page.reviews[0].figures.total, member_page.reviews[0].figures.total) == (3, 4)
    assert police_page.reviews[0].figures.total == access.visible_actions(w.agency_user).filter(
        plan__review=w.review).count()
    reach = {line.short_name: cell.reach for line, cell in police_page.reach}
    assert reach == {"Police": rules.Reach(1, 3, w.a.held_on), "Health": rules.Reach()}
    assert police_page.gaps == 1


def cell_html(line, cell):
    """How the dashboard's matrix shows one cell: "None" for a gap, the people reached otherwise."""
    if cell.reach.gap:
        return f"None<span class=\"visually-hidden\"> reached in {escape(line.short_name)} on {escape(cell.theme.name)}"
    return (f"{cell.reach.people}<span class=\"visually-hidden\"> people from {escape(line.short_name)} reached on "
            f"{escape(cell.theme.name)}")


def test_the_dashboard_shows_the_matrix_with_none_in_the_gaps(client, listed):
    client.force_login(listed.chair)
    response = client.get(reverse("dashboard:index"))
    html = response.content.decode()
    matrix = response.context["matrix"]
    assert [line.short_name for line in matrix.lines] == ["Health", "Police"]  # not the board
    cells = {(line.short_name, cell.theme.name): cell for line in matrix.lines for cell in line.cells}
    assert cells["Police", "Engaging male partners"].reach == rules.Reach(1, 3, listed.a.held_on)
    assert cells["Health", "Information sharing"].reach == rules.Reach(1, 2, listed.b.held_on)
    assert cells["Health", "Engaging male partners"].reach.gap  # 0 at A
    assert cells["Police", "Information sharing"].reach.gap
    for line in matrix.lines:
        for cell in line.cells:
            assert cell_html(line, cell) in html, (line.short_name, cell.theme.name)
            assert f'href="{escape(cell.url)}"' in html
    assert html.count('class="matrix-gap"') == matrix.gaps == 2


@pytest.fixture
def committed(transactional_db, world):
    """The world, committed for real: the dashboard's cache is used only outside a writing transaction."""
    return world


def test_the_dashboards_matrix_changes_as_soon_as_an_attendance_is_recorded(client, committed):
    w = committed
    ev = held_event(w)
    client.force_login(w.member)
    line_of = {line.short_name: line for line in client.get(reverse("dashboard:index")).context["matrix"].lines}
    assert line_of["Police"].cells[0].reach.gap
    kept = versions.peek(versions.LEARNING, ("dissemination", 1))
    assert kept is not None  # the matrix is in the cache now
    assert next(line for line in kept.lines if line.short_name == "Police").cells[0].reach.gap
    client.force_login(w.agency_user)
    assert client.post(url("attendance", ev.pk, w.police.pk), attendance_data(7)).status_code == 302
    client.force_login(w.member)
    response = client.get(reverse("dashboard:index"))
    police = next(line for line in response.context["matrix"].lines if line.short_name == "Police")
    assert police.cells[0].reach == rules.Reach(1, 7, ev.held_on)
    assert cell_html(police, police.cells[0]) in response.content.decode()
    assert selectors.dissemination() == response.context["matrix"]
    # and a correction too
    record_now = Attendance.objects.get()
    client.force_login(w.agency_user)
    assert client.post(url("attendance", ev.pk, w.police.pk),
                       attendance_data(9, loaded=factories.loaded_version(record_now))).status_code == 302
    client.force_login(w.member)
    police = next(line for line in client.get(reverse("dashboard:index")).context["matrix"].lines
                  if line.short_name == "Police")
    assert police.cells[0].reach.people == 9
