"""Downloads: only through the view, which checks access, re-checks the SHA-256, logs, and sends safe headers."""

import pytest
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceDownload
from tests import evidence_samples as samples


def _download(client, item):
    return client.get(reverse("evidence:download", args=[item.pk]))


def test_a_download_is_an_attachment_that_browsers_will_not_sniff_or_cache(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    response = _download(client, item)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="attendance.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == samples.pdf()


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("Überprüfung – Akte.pdf", "attachment; filename*=utf-8''%C3%9Cberpr%C3%BCfung%20%E2%80%93%20Akte.pdf"),
        ('say "hi"\r\nX-Evil: 1.pdf', 'attachment; filename="say _hi_ X-Evil_ 1.pdf"'),
        ("it's a back\\slash.pdf", 'attachment; filename="slash.pdf"'),
    ],
)
def test_the_original_name_is_given_back_properly_encoded(client, world, name, header):
    item = samples.submit(world.multi_action, world.agency_user, name=name)
    client.force_login(world.agency_user)
    response = _download(client, item)
    assert response["Content-Disposition"] == header
    assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]


def test_every_download_is_logged_with_who_where_and_when(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    for user in (world.consultant, world.chair, world.agency_user):
        client.force_login(user)
        assert _download(client, item).status_code == 200
    log = list(EvidenceDownload.objects.order_by("at", "id"))
    assert [(entry.evidence, entry.user) for entry in log] == [
        (item, world.consultant), (item, world.chair), (item, world.agency_user)
    ]
    assert all(entry.at for entry in log)
    assert {entry.ip_address for entry in log} == {"127.0.0.1"}


def test_a_file_changed_since_upload_is_refused_and_not_logged(client, world, settings, caplog):
    item = samples.submit(world.multi_action, world.agency_user)
    stored = settings.MEDIA_ROOT / item.stored_name
    stored.write_bytes(stored.read_bytes().replace(b"212 staff", b"999 staff"))
    client.force_login(world.consultant)
    response = _download(client, item)
    assert response.status_code == 409
    assert b"999 staff" not in response.content
    assert "no longer matches" in response.content.decode()
    assert not EvidenceDownload.objects.exists()
    assert any("refused" in record.getMessage() and record.levelname == "ERROR" for record in caplog.records)


def test_a_missing_file_is_refused(client, world, settings):
    item = samples.submit(world.multi_action, world.agency_user)
    (settings.MEDIA_ROOT / item.stored_name).unlink()
    client.force_login(world.consultant)
    assert _download(client, item).status_code == 409


def test_a_written_note_has_nothing_to_download(client, world):
    item = samples.submit_note(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    assert _download(client, item).status_code == 404


def test_downloads_are_get_only(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    assert client.post(reverse("evidence:download", args=[item.pk])).status_code == 405


def test_files_are_not_reachable_under_any_media_url(client, world, settings):
    item = samples.submit(world.multi_action, world.agency_user)
    assert settings.MEDIA_URL is None
    client.force_login(world.admin)
    for guess in (f"/media/{item.stored_name}", f"/{item.stored_name}", f"/private/{item.stored_name}"):
        assert client.get(guess).status_code == 404


def test_administrators_read_the_download_log_in_the_admin_and_cannot_change_it(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    services.evidence_record_download(evidence=item, user=world.chair)
    entry = EvidenceDownload.objects.get()
    client.force_login(world.admin)
    listing = client.get(reverse("admin:evidence_evidencedownload_changelist"))
    assert listing.status_code == 200
    assert str(world.chair) in listing.content.decode()
    assert client.get(reverse("admin:evidence_evidencedownload_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:evidence_evidencedownload_add")).status_code == 403
    assert client.post(reverse("admin:evidence_evidencedownload_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert EvidenceDownload.objects.filter(pk=entry.pk).exists()


def test_the_admin_can_read_evidence_but_not_delete_or_change_it(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.admin)
    assert client.get(reverse("admin:evidence_evidence_changelist")).status_code == 200
    page = client.get(reverse("admin:evidence_evidence_change", args=[item.pk]))
    assert page.status_code == 200
    assert reverse("admin:evidence_evidence_delete", args=[item.pk]) not in page.content.decode()
    assert client.post(reverse("admin:evidence_evidence_delete", args=[item.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:evidence_evidence_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [item.pk], "post": "yes"})
    assert item.__class__.objects.filter(pk=item.pk).exists()
