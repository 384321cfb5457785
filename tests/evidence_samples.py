"""Real files made in the tests, byte by byte: every accepted type and every trick an upload might try.

Each builder returns bytes. test_evidence_uploads.py checks that libmagic names the good ones as expected,
so the tests cannot pass on files that only look right to us.
"""

import io
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
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Revised procedure on household composition, approved by the Board.</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def docx(extra_members=()):
    return _zip(
        [
            ("[Content_Types].xml", _content_types([("/word/document.xml", WORD_MAIN)])),
            ("_rels/.rels", _RELS.format(target="word/document.xml")),
            ("word/document.xml", DOCUMENT_XML),
            *extra_members,
        ]
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


def xlsx():
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    [
                        ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
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
                '<row r="1"><c r="A1" t="inlineStr"><is><t>Files audited</t></is></c><c r="B1"><v>30</v></c></row>'
                "</sheetData></worksheet>",
            ),
        ]
    )


ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def odt(extra_members=()):
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
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            "<office:body><office:text><text:p>Supervision records, quarter 3.</text:p></office:text></office:body>"
            "</office:document-content>",
        )
        for name, data in extra_members:
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_with_macro():
    return odt(extra_members=[("Basic/Standard/Module1.xml", "<script:module/>")])


def plain_zip():
    return _zip([("minutes.txt", "Minutes."), ("attendance.csv", "a,b\n1,2\n")])


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
