#!/usr/bin/env python
"""Benchmark of evidence/uploads.py on hostile files: how long a refusal takes and how much memory it needs.

    .venv/bin/python scripts/bench_upload_refusal.py            # every case
    .venv/bin/python scripts/bench_upload_refusal.py --case deep-nesting

It writes each file to a temporary folder, then checks it in a fresh Python process (as gunicorn would hold it: an
uploaded file on disk) twice: once for the time and the growth of the process's peak memory (ru_maxrss), once under
tracemalloc for the peak of Python's own allocations. Nothing touches the database. Not a timed test: the figures
depend on the machine; README ("Evidence and file safety") quotes some. The aim: refusing a hostile file takes
under 1 s and 50 MB.
"""

import argparse
import io
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

MB = 1024 * 1024


# --- the files ----------------------------------------------------------------------------------------------


def _many_empty_parts(count=230_009):
    """The issue's file: an .xlsx of 230,009 empty parts before a real workbook's (so libmagic calls it a zip)."""
    from tests import evidence_samples as samples

    buffer = io.BytesIO()
    workbook = zipfile.ZipFile(io.BytesIO(samples.xlsx()))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"x/{i:06d}", b"")
        for info in workbook.infolist():
            archive.writestr(info.filename, workbook.read(info))
    return buffer.getvalue()


def _understated_end_record():
    """The same file, its (zip64) end record claiming 3 parts: zipfile reads the directory by its size, whatever
    that count says."""
    data = bytearray(_many_empty_parts())
    end = data.rfind(b"PK\x06\x06")
    data[end + 24 : end + 40] = struct.pack("<QQ", 3, 3)
    return bytes(data)


def _nested_zip_of_zeros():
    """The issue's file: an .xlsx holding a zip of 100 MB of zeros."""
    from tests import evidence_samples as samples

    return samples.xlsx([("xl/embeddings/data.zip", samples.zip_of_zeros(100))])


def _nested_bomb():
    """A Word document in a workbook, its picture inflating to 1 GB (about 1 MB compressed)."""
    from tests import evidence_samples as samples

    return samples.xlsx([("xl/embeddings/Microsoft_Word_Document.docx", samples.zip_bomb_docx(inflated_mb=1000))])


def _deep_nesting(depth=200):
    from tests import evidence_samples as samples

    return samples.nested_docx(depth)


def _pdf_objects(count, javascript=False):
    """A PDF of ``count`` tiny objects, all in its cross-reference table; its /OpenAction runs JavaScript if asked."""
    from tests import evidence_samples as samples

    action = b" /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>" if javascript else b""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R" + action + b" >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}
    objects.update({n: b"<< /N %d >>" % n for n in range(4, count)})
    return samples.raw_pdf(objects)


def _normal_docx(megabytes=20):
    """What an agency would send: 20 MB, mostly pictures, 400 pages of text with page-number fields, web links."""
    from tests import evidence_samples as samples

    words = ("agency review child family information shared late referral strategy meeting police health school "
             "social care plan action audit training staff attended protocol agreed escalation threshold").split()
    chance = random.Random(11)

    def paragraph():
        sentence = " ".join(chance.choice(words) for _ in range(chance.randint(20, 60)))
        return f"<w:p><w:r><w:t>{sentence.capitalize()}.</w:t></w:r></w:p>"

    field = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    body = "".join("".join(paragraph() for _ in range(12)) + field for _ in range(400))
    pictures = [(f"word/media/image{i}.jpeg", os.urandom(MB)) for i in range(megabytes - 1)]
    rels = samples.relationships(*[("hyperlink", f"https://www.gov.uk/page{i}", True) for i in range(200)])
    return samples.docx([*pictures, ("word/_rels/document.xml.rels", rels)], body=body)


CASES = {
    "many-empty-parts": ("audit.xlsx", _many_empty_parts),
    "understated-end-record": ("audit.xlsx", _understated_end_record),
    "nested-zip-of-zeros": ("audit.xlsx", _nested_zip_of_zeros),
    "nested-bomb": ("audit.xlsx", _nested_bomb),
    "deep-nesting": ("procedure.docx", _deep_nesting),
    "pdf-many-objects": ("report.pdf", lambda: _pdf_objects(300_000)),
    "pdf-at-the-object-limit": ("report.pdf", lambda: _pdf_objects(99_000)),
    "pdf-javascript-and-99k": ("report.pdf", lambda: _pdf_objects(99_000, javascript=True)),
    "normal-20-mb-docx": ("procedure.docx", _normal_docx),
}


# --- one check, in a fresh process --------------------------------------------------------------------------


def _check_one(path, name, traced):
    import django

    django.setup()
    from django.core.files.uploadedfile import UploadedFile

    from evidence import uploads

    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        upload = UploadedFile(handle, name=name, size=size)
        before = _resident_now_and_reset_peak()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            uploads.check_upload(upload)
            outcome = "accepted"
        except uploads.UploadRefused as refusal:
            outcome = f"refused ({refusal.code})"
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        grown = _peak_resident() - before
    print(json.dumps({"outcome": outcome, "seconds": seconds, "python_peak": peak, "rss_growth": grown}))


def _status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _resident_now_and_reset_peak():
    """The process's resident memory now; on Linux its peak is reset to it (so that the peak measured after is the
    check's own), elsewhere the peak so far is the baseline."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_resident():
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _measure(path, name):
    results = []
    for traced in (False, True):
        command = [sys.executable, __file__, "--check", str(path), "--name", name] + (["--traced"] if traced else [])
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    untraced, traced = results
    return untraced["outcome"], untraced["seconds"], untraced["rss_growth"], traced["python_peak"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only this case (repeatable)")
    parser.add_argument("--check", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check:
        _check_one(args.check, args.name, args.traced)
        return

    import django

    django.setup()
    print(f"{'case':<24} {'file':>9} {'outcome':<28} {'time':>8} {'peak RSS +':>11} {'Python peak':>12}")
    with tempfile.TemporaryDirectory() as folder:
        for case in args.case or CASES:
            name, build = CASES[case]
            path = Path(folder) / name
            path.write_bytes(build())
            outcome, seconds, rss, python_peak = _measure(path, name)
            size = path.stat().st_size
            shown = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} kB"
            print(
                f"{case:<24} {shown:>9} {outcome:<28} {seconds:>6.3f} s {rss / MB:>8.1f} MB "
                f"{python_peak / MB:>9.1f} MB"
            )
            path.unlink()


if __name__ == "__main__":
    main()
