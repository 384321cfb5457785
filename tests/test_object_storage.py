"""Evidence in an S3 bucket (README, "Object storage"), against a real S3 API: moto's server, spoken to over HTTP by
boto3 and django-storages (tests/s3.py). Nothing of boto3 or django-storages is mocked, except where a copy is to
be cut short on purpose (the interrupted move_evidence)."""

import hashlib
import io
import pathlib
import socket
import threading
import time
from unittest import mock

import botocore.config
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from storages.backends.s3 import S3Storage

from audit.models import ChangeRecord
from evidence import storage
from evidence.models import Evidence, EvidenceDownload
from evidence.storage import evidence_storage
from evidence.uploads import check_upload
from reminders.smtp_sink import free_port  # a loopback port nothing listens on
from tests import evidence_samples as samples
from tests.s3 import client as s3_client
from tests.s3 import storage_settings

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


@pytest.fixture(autouse=True)
def _no_scanner(settings):
    # The upload gate without ClamAV: these tests are about where the file is kept, not what it contains.
    settings.EVIDENCE_SCANNING = "off"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def bucket_objects(endpoint, bucket):
    """{key: SHA-256 of its bytes} of every object in the bucket."""
    s3 = s3_client(endpoint)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys}


def files_under(root):
    root = pathlib.Path(root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def unreachable(settings, bucket):
    """The evidence storage pointed at a loopback port where no S3 answers."""
    dead = storage_settings(f"http://127.0.0.1:{free_port()}", bucket)
    settings.STORAGES = {**settings.STORAGES, "evidence": dead}


def submit_page(page_client, action, *files):
    data = {"description": "Workshop attendance.", "represents_on": "2026-01-15", "note": "", "files": list(files)}
    return page_client.post(reverse("evidence:submit", args=[action.pk]), data)


def download(page_client, item):
    return page_client.get(reverse("evidence:download", args=[item.pk]))


# --- uploads and downloads through the pages ---------------------------------------------------------------------


def test_an_upload_through_the_page_lands_encrypted_and_private_in_the_bucket(
    client, world, settings, s3_endpoint, s3_evidence
):
    client.force_login(world.agency_user)
    response = submit_page(client, world.multi_action, samples.upload("attendance.pdf", samples.pdf()))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Evidence.objects.get()
    assert item.stored_name.startswith("evidence/") and "attendance" not in item.stored_name
    assert item.sha256 == sha256(samples.pdf())

    s3 = s3_client(s3_endpoint)
    assert bucket_objects(s3_endpoint, s3_evidence) == {item.stored_name: item.sha256}
    head = s3.head_object(Bucket=s3_evidence, Key=item.stored_name)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] == len(samples.pdf()) == item.size
    grants = s3.get_object_acl(Bucket=s3_evidence, Key=item.stored_name)["Grants"]
    assert grants, "moto answers the owner's grant at least"
    public = [g for g in grants if g["Grantee"].get("URI") in {ALL_USERS, AUTHENTICATED_USERS}]
    assert public == []
    assert files_under(settings.MEDIA_ROOT) == []


def test_a_download_through_the_page_gives_exactly_the_bytes_and_is_logged(client, world, s3_evidence):
    client.force_login(world.agency_user)
    data = samples.docx()
    assert submit_page(client, world.multi_action, samples.upload("procedure.docx", data)).status_code == 302
    item = Evidence.objects.get()
    client.force_login(world.consultant)
    response = download(client, item)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="procedure.docx"'
    assert b"".join(response.streaming_content) == data
    assert list(EvidenceDownload.objects.values_list("evidence", "user")) == [(item.pk, world.consultant.pk)]


def test_an_object_changed_in_the_bucket_is_refused_with_409_and_not_logged(
    client, world, s3_endpoint, s3_evidence, caplog
):
    item = samples.submit(world.multi_action, world.agency_user)
    altered = samples.pdf().replace(b"212 staff", b"999 staff")
    assert altered != samples.pdf()
    s3_client(s3_endpoint).put_object(Bucket=s3_evidence, Key=item.stored_name, Body=altered)
    client.force_login(world.consultant)
    response = download(client, item)
    assert response.status_code == 409
    page = response.content.decode()
    assert "no longer matches" in page and f"evidence #{item.pk}" in page
    assert "999 staff" not in page
    assert not EvidenceDownload.objects.exists()
    assert any(r.levelname == "ERROR" and "refused" in r.getMessage() for r in caplog.records)


def test_an_object_missing_from_the_bucket_is_refused_with_409(client, world, s3_endpoint, s3_evidence):
    item = samples.submit(world.multi_action, world.agency_user)
    s3_client(s3_endpoint).delete_object(Bucket=s3_evidence, Key=item.stored_name)
    client.force_login(world.consultant)
    response = download(client, item)
    assert response.status_code == 409
    assert "no longer matches" in response.content.decode()
    assert not EvidenceDownload.objects.exists()


# --- the bucket unreachable ---------------------------------------------------------------------------------------


def test_an_upload_while_the_bucket_is_unreachable_is_503_and_saves_nothing(
    client, world, settings, s3_endpoint, s3_evidence
):
    client.force_login(world.agency_user)
    evidence_before, records_before = Evidence.objects.count(), ChangeRecord.objects.count()
    unreachable(settings, s3_evidence)
    response = submit_page(client, world.multi_action, samples.upload("attendance.pdf", samples.pdf()))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "nothing was saved" in response.content.decode()
    assert (Evidence.objects.count(), ChangeRecord.objects.count()) == (evidence_before, records_before)
    assert files_under(settings.MEDIA_ROOT) == []

    settings.STORAGES = {**settings.STORAGES, "evidence": storage_settings(s3_endpoint, s3_evidence)}
    assert s3_client(s3_endpoint).list_objects_v2(Bucket=s3_evidence)["KeyCount"] == 0


def test_a_download_while_the_bucket_is_unreachable_is_503_not_409_and_not_logged(
    client, world, settings, s3_evidence
):
    item = samples.submit(world.multi_action, world.agency_user)
    unreachable(settings, s3_evidence)
    client.force_login(world.consultant)
    response = download(client, item)
    assert response.status_code == 503
    page = response.content.decode()
    assert "nothing was saved" in page and "no longer matches" not in page
    assert not EvidenceDownload.objects.exists()


@pytest.fixture
def silent_s3():
    """A loopback server that accepts connections and never answers: a bucket behind a hung proxy."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture
def cut_short_s3():
    """A loopback "S3" that answers HEAD, then sends 10 of the 1000 bytes a GET promises and drops the connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    head = (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"abc\"\r\nContent-Type: application/pdf\r\n"
            b"Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT\r\nConnection: close\r\n\r\n")

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                conn.sendall(head if request.startswith(b"HEAD") else head + b"0123456789")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_bucket_that_never_answers_is_unavailable_within_seconds_not_minutes(client, db, settings, silent_s3):
    """The storage's own client waits 60 s to read, twice; the health check asks once, CHECK_TIMEOUT to answer."""
    hung = storage_settings(silent_s3, "evidence")
    hung["OPTIONS"]["client_config"] = botocore.config.Config(
        connect_timeout=3, read_timeout=60, retries={"max_attempts": 2, "mode": "standard"}
    )
    settings.STORAGES = {**settings.STORAGES, "evidence": hung}
    started = time.monotonic()
    response = client.get("/healthz/?full=1")
    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"
    assert time.monotonic() - started < 4 * storage.CHECK_TIMEOUT


def test_a_download_cut_short_by_the_store_is_503_and_not_logged(client, world, settings, s3_evidence, cut_short_s3):
    item = samples.submit(world.multi_action, world.agency_user)
    settings.STORAGES = {**settings.STORAGES, "evidence": storage_settings(cut_short_s3, s3_evidence)}
    client.force_login(world.consultant)
    response = download(client, item)
    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()
    assert not EvidenceDownload.objects.exists()


# --- names --------------------------------------------------------------------------------------------------------


def test_two_saves_under_the_same_name_keep_two_objects(s3_endpoint, s3_evidence):
    store = evidence_storage()
    assert isinstance(store, S3Storage)
    name = "evidence/2026/01/0123456789abcdef0123456789abcdef.pdf"
    first = store.save(name, ContentFile(b"first upload"))
    second = store.save(name, ContentFile(b"second upload"))
    assert first == name
    assert second != name and second.startswith("evidence/2026/01/0123456789abcdef0123456789abcdef")
    assert bucket_objects(s3_endpoint, s3_evidence) == {
        first: sha256(b"first upload"),
        second: sha256(b"second upload"),
    }


# --- move_evidence --------------------------------------------------------------------------------------------------


@pytest.fixture
def both_stores(settings, s3_endpoint, s3_bucket):
    """Both storages named for move_evidence, the filesystem (under the test's MEDIA_ROOT) still the one in use.
    Returns the bucket's name."""
    settings.EVIDENCE_STORAGES = {
        "filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "s3": storage_settings(s3_endpoint, s3_bucket),
    }
    settings.STORAGES = {**settings.STORAGES, "evidence": settings.EVIDENCE_STORAGES["filesystem"]}
    return s3_bucket


@pytest.fixture
def kept(world, both_stores):
    """Files of every kind a record keeps, on the filesystem: evidence items of three types, a learning event's
    material and a board concern's data evidence. Returns {stored name: SHA-256}."""
    from concerns.models import ConcernFile
    from learning import services as learning
    from learning.models import LearningFile
    from tests.test_concerns import checked_pdf, concern, indicator, point, quarters_ago
    from tests.test_learning_events import event

    for name, data in (("attendance.pdf", samples.pdf()), ("procedure.docx", samples.docx()),
                       ("poster.png", samples.png())):
        samples.submit(world.multi_action, world.agency_user, name=name, data=data)
    made = event(world.member, [world.theme])
    learning.materials_add(event=made, actor=world.member,
                           uploads=[check_upload(ContentFile(samples.xlsx(), name="register.xlsx"))])
    point(indicator(world, concern(world)), world.agency_user, quarters_ago(1), 31, uploads_=[checked_pdf("caf.pdf")])

    files = {}
    for model in (Evidence, LearningFile, ConcernFile):
        files.update(model.objects.values_list("stored_name", "sha256"))
    assert len(files) == 5 and len(set(files.values())) == 4  # two PDFs alike, under names of their own
    return files


def move(*args):
    out = io.StringIO()
    call_command("move_evidence", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def summary(copied, already, failed, verb="copied"):
    return f"{copied} {verb}, {already} already there with the right SHA-256, {failed} failed."


def on_disk(settings):
    root = pathlib.Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)): sha256(path.read_bytes()) for path in files_under(root)}


def test_move_evidence_copies_every_kept_file_to_the_bucket_and_a_rerun_copies_nothing(
    settings, s3_endpoint, both_stores, kept
):
    assert on_disk(settings) == kept
    output = move("--from", "filesystem", "--to", "s3")
    assert summary(5, 0, 0) in output
    assert bucket_objects(s3_endpoint, both_stores) == kept
    s3 = s3_client(s3_endpoint)
    for name in kept:
        assert s3.head_object(Bucket=both_stores, Key=name)["ServerSideEncryption"] == "AES256"
    assert on_disk(settings) == kept  # nothing is deleted from the source

    assert summary(0, 5, 0) in move("--from", "filesystem", "--to", "s3")
    assert bucket_objects(s3_endpoint, both_stores) == kept


def test_move_evidence_interrupted_mid_copy_finishes_on_a_rerun(s3_endpoint, both_stores, kept):
    s3 = s3_client(s3_endpoint)
    original = S3Storage._save
    saved = []

    def cut_short(self, name, content):
        saved.append(name)
        if len(saved) == 3:  # half the third file written, then the operator presses Ctrl-C
            data = content.read()
            s3.put_object(Bucket=both_stores, Key=name, Body=data[: len(data) // 2])
            raise KeyboardInterrupt
        return original(self, name, content)

    with mock.patch.object(S3Storage, "_save", cut_short), pytest.raises(KeyboardInterrupt):
        move("--from", "filesystem", "--to", "s3")
    truncated = saved[2]
    partial = bucket_objects(s3_endpoint, both_stores)
    assert set(partial) == set(saved)
    assert partial[truncated] != kept[truncated]
    assert all(partial[name] == kept[name] for name in saved[:2])

    output = move("--from", "filesystem", "--to", "s3")
    assert summary(3, 2, 0) in output
    assert f"{truncated}: copied" in output
    assert bucket_objects(s3_endpoint, both_stores) == kept


def test_move_evidence_reports_a_damaged_source_file_and_copies_the_others(settings, s3_endpoint, both_stores, kept):
    damaged = sorted(kept)[1]
    path = pathlib.Path(settings.MEDIA_ROOT) / damaged
    path.write_bytes(path.read_bytes() + b"damage")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 files could not be copied"):
        call_command("move_evidence", "--from", "filesystem", "--to", "s3", stdout=out)
    output = out.getvalue()
    assert summary(4, 0, 1) in output
    assert f"{damaged}: failed: the source has SHA-256" in output
    assert bucket_objects(s3_endpoint, both_stores) == {name: sha for name, sha in kept.items() if name != damaged}


def test_move_evidence_dry_run_copies_nothing(s3_endpoint, both_stores, kept):
    output = move("--from", "filesystem", "--to", "s3", "--dry-run")
    assert "(dry run)" in output
    assert summary(5, 0, 0, verb="would be copied") in output
    assert bucket_objects(s3_endpoint, both_stores) == {}


def test_move_evidence_back_from_the_bucket_into_an_empty_media_root(settings, tmp_path, s3_endpoint, both_stores, kept):
    assert summary(5, 0, 0) in move("--from", "filesystem", "--to", "s3")
    settings.MEDIA_ROOT = tmp_path / "restored"
    assert on_disk(settings) == {}
    assert summary(5, 0, 0) in move("--from", "s3", "--to", "filesystem")
    assert on_disk(settings) == kept
    for path in files_under(settings.MEDIA_ROOT):
        assert oct(path.stat().st_mode & 0o777) == oct(0o600), path
    assert summary(0, 5, 0) in move("--from", "s3", "--to", "filesystem")
