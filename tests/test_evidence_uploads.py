"""Every accepted type and every refusal of evidence/uploads.py, each with a real file made in the test."""

import os
import pathlib

import magic
import pytest
from django.urls import reverse

from evidence import uploads
from evidence.models import Evidence
from tests import evidence_samples as samples

ACCEPTED = [
    # (name, builder, what libmagic must call it, content type stored)
    ("attendance.pdf", samples.pdf, "application/pdf", "application/pdf"),
    ("procedure.docx", samples.docx, uploads.DOCX, uploads.DOCX),
    ("audit.xlsx", samples.xlsx, uploads.XLSX, uploads.XLSX),
    ("supervision.odt", samples.odt, uploads.ODT, uploads.ODT),
    ("poster.png", samples.png, "image/png", "image/png"),
    ("photo.jpg", samples.jpeg, "image/jpeg", "image/jpeg"),
    ("photo.JPEG", samples.jpeg, "image/jpeg", "image/jpeg"),
    ("minutes.txt", samples.text, "text/plain", "text/plain"),
    ("attendance.csv", samples.csv, "text/csv", "text/csv"),
]


@pytest.mark.parametrize(("name", "build", "detected", "stored_as"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_libmagic_names_each_sample_as_expected(name, build, detected, stored_as):
    assert magic.from_buffer(build(), mime=True) == detected


@pytest.mark.parametrize(("name", "build", "detected", "stored_as"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_it_accepts_each_allowed_type(name, build, detected, stored_as):
    data = build()
    checked = uploads.check_upload(samples.upload(name, data))
    assert checked.content_type == stored_as
    assert checked.size == len(data)
    assert checked.original_name == name
    assert len(checked.sha256) == 64


def _refused(name, data, code=None, match=None):
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload(name, data))
    message = " ".join(refusal.value.messages)
    if code:
        assert refusal.value.code == code, message
    if match:
        assert match in message, message
    return message


REFUSED = [
    # (test id, name, builder, code, words the message must contain)
    ("png-header-then-html", "chart.png", samples.png_header_then_html, "mismatch", "must agree"),
    ("html-after-png-end", "chart.png", samples.png_with_html_after_the_end, "malformed", "hidden after the end"),
    ("gif-named-png", "chart.png", samples.gif, "mismatch", "GIF image"),
    ("docm", "procedure.docm", samples.docm, "refused_type", "macro-enabled"),
    ("docm-renamed-docx", "procedure.docx", samples.docm, "macro", "macro"),
    ("vba-part-in-docx", "procedure.docx", samples.docx_with_macro_part, "macro", "macro"),
    ("macro-in-odt", "supervision.odt", samples.odt_with_macro, "macro", "macro"),
    ("elf-named-pdf", "report.pdf", samples.elf, "refused_type", "is a program"),
    ("elf-named-exe", "report.exe", samples.elf, "refused_type", "is a program"),
    ("shell-script-named-txt", "notes.txt", samples.shell_script, "refused_type", "is a script"),
    ("html-named-pdf", "report.pdf", samples.html, "refused_type", "web page"),
    ("html", "report.html", samples.html, "refused_type", "web page"),
    ("svg", "diagram.svg", samples.svg, "refused_type", "SVG"),
    ("svg-named-png", "diagram.png", samples.svg, "refused_type", "SVG"),
    ("zip", "evidence.zip", samples.plain_zip, "refused_type", "archive"),
    ("zip-named-docx", "evidence.docx", samples.plain_zip, "refused_type", "archive"),
    ("pdf-named-docx", "evidence.docx", samples.pdf, "mismatch", "PDF document"),
    ("docx-named-pdf", "evidence.pdf", samples.docx, "mismatch", "Word"),
    ("empty", "empty.pdf", lambda: b"", "empty", "is empty"),
    ("no-extension", "evidence", samples.pdf, "refused_extension", "without an extension"),
    ("binary-named-txt", "data.txt", lambda: b"\x00\x01\x02\x03" * 100, "mismatch", "must agree"),
]


@pytest.mark.parametrize(("name", "build", "code", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_it_refuses_with_a_clear_message(name, build, code, words):
    message = _refused(name, build(), code=code, match=words)
    assert f"“{name}”" in message


def test_it_refuses_a_zip_bomb_named_docx():
    bomb = samples.zip_bomb_docx(inflated_mb=120)
    assert len(bomb) < 1024 * 1024
    _refused("procedure.docx", bomb, code="zip_bomb", match="zip bomb")


def test_it_refuses_an_office_file_that_would_unpack_beyond_the_limit(settings):
    settings.EVIDENCE_MAX_UNPACKED_MB = 1
    _refused("procedure.docx", samples.zip_bomb_docx(inflated_mb=2), code="zip_bomb", match="would unpack to")


def test_it_refuses_an_office_file_with_an_absurd_number_of_members(settings):
    settings.EVIDENCE_MAX_ARCHIVE_MEMBERS = 50
    _refused("procedure.docx", samples.docx_with_many_members(60), code="too_many_members", match="63 parts")


def test_it_refuses_an_oversized_file(settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    data = samples.pdf() + b"%" + b"x" * (1024 * 1024)
    _refused("big.pdf", data, code="too_large", match="the limit is 1 MB")


# --- names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\report.pdf", "report.pdf"),
        ('say "hello".pdf', "say _hello_.pdf"),
        ("it's fine.pdf", "it's fine.pdf"),
        ("report\r\nX-Injected: 1.pdf", "report X-Injected_ 1.pdf"),
        ("report\r\nContent-Type: text/html.pdf", "html.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("Überprüfung – Akte 3.pdf", "Überprüfung – Akte 3.pdf"),
        ("résumé\u202egpj.pdf", "résumégpj.pdf"),
        ("...", "evidence"),
        (".hidden.pdf", "hidden.pdf"),
    ],
)
def test_original_names_are_cleaned(given, kept):
    assert uploads.clean_name(given) == kept


def test_a_nul_cannot_hide_the_real_extension():
    _refused("report.pdf\x00.exe", samples.pdf(), code="refused_extension", match="report.pdf.exe")


def test_a_path_in_the_name_is_dropped_and_the_file_judged_by_what_is_left():
    checked = uploads.check_upload(samples.upload("../../../etc/attendance.pdf", samples.pdf()))
    assert checked.original_name == "attendance.pdf"
    _refused("../../scrsystem/settings.py", b"SECRET_KEY = 'x'\n", code="refused_extension")


def test_a_long_name_is_shortened_keeping_its_extension():
    name = uploads.clean_name("a" * 300 + ".pdf")
    assert len(name) == uploads.MAX_NAME_LENGTH and name.endswith(".pdf")


# --- through the page: nothing is left on disk by a refusal ----------------------------------------------


def _files_under(root):
    root = pathlib.Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, world, *files, note=""):
    data = {"description": "Workshop attendance.", "represents_on": "2026-01-15", "note": note, "files": list(files)}
    return client.post(reverse("evidence:submit", args=[world.multi_action.pk]), data)


def test_a_refused_upload_leaves_nothing_on_disk_and_no_row(client, world, settings):
    client.force_login(world.agency_user)
    response = _post(client, world, samples.upload("report.pdf", samples.elf()))
    assert response.status_code == 400
    assert "is a program" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_one_bad_file_refuses_the_whole_submission(client, world, settings):
    client.force_login(world.agency_user)
    response = _post(
        client, world, samples.upload("attendance.pdf", samples.pdf()), samples.upload("chart.png", samples.gif())
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_an_oversized_upload_is_stopped_while_it_is_read(client, world, settings, tmp_path):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # so that a file would be spooled to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    client.force_login(world.agency_user)
    big = samples.pdf() + b"%" + b"x" * (1024 * 1024 + 10)
    response = _post(client, world, samples.upload("big.pdf", big))
    assert response.status_code == 400
    assert "“big.pdf” is larger than the 1 MB limit" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []


def test_the_size_limit_stops_only_the_oversized_file(client, world, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(world.agency_user)
    big = samples.pdf() + b"%" + b"x" * (1024 * 1024 + 10)
    response = _post(client, world, samples.upload("small.pdf", samples.pdf()), samples.upload("big.pdf", big))
    assert response.status_code == 400
    assert "“big.pdf” is larger than the 1 MB limit" in response.content.decode()
    assert not Evidence.objects.exists()


def test_each_accepted_file_becomes_an_item_stored_under_a_generated_private_name(client, world, settings):
    client.force_login(world.agency_user)
    files = [samples.upload(name, build()) for name, build, _, _ in ACCEPTED]
    response = _post(client, world, *files[:5])
    assert response.status_code == 302, response.content.decode()[:3000]
    response = _post(client, world, *files[5:])
    assert response.status_code == 302
    items = list(Evidence.objects.order_by("pk"))
    assert [item.original_name for item in items] == [name for name, *_ in ACCEPTED]
    media = pathlib.Path(settings.MEDIA_ROOT)
    for item in items:
        path = media / item.stored_name
        assert path.is_file()
        assert item.original_name not in item.stored_name
        assert item.stored_name.startswith("evidence/")
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
        for parent in path.relative_to(media).parents:
            if str(parent) != ".":
                assert oct((media / parent).stat().st_mode & 0o777) == oct(0o700), parent
    assert oct(media.stat().st_mode & 0o777) == oct(0o700)
