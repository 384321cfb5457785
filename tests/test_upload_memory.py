"""A large PDF is checked without reading it whole (scripts/bench_upload_memory.py measures the memory it saves)."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile

from evidence import pdfs, uploads
from tests import evidence_samples as samples

KB = 1024


class RecordingFile(io.BytesIO):
    """A file that remembers how many bytes each read returned."""

    def __init__(self, data):
        super().__init__(data)
        self.reads = []

    def read(self, size=-1):
        data = super().read(size)
        self.reads.append(len(data))
        return data


def pdf_of_pictures(pages, picture_bytes, last_page=b""):
    """A PDF of ``pages`` pages, each one picture of ``picture_bytes``; ``last_page`` goes in the last page's
    dictionary, after every picture but one."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    kids = []
    for page in range(pages):
        number = 3 + 2 * page
        kids.append(b"%d 0 R" % number)
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 %d 0 R >> >> "
            % (number + 1) + (last_page if page == pages - 1 else b"") + b" >>"
        )
        picture = bytes([page % 251]) * picture_bytes
        objects[number + 1] = (
            b"<< /Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceRGB /BitsPerComponent 8 "
            b"/Filter /DCTDecode /Length %d >>\nstream\n" % len(picture) + picture + b"\nendstream"
        )
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    return samples.raw_pdf(objects)


def test_a_large_pdf_is_checked_in_pieces_never_read_whole():
    data = pdf_of_pictures(pages=48, picture_bytes=64 * KB)
    assert len(data) > 3 * uploads.SNIFF_BYTES
    file = RecordingFile(data)
    upload = InMemoryUploadedFile(file, "files", "scan.pdf", "application/pdf", len(data), None)
    checked = uploads.check_upload(upload)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.size == len(data)
    # The largest read is libmagic's first megabyte; before, the PDF check read the whole file (and pypdf a copy).
    assert max(file.reads) <= uploads.SNIFF_BYTES


def test_javascript_on_the_last_page_of_a_large_pdf_is_still_found():
    data = pdf_of_pictures(pages=48, picture_bytes=64 * KB, last_page=b"/AA << /O << /S /JavaScript /JS (x) >> >>")
    assert data.find(b"/JavaScript") > 2 * uploads.SNIFF_BYTES
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload("scan.pdf", data))
    assert refusal.value.code == "javascript"


@pytest.mark.parametrize("chunk", [5, 6, 7, 19, 20, 21, 64, 1024 * KB])
def test_objects_split_between_pieces_are_counted_once(monkeypatch, chunk):
    """The counts, whatever the size of the pieces, are those of the whole file: at the limit it passes, one over it
    does not."""
    monkeypatch.setattr(pdfs, "_CHUNK", chunk)
    data = samples.raw_pdf({n: b"<< /N %d >>" % n for n in range(1, 41)})
    objects = data.count(b"endobj")
    entries = len(list(pdfs._XREF_ENTRY.finditer(data)))
    assert (objects, entries) == (40, 41)
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", entries)
    assert pdfs._more_objects_than_allowed(io.BytesIO(data)) is False
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", entries - 1)
    assert pdfs._more_objects_than_allowed(io.BytesIO(data)) is True
    # "endobj" alone, so that its own count decides.
    only_objects = b"1 0 obj\nnull\nendobj\n" * 30
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", 30)
    assert pdfs._more_objects_than_allowed(io.BytesIO(only_objects)) is False
    monkeypatch.setattr(pdfs, "MAX_OBJECTS", 29)
    assert pdfs._more_objects_than_allowed(io.BytesIO(only_objects)) is True


def test_the_data_of_a_large_stream_is_never_read():
    """A scan that is one large picture: the check reads the dictionaries, never the picture (README "Load")."""
    data = pdf_of_pictures(pages=1, picture_bytes=3 * 1024 * KB)
    file = RecordingFile(data)
    upload = InMemoryUploadedFile(file, "files", "scan.pdf", "application/pdf", len(data), None)
    assert uploads.check_upload(upload).size == len(data)
    assert max(file.reads) <= uploads.SNIFF_BYTES  # pypdf alone would read the 3 MB picture in one piece


def test_javascript_after_large_pictures_is_still_found():
    data = pdf_of_pictures(pages=3, picture_bytes=2 * pdfs._SKIP_FROM, last_page=b"/AA << /O << /S /JavaScript /JS (x) >> >>")
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload("scan.pdf", data))
    assert refusal.value.code == "javascript"


def test_javascript_in_an_object_stream_larger_than_what_is_skipped_is_still_found():
    """Object streams hold objects in their data: they are read whole, however large."""
    data = samples.pdf_with_javascript_in_an_object_stream(padding=2 * pdfs._SKIP_FROM)
    assert len(data) > 2 * pdfs._SKIP_FROM
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.check_upload(samples.upload("report.pdf", data))
    assert refusal.value.code == "javascript"
