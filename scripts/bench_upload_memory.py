#!/usr/bin/env python
"""Benchmark of one large evidence upload through the real view: how much the process's peak memory grows.

    .venv/bin/python scripts/bench_upload_memory.py                 # every case, 25 MB files
    .venv/bin/python scripts/bench_upload_memory.py --case one-image --megabytes 10

Each case runs in a fresh Python process, as a gunicorn worker holds a request: Django set up with DEBUG off on a
throwaway SQLite database in a temporary folder (the configured database is never touched), an agency user signed
in with Django's test client, and one small PDF uploaded first (imports and first-request costs are not the
upload's). Then the measured upload: its multipart body is written to a file beforehand and streamed from there
as the request's ``wsgi.input``, as a server reads it from the socket, so the client's own copy of the body is not
counted. It goes through every middleware (the body limits parse it), the view, every check of evidence/uploads.py,
storage and the database write. Printed: the answer, the time, the growth of the peak resident memory (ru_maxrss,
reset to the current size just before on Linux) and, in a second fresh process, tracemalloc's peak of Python's own
allocations. Not a timed test: README "Load" quotes the figures; the aim is at most 10 MB for a 25 MB file.
"""

import argparse
import json
import mimetypes
import os
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same measure of a process's memory as the hostile-file benchmark's (resident now, peak since).
from bench_upload_refusal import _peak_resident, _resident_now_and_reset_peak  # noqa: E402

MB = 1024 * 1024
BOUNDARY = "scrsystem-upload-memory-bench"


# --- the files ----------------------------------------------------------------------------------------------


def _pdf_of_images(total_bytes, pages):
    """A valid PDF of ``pages`` pages, each showing one JPEG-compressed picture, ``total_bytes`` long in all: what a
    scanned document is. The pictures' bytes are random (nothing decodes them: the checks read the dictionaries)."""
    from tests import evidence_samples as samples

    def build(image_bytes):
        objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
        kids = []
        for page in range(pages):
            page_number, image_number, content_number = 3 + 3 * page, 4 + 3 * page, 5 + 3 * page
            kids.append(b"%d 0 R" % page_number)
            objects[page_number] = (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (image_number, content_number)
            )
            picture = os.urandom(image_bytes)
            objects[image_number] = (
                b"<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(picture)
                + picture + b"\nendstream"
            )
            content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
            objects[content_number] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
        return samples.raw_pdf(objects)

    # The pictures' /Length, and the cross-reference table's offset, grow from 1 digit to at most 9.
    overhead = len(build(0)) + 8 * (pages + 1)
    return build((total_bytes - overhead) // pages)


def _word_document_of_pictures(total_bytes):
    """A Word document of one page of text and 1 MB pictures, just under ``total_bytes`` long."""
    from tests import evidence_samples as samples

    pictures = [(f"word/media/image{i}.jpeg", os.urandom(MB)) for i in range(total_bytes // MB - 1)]
    return samples.docx(pictures)


CASES = {
    # A scanned report: 40 pages, each one picture.
    "scanned-pages": ("scanned-report.pdf", lambda size: _pdf_of_images(size, pages=40)),
    # The worst case for a reader that loads what it reads: one page, one picture the size of the file.
    "one-image": ("poster.pdf", lambda size: _pdf_of_images(size, pages=1)),
    # A Word document, mostly pictures (checked as a zip package by evidence/packages.py).
    "word-pictures": ("minutes.docx", _word_document_of_pictures),
}


def multipart_body(path, name, data):
    """The body a browser sends for the evidence form with ``data`` as its one file, written to ``path``."""
    fields = {"description": "Scanned minutes of the strategy meeting", "represents_on": "2026-01-15", "note": ""}
    with open(path, "wb") as body:
        for field, value in fields.items():
            body.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'.encode())
        body.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: {mimetypes.guess_type(name)[0]}\r\n\r\n".encode()
        )
        body.write(data)
        body.write(f"\r\n--{BOUNDARY}--\r\n".encode())


# --- one upload, in a fresh process -------------------------------------------------------------------------


def _environment(folder):
    """DEBUG off, as in production, on a throwaway SQLite database and private folder under ``folder``."""
    variables = {
        "DJANGO_SETTINGS_MODULE": "scrsystem.settings",
        "VAR_DIR": str(Path(folder) / "var"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECOND_FACTOR_ROLES": "",
        "EVIDENCE_SCANNING": "off",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
    }
    return {**{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}, **variables}


def _upload_one(body_path, traced):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    from accounts.models import Role
    from evidence.documents import simple_pdf
    from evidence.models import Evidence
    from tests import factories

    call_command("migrate", verbosity=0)
    # DEBUG off serves static files by their hashed names, from a manifest that collectstatic writes; the pages'
    # links need no hashing here.
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
    police = factories.agency(name="Bench Police", short_name="Police")
    person = factories.user(Role.AGENCY, agency=police)
    action = factories.action(factories.plan(factories.review(), police), police)
    client = Client()
    client.force_login(person)
    url = f"/actions/{action.pk}/evidence/new/"
    warm_up = client.post(url, {"description": "Warm-up", "represents_on": "2026-01-15",
                                "files": _named(simple_pdf(["Warm-up"]), "warm-up.pdf")})
    assert warm_up.status_code == 302, warm_up.content[:2000]

    size = os.path.getsize(body_path)
    with open(body_path, "rb") as body:
        request = {"REQUEST_METHOD": "POST", "PATH_INFO": url, "CONTENT_LENGTH": str(size),
                   "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "wsgi.input": body}
        before = _resident_now_and_reset_peak()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.request(**request)
        seconds = time.perf_counter() - started
        python_peak = tracemalloc.get_traced_memory()[1] if traced else None
        grown = _peak_resident() - before
    item = Evidence.objects.filter(action=action).order_by("-pk").first()
    stored = response.status_code == 302 and item.description.startswith("Scanned")
    outcome = f"{response.status_code}, stored" if stored else f"{response.status_code}, not stored"
    print(json.dumps({"outcome": outcome, "seconds": seconds, "python_peak": python_peak, "rss_growth": grown}))


def _named(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _measure(body_path):
    results = []
    for traced in (False, True):
        with tempfile.TemporaryDirectory(prefix="scrsystem-upload-") as folder:
            command = [sys.executable, __file__, "--upload", str(body_path)] + (["--traced"] if traced else [])
            done = subprocess.run(command, capture_output=True, text=True, env=_environment(folder), cwd=ROOT)
            if done.returncode:
                sys.exit(done.stderr)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    untraced, traced = results
    return untraced["outcome"], untraced["seconds"], untraced["rss_growth"], traced["python_peak"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only this case (repeatable)")
    parser.add_argument("--megabytes", type=int, default=25, help="size of the file (default 25, the upload limit)")
    parser.add_argument("--upload", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upload:
        _upload_one(args.upload, args.traced)
        return

    print(f"{'case':<16} {'file':>8} {'answer':<14} {'time':>8} {'peak RSS +':>11} {'Python peak':>12}")
    with tempfile.TemporaryDirectory(prefix="scrsystem-upload-body-") as folder:
        for case in args.case or CASES:
            name, build = CASES[case]
            data = build(args.megabytes * MB)
            body_path = Path(folder) / "body"
            multipart_body(body_path, name, data)
            del data
            outcome, seconds, rss, python_peak = _measure(body_path)
            print(f"{case:<16} {args.megabytes:>5} MB {outcome:<14} {seconds:>6.3f} s {rss / MB:>8.1f} MB "
                  f"{python_peak / MB:>9.1f} MB")
            body_path.unlink()


if __name__ == "__main__":
    main()
