"""Small, real documents made in code: the demo's evidence files (and the tests' PDFs).

The PDF is a genuine one-page PDF 1.4 with a correct cross-reference table, so PDF readers open it and
libmagic calls it ``application/pdf``. Only standard Helvetica and plain ASCII text are used.
"""

import textwrap


def _pdf_text(line):
    safe = line.encode("ascii", "replace").decode("ascii")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(lines, *, title="Evidence"):
    """A one-page A4 PDF showing ``lines`` of text (at most about 45 lines fit)."""
    stream_lines = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
    for line in [title, "", *lines]:
        for part in textwrap.wrap(line, 90) or [""]:
            stream_lines.append(f"({_pdf_text(part)}) '")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("ascii")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + _pdf_text(title).encode("ascii") + b") /Producer (scrsystem) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
