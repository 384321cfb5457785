"""The audit chain cannot be re-forged (issue 11, "Audit chain").

Each tampering the issue names is played here against the database directly, as someone who can write to it
but does not hold AUDIT_CHAIN_KEY would: re-hashing with the old public hash, cutting off the newest records and
moving the head back, and editing, inserting or deleting progress entries, decisions, downloads, security events
and statuses. ``verify_audit_chain`` must name each one.
"""

import datetime
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import security
from accounts.models import Role, SecurityEvent
from actionplans import lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status
from audit import chain, tasks
from audit.models import ChainHead, ChangeRecord
from audit.services import history_of, record_created, record_sealed, save_audited
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload
from scrsystem.celery import app
from tests import evidence_samples, factories
from tests.production import production_env

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LOGIN = "/accounts/login/"


# --- helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sealed(world):
    """The world, its actions recorded as the application's pages record them (the factories write rows only)."""
    for action in Action.objects.order_by("pk"):
        record_created(action, actor=world.member)
    return world


def retitle(world, *titles):
    """One change record per title, on the world's review (a review is not sealed: only the chain protects it)."""
    records = []
    for title in titles:
        save_audited(world.review, actor=world.member, values={"title": title})
        records.append(ChangeRecord.objects.order_by("-id").first())
    return records


def verify(*anchors):
    out = io.StringIO()
    call_command("verify_audit_chain", *[f"--anchor={anchor}" for anchor in anchors], stdout=out)
    return out.getvalue()


def broken(*anchors):
    """The message of a failed verification."""
    with pytest.raises(CommandError) as failure:
        verify(*anchors)
    return str(failure.value)


def head():
    return ChainHead.objects.get(pk=1)


@pytest.fixture
def everything(client, sealed):
    """One row of every sealed kind, each written the way the application writes it: a progress entry and a
    status move from the page, a file submitted, accepted and downloaded, and sign-ins, one of them failed."""
    w, action = sealed, sealed.multi_action
    client.force_login(w.agency_user)
    data = {"status": Status.COMPLETED, "note": "Training delivered.", "seen_status": action.status}
    assert client.post(reverse("actionplans:action_progress", args=[action.pk]), data).status_code == 302
    w.item = evidence_samples.submit(action, w.agency_user)
    client.force_login(w.consultant)
    decision = {"decision": "accept", "note": "Meets the measure."}
    assert client.post(reverse("evidence:decide", args=[w.item.pk]), decision).status_code == 302
    assert client.get(reverse("evidence:download", args=[w.item.pk])).status_code == 200
    client.logout()
    assert client.post(LOGIN, {"username": "chair", "password": "wrong-password"}).status_code == 200
    return w


# --- 1. a keyed hash -------------------------------------------------------------------------------------------


def old_public_hash(record):
    """The hash before issue 11: SHA-256 of the record's canonical JSON, with no key, so anyone could compute it."""
    content = {
        "content_type": record.content_type_id,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "verb": record.verb,
        "changes": record.changes,
        "actor": record.actor_id,
        "at": record.at.isoformat(),
        "previous_hash": record.previous_hash,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def keyed_with_secret_key(record):
    """Today's scheme, keyed with SECRET_KEY, which the web servers hold: the audit chain has a key of its own."""
    with override_settings(AUDIT_CHAIN_KEY=settings.SECRET_KEY):
        return chain.record_hash(record)


@pytest.mark.parametrize("forge", [old_public_hash, keyed_with_secret_key], ids=["old public SHA-256", "SECRET_KEY"])
def test_an_edited_record_rehashed_onwards_without_the_key_is_detected(sealed, forge):
    first, second, third = retitle(sealed, "Child P", "Child Q", "Child R")
    ChangeRecord.objects.filter(pk=second.pk).update(changes={"title": ["Child P", "Someone else"]})
    previous = ""
    for record in ChangeRecord.objects.order_by("id"):  # the forger re-links and re-hashes the whole chain
        record.previous_hash = previous
        record.hash = previous = forge(record)
        ChangeRecord.objects.filter(pk=record.pk).update(previous_hash=record.previous_hash, hash=record.hash)
    ChainHead.objects.filter(pk=1).update(last_hash=previous)
    message = broken()
    assert "Record 1 (" in message and "does not match its keyed hash" in message


def test_records_written_with_another_key_do_not_verify(sealed, settings):
    retitle(sealed, "Child P")
    verify()
    settings.AUDIT_CHAIN_KEY = "another key, at least thirty-two characters long"
    assert "not written with this AUDIT_CHAIN_KEY" in broken()


def start(tmp_path, **variables):
    """Start the settings in a child process with these variables; print the audit key's length."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "AUDIT_CHAIN_KEY", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path / "var"), **variables})
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.AUDIT_CHAIN_KEY))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"AUDIT_CHAIN_KEY": ""}, "AUDIT_CHAIN_KEY must be set when DEBUG is off: it keys the audit chain"),
        ({"AUDIT_CHAIN_KEY": "too-short"}, "AUDIT_CHAIN_KEY is too short: use at least 32 random characters"),
        ({"AUDIT_CHAIN_KEY": "s" * 50, "SECRET_KEY": "s" * 50}, "AUDIT_CHAIN_KEY must not be the same as SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_an_audit_key_of_its_own(tmp_path, variables, message):
    result = start(tmp_path, **production_env(**variables))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_starts_with_its_audit_key_and_development_keeps_a_random_one_under_var(tmp_path):
    assert start(tmp_path / "production", **production_env()).returncode == 0
    assert not (tmp_path / "production" / "var" / "audit_chain_key").exists()
    assert start(tmp_path).returncode == 0
    key = (tmp_path / "var" / "audit_chain_key").read_text()
    assert len(key) >= 32 and key != (tmp_path / "var" / "secret_key").read_text()
    assert start(tmp_path).returncode == 0
    assert (tmp_path / "var" / "audit_chain_key").read_text() == key


# --- 2. sequence and anchors -----------------------------------------------------------------------------------


def test_records_are_numbered_without_gaps_even_when_a_write_is_rolled_back(sealed):
    retitle(sealed, "Child P")
    with pytest.raises(RuntimeError), transaction.atomic():
        retitle(sealed, "Child Q")
        raise RuntimeError("the request failed after writing its record")
    retitle(sealed, "Child R")
    sequences = list(ChangeRecord.objects.order_by("id").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert head().sequence == len(sequences)
    verify()


def test_cutting_off_the_newest_records_and_moving_the_head_back_is_detected_with_an_anchor(sealed):
    *_, kept, cut, last = retitle(sealed, "Child P", "Child Q", "Child R")
    anchor = f"{last.sequence}:{last.hash}"
    ChangeRecord.objects.filter(pk__in=[cut.pk, last.pk]).delete()
    ChainHead.objects.filter(pk=1).update(sequence=kept.sequence, last_hash=kept.hash)
    # Without an anchor the shorter chain is as valid as the longer one, and the command says so.
    assert "can only be detected with one" in verify()
    message = broken(anchor)
    assert f"The chain ends at record {kept.sequence}, but an anchor shows it reached record {last.sequence}" in message
    assert "the newest records were removed" in message


def test_an_anchor_keeps_verifying_as_the_chain_grows_and_names_a_rewritten_record(sealed):
    [record] = retitle(sealed, "Child P")
    retitle(sealed, "Child Q", "Child R")
    assert f"consistent with 1 anchor(s) up to record {record.sequence}" in verify(f"{record.sequence}:{record.hash}")
    assert "does not have the hash of its anchor" in broken(f"{record.sequence}:{'0' * 64}")


def test_anchors_are_read_from_a_file_of_anchor_lines_or_the_anchor_mail_words(sealed, tmp_path):
    first, second = retitle(sealed, "Child P", "Child Q")
    path = tmp_path / "anchors.txt"
    path.write_text(
        f"# kept from the anchor e-mails\n\n{first.sequence}:{first.hash}\n"
        f"Audit chain anchor: sequence {second.sequence}, hash {second.hash}, at 2031-01-01T06:30:00+00:00\n"
    )
    out = io.StringIO()
    call_command("verify_audit_chain", f"--anchor-file={path}", stdout=out)
    assert f"consistent with 2 anchor(s) up to record {second.sequence}" in out.getvalue()
    path.write_text(f"{second.sequence + 5}:{second.hash}\n")
    with pytest.raises(CommandError, match=f"an anchor shows it reached record {second.sequence + 5}"):
        call_command("verify_audit_chain", f"--anchor-file={path}")


@pytest.mark.parametrize("anchor", ["12", "12:abc", "record twelve", "0:" + "a" * 64])
def test_a_mistyped_anchor_is_refused_with_what_an_anchor_looks_like(sealed, anchor):
    assert f"--anchor {anchor}: “{anchor}” is not an anchor: give the record's number and its hash" in broken(anchor)


def test_the_daily_anchor_is_logged_and_e_mailed_to_the_administrators(sealed, settings, caplog):
    retitle(sealed, "Child P")
    settings.ADMINS = [("Operations", "ops@example.org"), ("Same person", "ADMIN@example.org")]
    sealed.admin.email = "admin@example.org"
    sealed.admin.save()
    factories.user(Role.ADMIN, email="gone@example.org", is_active=False)
    factories.user(Role.ADMIN)  # no address
    factories.user(Role.MEMBER, email="member@example.org")
    caplog.set_level(logging.INFO, logger="scrsystem.audit")

    tasks.anchor_audit_chain()

    words = f"sequence {head().sequence}, hash {head().last_hash}, at "
    assert [r.levelno for r in caplog.records if r.name == "scrsystem.audit" and words in r.getMessage()] == [logging.INFO]
    [message] = mail.outbox
    assert message.to == ["admin@example.org", "ops@example.org"]
    assert message.subject == f"scrsystem audit chain anchor: record {head().sequence}"
    assert not getattr(message, "alternatives", None)  # plain text only
    assert f"verify_audit_chain --anchor {head().sequence}:{head().last_hash}" in message.body
    assert "keep this e-mail" in message.body.lower()
    assert f"up to record {head().sequence}" in verify(f"{head().sequence}:{head().last_hash}")


def test_the_anchor_command_prints_the_anchor_and_says_when_nobody_was_e_mailed(sealed):
    out = io.StringIO()
    call_command("anchor_audit_chain", stdout=out)
    assert f"Audit chain anchor: sequence {head().sequence}, hash {head().last_hash}" in out.getvalue()
    assert "Not e-mailed: no active administrator has an e-mail address" in out.getvalue()
    assert f"verify_audit_chain --anchor {head().sequence}:{head().last_hash}" in out.getvalue()
    assert mail.outbox == []


def test_beat_anchors_the_chain_every_day(settings):
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["anchor-audit-chain"]
    assert entry["task"] == "audit.tasks.anchor_audit_chain"
    assert entry["schedule"].hour == {settings.AUDIT_ANCHOR_HOUR}
    assert entry["schedule"].minute == {settings.AUDIT_ANCHOR_MINUTE}


# --- 3. everything in the chain --------------------------------------------------------------------------------

SEALED_MODELS = (ProgressUpdate, EvidenceDecision, EvidenceDownload, SecurityEvent)


def test_every_progress_entry_decision_download_and_security_event_is_sealed_in_the_chain(everything):
    for model in SEALED_MODELS:
        rows = list(model.objects.order_by("pk"))
        assert rows, f"no {model._meta.verbose_name} was written: the test would prove nothing"
        content_type = ContentType.objects.get_for_model(model)
        for row in rows:
            record = ChangeRecord.objects.exclude(seal="").get(content_type=content_type, object_id=row.pk)
            assert record.seal == chain.seal_of(row), f"{model._meta.verbose_name} #{row.pk}"
    output = verify()
    sealed_rows = sum(model.objects.count() for model in (*SEALED_MODELS, Action, Evidence))
    assert f"{ChangeRecord.objects.count()} records and {sealed_rows} sealed rows checked" in output


def test_status_moves_and_sign_offs_are_in_the_chain_with_their_status(everything):
    w, action = everything, everything.multi_action
    lifecycle.verify(action=action, actor=w.consultant, note="Signed off.", seen_status=Status.COMPLETED)
    lifecycle.withdraw_verification(action=action, actor=w.consultant, reason="Re-audit.", seen_status=Status.VERIFIED)
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Action), object_id=action.pk)
    assert [r.changes["status"] for r in records.filter(verb=ChangeRecord.Verb.CHANGED).order_by("sequence")] == [
        ["In progress", "Completed"], ["Completed", "Verified"], ["Verified", "Completed"]
    ]
    assert records.order_by("-sequence").first().seal == chain.seal_of(Action.objects.get(pk=action.pk))
    verify()


def _tamper(field, value):
    def tamper(world):
        model = {"progress": ProgressUpdate, "decision": EvidenceDecision, "download": EvidenceDownload,
                 "event": SecurityEvent}[field.split(".")[0]]
        model.objects.update(**{field.split(".")[1]: value(world) if callable(value) else value})
        return model
    return tamper


EDITS = {
    "a progress note": _tamper("progress.note", "Nothing was done."),
    "a progress entry's status": _tamper("progress.status_after", Status.VERIFIED),
    "a progress entry's date": _tamper("progress.created_at", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
    "a decision's note": _tamper("decision.note", "Not good enough."),
    "a decision's outcome": _tamper("decision.outcome", EvidenceDecision.Outcome.REJECTED),
    "a decision's author": _tamper("decision.decided_by", lambda w: w.member),
    "who downloaded": _tamper("download.user", lambda w: w.member),
    "when it was downloaded": _tamper("download.at", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
    "a security event's account": _tamper("event.username", "somebody-else"),
    "a security event's kind": _tamper("event.kind", SecurityEvent.Kind.SIGNED_OUT),
    "a security event's address": _tamper("event.ip_address", "10.9.9.9"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_an_edited_sealed_row_is_detected(everything, edit):
    verify()
    model = EDITS[edit](everything)
    first = model.objects.order_by("pk").first()
    name = model._meta.verbose_name
    assert f"{name[:1].upper()}{name[1:]} #{first.pk}: its content is not what record " in broken()


INSERTS = {
    "progress entry": lambda w: ProgressUpdate.objects.create(
        action=w.multi_action, author=w.agency_user, note="Backdated.", status_before=Status.COMPLETED,
        status_after=Status.COMPLETED),
    "decision": lambda w: EvidenceDecision.objects.create(
        evidence=evidence_samples.submit_note(w.police_action, w.agency_user), outcome="accepted", note="",
        decided_by=w.consultant, decided_at=datetime.datetime.now(datetime.UTC)),
    "download": lambda w: EvidenceDownload.objects.create(evidence=w.item, user=w.chair),
    "security event": lambda w: SecurityEvent.objects.create(kind=SecurityEvent.Kind.SIGNED_IN, user=w.chair),
}


@pytest.mark.parametrize("insert", INSERTS, ids=list(INSERTS))
def test_a_sealed_row_written_outside_the_application_is_detected(everything, insert):
    row = INSERTS[insert](everything)
    name = row._meta.verbose_name
    assert f"{name[:1].upper()}{name[1:]} #{row.pk} has no record in the chain" in broken()


@pytest.mark.parametrize("model", SEALED_MODELS, ids=lambda model: model._meta.verbose_name)
def test_a_deleted_sealed_row_is_detected(everything, model):
    row = model.objects.order_by("pk").last()
    record = ChangeRecord.objects.exclude(seal="").get(
        content_type=ContentType.objects.get_for_model(model), object_id=row.pk
    )
    model.objects.filter(pk=row.pk).delete()
    message = broken()
    assert f"Record {record.sequence} is of {model._meta.verbose_name} #{row.pk}, which no longer exists" in message


@pytest.mark.parametrize(
    ("model", "status"), [(Action, Status.VERIFIED), (Evidence, Evidence.Status.REJECTED)], ids=["action", "evidence"]
)
def test_a_status_set_by_a_direct_update_is_detected(everything, model, status):
    row = everything.multi_action if model is Action else everything.item
    model.objects.filter(pk=row.pk).update(status=status)
    name = model._meta.verbose_name
    assert f"{name[:1].upper()}{name[1:]} #{row.pk}: its status is not what record " in broken()


def test_the_seal_of_a_status_is_the_newest_one(everything):
    """Moves through the lifecycle re-seal the status, so moving it back by hand is detected too."""
    action = everything.multi_action
    lifecycle.record_progress(
        action=action, actor=everything.agency_user, status=Status.IN_PROGRESS, note="Reopened.",
        seen_status=Status.COMPLETED,
    )
    verify()
    Action.objects.filter(pk=action.pk).update(status=Status.COMPLETED)
    assert f"Action #{action.pk}: its status is not what record " in broken()


@pytest.mark.parametrize("label", [label for label in chain.SEALED_FIELDS if label not in chain.STATUS_SEALED])
def test_every_field_of_a_write_once_row_is_sealed_or_left_out_with_a_reason(label):
    model = apps.get_model(label)
    fields = {field.name for field in model._meta.concrete_fields if not field.primary_key}
    assert fields == set(chain.SEALED_FIELDS[label]) | set(chain.UNSEALED.get(label, {}))
    assert all(chain.UNSEALED.get(label, {}).values())


def test_sealing_records_stay_out_of_the_action_and_evidence_history(client, everything):
    action, item = everything.multi_action, everything.item
    record_sealed(action, actor=None)  # as audit's migration 0003 sealed the rows that existed before it
    assert ChangeRecord.objects.filter(verb=ChangeRecord.Verb.RECORDED, object_id=action.pk).exists()
    assert not history_of(action).filter(verb=ChangeRecord.Verb.RECORDED).exists()
    assert list(history_of(item).values_list("verb", flat=True)) == ["changed", "created"]
    client.force_login(everything.member)
    page = client.get(action.get_absolute_url()).content.decode()
    history = page[page.index('id="history"'):]
    history = history[: history.index("</section>")]
    assert history.count("<li>") == 2  # created, and the status move: nothing for the seals
    assert "Status changed from In progress to Completed" in history and "Recorded" not in history


def test_verification_reads_each_table_once_whatever_its_size(everything):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            verify()
        return len(captured)

    small = queries()
    for i in range(30):
        security.record(SecurityEvent.Kind.SIGN_IN_FAILED, username=f"guess{i}")
        lifecycle.record_progress(
            action=everything.police_action, actor=everything.agency_user, status=Status.IN_PROGRESS,
            note=f"Week {i}.", seen_status=Status.IN_PROGRESS,
        )
    assert queries() == small


# --- on a real database, outside the test's transaction ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_verification_runs_outside_a_transaction_and_a_seal_needs_the_rows_transaction(world):
    for action in Action.objects.order_by("pk"):
        with transaction.atomic():
            record_created(action, actor=world.member)
    security.record(SecurityEvent.Kind.SIGN_IN_FAILED, username="nobody")
    assert "Audit chain intact: 5 records and 5 sealed rows checked" in verify()
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.SIGNED_IN, user=world.chair)
    with pytest.raises(RuntimeError, match="in the transaction that writes it"):
        record_sealed(event, actor=None)


@pytest.fixture
def concurrent_db(transactional_db):
    if connection.vendor != "postgresql":
        missing = "writers at once need a database that serves two connections at once: set DATABASE_URL to PostgreSQL"
        if IN_CI:
            pytest.fail(f"CI must run the concurrent chain test, but {missing}.")
        pytest.skip(f"Concurrent chain writers: {missing}.")


def test_writers_at_once_extend_one_chain_without_gaps(concurrent_db):
    writers, each = 6, 15
    barrier, errors = threading.Barrier(writers), []

    def write(n):
        try:
            barrier.wait()
            for i in range(each):
                security.record(SecurityEvent.Kind.SIGN_IN_FAILED, username=f"writer{n}-{i}")
        except Exception as error:  # reported below, with the thread's failure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(ChangeRecord.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, writers * each + 1)
    )
    assert f"{writers * each} records and {writers * each} sealed rows checked" in verify()
