"""Writes through the REST API: progress recorded through actionplans.lifecycle exactly as the action page records
it (a progress entry and a change record, a 409 when the status changed since it was read), evidence submitted
through the same checks and storage as the page's, and files downloaded as from the page.

The race at the end needs two database connections at once: PostgreSQL (tests/test_races.py's concurrent_db)."""

import datetime
import functools
import hashlib
import pathlib
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actionplans import lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status, today
from api import tokens
from api.models import ApiToken
from audit.models import ChangeRecord
from evidence.models import Evidence, EvidenceDownload
from tests import api_helpers, factories
from tests import evidence_samples as samples
from tests.api_helpers import bearer, make_token
from tests.test_races import concurrent_db  # noqa: F401 - a fixture


def _progress(client, raw, action, **data):
    """POST progress on ``action`` as JSON; ``seen_status`` defaults to the status now, as just read."""
    values = {"status": Status.COMPLETED, "note": "Training delivered to all six teams.",
              "seen_status": factories.seen_status(action)}
    return client.post(reverse("api:action-progress", args=[action.pk]), {**values, **data},
                       content_type="application/json", **bearer(raw))


def _records(obj):
    """(verb, actor, changes) of each change record of ``obj``, oldest first."""
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return [(r.verb, r.actor_id, r.changes) for r in records.order_by("id")]


# --- progress --------------------------------------------------------------------------------------------------


def test_progress_through_the_api_is_recorded_exactly_as_through_the_page(client, world):
    """The same move on two twin actions, one by the page and one by the API: the same progress entry, the same
    status moved with its moment, and the same change records."""
    page_action = factories.action(world.multi_plan, world.police, reference="1.5")
    api_action = factories.action(world.multi_plan, world.police, reference="1.6")
    note = "Training delivered to all six teams."
    client.force_login(world.agency_user)
    page = client.post(reverse("actionplans:action_progress", args=[page_action.pk]),
                       {"status": Status.COMPLETED, "note": note, "seen_status": Status.IN_PROGRESS,
                        "seen_changed_at": "never"})
    assert page.status_code == 302
    client.logout()
    _, raw = make_token(world.agency_user)
    response = _progress(client, raw, api_action, note=note, seen_changed_at="never")
    assert response.status_code == 201, response.content

    def entries(action):
        return list(ProgressUpdate.objects.filter(action=action).values_list(
            "author", "note", "status_before", "status_after"))

    assert entries(api_action) == entries(page_action) == [
        (world.agency_user.pk, note, Status.IN_PROGRESS, Status.COMPLETED)]
    for action in (page_action, api_action):
        action.refresh_from_db()
        assert action.status == Status.COMPLETED
        assert timezone.now() - action.status_changed_at < datetime.timedelta(minutes=1)
    assert _records(api_action) == _records(page_action) == [
        (ChangeRecord.Verb.CHANGED, world.agency_user.pk, {"status": ["In progress", "Completed"]})]
    update = ProgressUpdate.objects.get(action=api_action)
    page_update = ProgressUpdate.objects.get(action=page_action)
    assert _records(update) == _records(page_update)
    assert [(verb, actor) for verb, actor, _ in _records(update)] == [(ChangeRecord.Verb.RECORDED, world.agency_user.pk)]
    assert response.json() == {
        "id": update.pk, "action": api_action.pk, "author": world.agency_user.pk,
        "author_name": str(world.agency_user), "created_at": response.json()["created_at"], "note": note,
        "status_before": Status.IN_PROGRESS, "status_after": Status.COMPLETED,
    }


def test_a_note_without_a_move_is_recorded_without_a_status_change(client, world):
    _, raw = make_token(world.member)
    before = _records(world.multi_action)
    response = _progress(client, raw, world.multi_action, status=Status.IN_PROGRESS)
    assert response.status_code == 201
    assert ProgressUpdate.objects.filter(action=world.multi_action, status_before=Status.IN_PROGRESS,
                                         status_after=Status.IN_PROGRESS).count() == 1
    assert _records(world.multi_action) == before  # the action itself did not change
    assert factories.seen_status(world.multi_action) == Status.IN_PROGRESS


def test_progress_read_back_through_the_log_newest_first(client, world):
    _, raw = make_token(world.agency_user)
    assert _progress(client, raw, world.multi_action, status=Status.IN_PROGRESS, note="First.").status_code == 201
    assert _progress(client, raw, world.multi_action, note="Second.").status_code == 201
    log = client.get(reverse("api:action-progress", args=[world.multi_action.pk]), **bearer(raw)).json()
    assert [(e["note"], e["status_after"]) for e in log["results"]] == [
        ("Second.", Status.COMPLETED), ("First.", Status.IN_PROGRESS)]
    detail = client.get(reverse("api:action-detail", args=[world.multi_action.pk]), **bearer(raw)).json()
    assert detail["status"] == Status.COMPLETED
    assert detail["latest_progress"]["note"] == "Second."


def test_a_stale_seen_status_is_409_and_nothing_is_written(client, world):
    """Someone moved the action after the program read it: nothing of the program's is saved, and it is told."""
    _, raw = make_token(world.agency_user)
    before = factories.db_state()
    response = _progress(client, raw, world.multi_action, seen_status=Status.NOT_STARTED, note="Kick-off held.")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("While you were working")
    assert "What you wrote, to use again: “Kick-off held.”" in detail
    assert factories.db_state() == before


def test_a_status_changed_and_changed_back_since_it_was_read_is_409(client, world):
    """seen_changed_at, the moment the status was set as the program read it, tells a move undone since."""
    member_raw = make_token(world.member)[1]
    _, raw = make_token(world.agency_user)
    action = world.multi_action
    read = client.get(reverse("api:action-detail", args=[action.pk]), **bearer(raw)).json()
    assert _progress(client, member_raw, action, status=Status.COMPLETED).status_code == 201
    assert _progress(client, member_raw, action, status=Status.IN_PROGRESS).status_code == 201
    before = factories.db_state()
    moment = read["status_changed_at"] or "never"
    response = _progress(client, raw, action, seen_status=read["status"], seen_changed_at=moment)
    assert response.status_code == 409, response.content
    assert "changed and is now in progress again" in response.json()["detail"]
    assert factories.db_state() == before


def test_progress_on_a_verified_action_is_403_and_nothing_is_written(client, world):
    action = factories.action(world.multi_plan, world.police, reference="1.8", status=Status.VERIFIED)
    _, raw = make_token(world.member)
    before = factories.db_state()
    response = _progress(client, raw, action, status=Status.COMPLETED)
    assert response.status_code == 403
    assert "is verified" in response.json()["detail"]
    assert factories.db_state() == before


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"status": "done"}, {"status": ["Select a valid choice. done is not one of the available choices."]}),
        ({"status": Status.VERIFIED},
         {"status": ["Select a valid choice. verified is not one of the available choices."]}),
        ({"status": Status.CANCELLED},
         {"status": ["Select a valid choice. cancelled is not one of the available choices."]}),
        ({"note": ""}, {"note": ["Write a progress note: what has been done, or why the status changed."]}),
        ({"seen_status": ""}, {"non_field_errors": ["This form is out of date: open the page again and retry."]}),
        ({"seen_changed_at": "yesterday"},
         {"non_field_errors": ["This form is out of date: open the page again and retry."]}),
    ],
)
def test_a_request_filled_in_wrong_is_400_with_the_fields_message(client, world, data, errors):
    _, raw = make_token(world.agency_user)
    before = factories.db_state()
    response = _progress(client, raw, world.multi_action, **data)
    assert response.status_code == 400
    assert response.json() == errors
    assert factories.db_state() == before


def test_progress_that_is_not_json_is_refused(client, world):
    _, raw = make_token(world.agency_user)
    before = factories.db_state()
    response = client.post(reverse("api:action-progress", args=[world.multi_action.pk]), "{not json",
                           content_type="application/json", **bearer(raw))
    assert response.status_code == 400
    assert factories.db_state() == before


# --- evidence ----------------------------------------------------------------------------------------------------


def _stored_files(settings):
    root = pathlib.Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _submit(client, raw, action, *files, **data):
    values = {"description": "Attendance lists of the workshops.",
              "represents_on": (today() - datetime.timedelta(days=5)).isoformat(), "note": "", "files": list(files)}
    return client.post(reverse("api:evidence_submit", args=[action.pk]), {**values, **data}, **bearer(raw))


def test_submitted_files_become_items_stored_privately_and_checked_by_content(client, world, settings):
    _, raw = make_token(world.agency_user)
    response = _submit(client, raw, world.multi_action, samples.upload("attendance.pdf", samples.pdf()),
                       samples.upload("chart.png", samples.png(), "image/png"))
    assert response.status_code == 201, response.content
    body = response.json()
    items = list(Evidence.objects.filter(pk__in=[item["id"] for item in body]).order_by("pk"))
    assert [(i.original_name, i.content_type, i.status, i.agency, i.submitted_by, i.action) for i in items] == [
        ("attendance.pdf", "application/pdf", Evidence.Status.SUBMITTED, world.police, world.agency_user,
         world.multi_action),
        ("chart.png", "image/png", Evidence.Status.SUBMITTED, world.police, world.agency_user, world.multi_action),
    ]
    media = pathlib.Path(settings.MEDIA_ROOT)
    for item, data in zip(items, (samples.pdf(), samples.png()), strict=True):
        path = media / item.stored_name
        assert path.read_bytes() == data
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert item.original_name not in item.stored_name and item.stored_name.startswith("evidence/")
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [entry["file_url"] for entry in body] == [reverse("api:evidence-file", args=[i.pk]) for i in items]
    assert _stored_files(settings) == sorted(media / i.stored_name for i in items)


def test_a_written_note_alone_is_one_item_without_a_file(client, world):
    _, raw = make_token(world.agency_user)
    response = _submit(client, raw, world.police_action, note="The protocol was signed on 3 March.")
    assert response.status_code == 201
    (item,) = response.json()
    assert item["file_url"] is None and item["note"] == "The protocol was signed on 3 March."
    assert Evidence.objects.get(pk=item["id"]).stored_name == ""


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("minutes.pdf", samples.html()),  # a web page named as a PDF
        ("report.pdf", samples.elf()),  # a program named as a PDF
        ("audit.pdf", samples.shell_script()),
        ("chart.png", samples.png_header_then_html()),
        ("scan.pdf", samples.pdf_with_open_action_javascript()),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_400_and_nothing_changes(client, world, settings, name, data):
    _, raw = make_token(world.agency_user)
    before = api_helpers.domain_state()
    response = _submit(client, raw, world.multi_action, samples.upload("good.pdf", samples.pdf()),
                       samples.upload(name, data, "application/pdf"))
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["files"] and name in " ".join(errors["files"])
    assert api_helpers.domain_state() == before
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": ""}, "description", "Say what this evidence shows."),
        ({"represents_on": ""}, "represents_on", "Give the date the evidence represents."),
        ({"represents_on": (today() + datetime.timedelta(days=1)).isoformat()}, "represents_on",
         "The evidence cannot represent a day in the future."),
    ],
)
def test_evidence_filled_in_wrong_is_400_with_the_fields_message(client, world, settings, data, field, message):
    _, raw = make_token(world.agency_user)
    before = api_helpers.domain_state()
    response = _submit(client, raw, world.multi_action, samples.upload("a.pdf", samples.pdf()), **data)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert api_helpers.domain_state() == before
    assert _stored_files(settings) == []


def test_evidence_with_neither_file_nor_note_is_400(client, world):
    _, raw = make_token(world.agency_user)
    response = _submit(client, raw, world.multi_action)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Choose at least one file or write a note."]}
    assert not Evidence.objects.exists()


def test_evidence_sent_as_json_is_415(client, world):
    _, raw = make_token(world.agency_user)
    response = client.post(reverse("api:evidence_submit", args=[world.multi_action.pk]),
                           {"description": "x", "represents_on": "2026-01-01", "note": "y"},
                           content_type="application/json", **bearer(raw))
    assert response.status_code == 415
    assert not Evidence.objects.exists()


def test_evidence_on_a_verified_action_is_403_and_nothing_changes(client, world, settings):
    action = factories.action(world.multi_plan, world.police, reference="1.8", status=Status.VERIFIED)
    _, raw = make_token(world.agency_user)
    before = api_helpers.domain_state()
    response = _submit(client, raw, action, samples.upload("a.pdf", samples.pdf()))
    assert response.status_code == 403
    assert "takes no new evidence" in response.json()["detail"]
    assert api_helpers.domain_state() == before
    assert _stored_files(settings) == []


# --- downloads ---------------------------------------------------------------------------------------------------


def test_the_file_is_sent_as_stored_and_the_download_logged(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    _, raw = make_token(world.consultant)
    response = client.get(reverse("api:evidence-file", args=[item.pk]), REMOTE_ADDR="192.0.2.8", **bearer(raw))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert list(EvidenceDownload.objects.values_list("evidence", "user", "ip_address")) == [
        (item.pk, world.consultant.pk, "192.0.2.8")]


def test_another_agencys_evidence_file_is_404_and_no_download_is_logged(client, world):
    item = samples.submit(world.multi_action_health, world.other)  # on an action the police may see
    _, raw = make_token(world.agency_user)
    response = client.get(reverse("api:evidence-file", args=[item.pk]), **bearer(raw))
    assert response.status_code == 404
    assert not EvidenceDownload.objects.exists()
    assert client.get(reverse("api:evidence-detail", args=[item.pk]), **bearer(raw)).status_code == 404


def test_a_file_changed_in_storage_is_409_and_not_sent(client, world, settings):
    item = samples.submit(world.multi_action, world.agency_user)
    (pathlib.Path(settings.MEDIA_ROOT) / item.stored_name).write_bytes(samples.pdf() + b"%changed")
    _, raw = make_token(world.member)
    response = client.get(reverse("api:evidence-file", args=[item.pk]), **bearer(raw))
    assert response.status_code == 409
    assert "no longer matches" in response.json()["detail"]
    assert not EvidenceDownload.objects.exists()


def test_a_written_note_has_no_file_to_download(client, world):
    item = samples.submit_note(world.multi_action, world.agency_user)
    _, raw = make_token(world.agency_user)
    response = client.get(reverse("api:evidence-file", args=[item.pk]), **bearer(raw))
    assert response.status_code == 404
    assert "written note" in response.json()["detail"]


# --- two programs at once (PostgreSQL) ---------------------------------------------------------------------------

TRIES = 8


def _at_once(requests):
    """Run each request (a callable) on its own thread, hence its own database connection, released together."""
    from django.db import connection

    barrier = threading.Barrier(len(requests))
    responses, failures = [None] * len(requests), []

    def run(index, request):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            responses[index] = request()
        except BaseException as error:  # a 500 (the test client re-raises it), a deadlock, a broken barrier
            failures.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished (a lock never released?)"
    assert not failures, failures
    return responses


def _post_progress(raw, action, status, seen, moment, note):
    """One program's request, on its own Client (the thread's own connection)."""
    return Client().post(
        reverse("api:action-progress", args=[action.pk]),
        {"status": status, "note": note, "seen_status": seen, "seen_changed_at": moment},
        content_type="application/json", **bearer(raw))


def test_two_programs_recording_progress_from_the_same_status_at_once_one_wins(concurrent_db, world):  # noqa: F811
    """A police program and a member's program post progress on the same action, from the same status read, at
    the same moment, each with its own token and connection: exactly one is 201, the other 409, and the action
    holds the winner's move only."""
    raws = {"police": make_token(world.agency_user, name="Police case system")[1],
            "member": make_token(world.member, name="Board's report")[1]}
    targets = {"police": Status.COMPLETED, "member": Status.NOT_STARTED}
    wins = {"police": 0, "member": 0}
    for n in range(TRIES):
        action = factories.action(world.multi_plan, world.police, reference=f"R.{n}")
        read = Action.objects.get(pk=action.pk)
        moment = lifecycle.Seen.moment_of(read)
        names = list(raws)
        responses = dict(zip(names, _at_once([
            functools.partial(_post_progress, raws[name], action, targets[name], read.status, moment, f"{name} {n}")
            for name in names
        ]), strict=True))
        codes = {name: response.status_code for name, response in responses.items()}
        assert sorted(codes.values()) == [201, 409], codes
        winner = next(name for name, code in codes.items() if code == 201)
        loser = next(name for name in names if name != winner)
        assert responses[loser].json()["detail"].startswith("While you were working")
        assert f"What you wrote, to use again: “{loser} {n}”" in responses[loser].json()["detail"]
        wins[winner] += 1
        entries = list(ProgressUpdate.objects.filter(action=action).values_list("status_before", "status_after",
                                                                                 "note"))
        assert entries == [(Status.IN_PROGRESS, targets[winner], f"{winner} {n}")]
        assert factories.seen_status(action) == targets[winner]
    assert sum(wins.values()) == TRIES


def test_api_helpers_tokens_belong_to_their_roles(world):
    """The matrices' tokens are each role's own: a guard on the helpers the other API tests rely on."""
    api_helpers.add_tokens(world)
    for role, raw in world.tokens.items():
        token = ApiToken.objects.get(token_hash=tokens.hash_of(raw))
        assert (token.user, token.scope) == (getattr(world, role), ApiToken.Scope.WRITE)
        read = ApiToken.objects.get(token_hash=tokens.hash_of(world.read_tokens[role]))
        assert (read.user, read.scope) == (getattr(world, role), ApiToken.Scope.READ)
