"""PDF documents: parsed with pypdf and every object looked at (README, "Evidence and file safety").

A PDF is refused when it carries something that runs, or files that nobody checked: JavaScript (/JavaScript, /JS),
launch actions (/Launch), attached files (/EmbeddedFile, /EmbeddedFiles, /EF, file attachment annotations), rich
media (/RichMedia: Flash, video) or XFA forms (/XFA). Whether such a name is the key or the value, in the catalog's
/Names, an /OpenAction, the /AA of a page or an annotation, /AcroForm or anywhere else, it is found: every object of
the cross-reference table is read, those in compressed object streams too, and every object referred to; pypdf
decodes "#"-escaped names (/J#61vaScript is /JavaScript). A file pypdf cannot read is refused, and so is one with
more objects, or taking longer, than a document can reasonably need.
"""

import logging
import re
import time

from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from evidence.refusals import UploadRefused

#: The most objects a PDF may have: a long report has a few thousand, a tagged (accessible) one a few for every
#: paragraph. pypdf reads one in about 25 microseconds, so a file at the limit takes two to three seconds.
MAX_OBJECTS = 100_000
#: Whatever the count, the check stops (and refuses) after this long.
MAX_SECONDS = 10
#: An entry of a classic cross-reference table: offset, generation, in use or free, end of line (20 bytes).
_XREF_ENTRY = re.compile(rb"\d{10} \d{5} [nf](?: \r| \n|\r\n)")
_XREF_ENTRY_BYTES = 20
#: The file is counted in pieces this large, never read whole (README "Load": the memory of a large upload).
_CHUNK = 1024 * 1024

_FOUND = {
    "/JavaScript": "javascript",
    "/JS": "javascript",
    "/Launch": "launch",
    "/EmbeddedFile": "attachment",
    "/EmbeddedFiles": "attachment",
    "/EF": "attachment",
    "/FileAttachment": "attachment",
    "/RichMedia": "rich_media",
    "/XFA": "xfa",
}
_MESSAGES = {
    "javascript": (
        "contains JavaScript, which can run when it is opened. Print it to a new PDF without scripts, or save it "
        "again without them."
    ),
    "launch": (
        "contains an action that starts a program or opens another file. Print it to a new PDF, or save it again "
        "without the action."
    ),
    "attachment": (
        "has files attached inside it, which cannot be checked there. Upload each of them on its own, and the PDF "
        "saved again without its attachments (or printed to a new PDF)."
    ),
    "rich_media": (
        "contains embedded media (such as Flash or video) that can run code when it is opened. Print it to a new "
        "PDF without it."
    ),
    "xfa": "is an XFA (dynamic) form, which can run scripts. Print it to a new PDF, or save it as an ordinary PDF.",
}

logger = logging.getLogger(__name__)


def check_pdf(upload, name, head):
    if not head.startswith(b"%PDF-"):
        raise UploadRefused(f"“{name}” does not start like a PDF document.", code="malformed")
    try:
        if _more_objects_than_allowed(upload):
            raise _too_complex(name)
        # pypdf reads the file where it needs to (the uploaded file on disk), object by object, not whole; from the
        # file itself, not through Django's File, whose every read and seek costs a lookup more (a third slower).
        upload.seek(0)
        file = _DictionariesOnly(getattr(upload, "file", upload))
        found = _active_content(PdfReader(file, xref_stream_maximum_entries=MAX_OBJECTS), file, name)
    except UploadRefused:
        raise
    except LimitReachedError:
        raise _too_complex(name) from None
    except DependencyError:
        # pypdf reads AES-encrypted files only with the "cryptography" package, which is not installed.
        found = "encrypted"
    except Exception as exc:  # pypdf raises many kinds of error on a hostile file; each means it cannot be read
        logger.info("PDF refused as unreadable: %s: %r", name, exc)
        raise UploadRefused(
            f"“{name}” cannot be read as a PDF: it is damaged or not really a PDF. Save or print it to a new PDF "
            "and upload that.",
            code="malformed",
        ) from None
    finally:
        upload.seek(0)
    if found == "encrypted":
        raise UploadRefused(
            f"“{name}” is password-protected or encrypted, so it cannot be checked. Remove the protection (or "
            "print it to a new PDF) and upload it again.",
            code="encrypted",
        )
    if found:
        raise UploadRefused(f"“{name}” {_MESSAGES[found]}", code=found)


class _DictionariesOnly:
    """The uploaded file as pypdf reads it, until ``skip_stream_data``; from then on a read of _SKIP_FROM bytes or
    more (the data of a stream: a scanned page, a font) moves past them and gives nothing. The check looks at the
    dictionaries of streams, never at their data, so a 25 MB scan is never held in memory (README "Load"). Only
    object streams hold objects in their data: they are read before (_object_streams)."""

    def __init__(self, file):
        self._file = file
        self.read, self.seek, self.tell = file.read, file.seek, file.tell

    def __getattr__(self, name):
        return getattr(self._file, name)

    def skip_stream_data(self):
        self.read = self._read_skipping

    def _read_skipping(self, size=-1):
        if size >= _SKIP_FROM:
            self._file.seek(size, 1)
            return b""
        return self._file.read(size)


#: The smallest read of a stream's data that _DictionariesOnly skips: smaller ones are read as pypdf asks.
_SKIP_FROM = 256 * 1024


def _object_streams(reader):
    """The object streams of the document, read (with their data) and kept in pypdf's cache for the whole check:
    the compressed objects are read from them, whenever pypdf needs one again."""
    numbers = sorted({number for number, _ in reader.xref_objStm.values()})
    for number in numbers:
        IndirectObject(number, 0, reader).get_object()
    return {(number, 0) for number in numbers}


def _active_content(reader, file, name):
    """The kind of active content (a key of _MESSAGES) first found in the document, "encrypted", or None."""
    if reader.is_encrypted and not reader.decrypt(""):
        return "encrypted"  # only a user password opens it; one that opens without any is read as usual
    kept = _object_streams(reader)
    file.skip_stream_data()
    deadline = time.monotonic() + MAX_SECONDS
    seen = set()
    for root in _roots(reader):
        pending = [root]
        while pending:
            item = pending.pop()
            if len(seen) > MAX_OBJECTS or time.monotonic() > deadline:
                raise _too_complex(name)
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
                if key not in kept:  # each object is looked at once: pypdf need not keep it
                    reader.resolved_objects.pop(key[::-1], None)
            if isinstance(item, NameObject):
                kind = _kind(item)
                if kind:
                    return kind
            elif isinstance(item, DictionaryObject):  # streams too: their dictionary, not their data
                for key, value in item.items():
                    kind = _kind(key)
                    if kind:
                        return kind
                    pending.append(value)
            elif isinstance(item, ArrayObject):
                pending.extend(item)
    return None


def _roots(reader):
    """First the trailer, so that everything it leads to (an /OpenAction, say) is found early, depth first; then
    every object of the cross-reference table that nothing led to (their numbers taken then: pypdf adds the
    objects it repairs as it reads)."""
    yield reader.trailer
    for generation, numbers in [(generation, list(numbers)) for generation, numbers in reader.xref.items()]:
        for number in numbers:
            yield IndirectObject(number, generation, reader)
    for number in list(reader.xref_objStm):
        yield IndirectObject(number, 0, reader)


def _more_objects_than_allowed(upload):
    """Counted on the bytes, before pypdf spends time on them: the objects written out ("endobj") and the entries of
    classic cross-reference tables (pypdf's own limit, set above, bounds cross-reference streams). The file is read in
    pieces of _CHUNK bytes, each searched behind the last 19 bytes of the one before (one short of an entry), so that
    a match split between two pieces is found, and counted once: an "endobj" lying wholly in those bytes was counted
    with the piece before (an entry, 20 bytes, cannot lie wholly in them)."""
    upload.seek(0)
    objects = entries = 0
    carried = b""
    while piece := upload.read(_CHUNK):
        window = carried + piece
        objects += window.count(b"endobj") - carried.count(b"endobj")
        if objects > MAX_OBJECTS:
            return True
        entries += len(_XREF_ENTRY.findall(window))
        if entries > MAX_OBJECTS:
            return True
        carried = window[-(_XREF_ENTRY_BYTES - 1) :]
    return False


def _too_complex(name):
    return UploadRefused(
        f"“{name}” has more objects than a document can reasonably need, or takes too long to check: it may be "
        "built to overwhelm its reader. Print it to a new PDF and upload that.",
        code="too_complex",
    )


def _kind(name):
    if name.startswith("/RichMedia"):
        return "rich_media"
    return _FOUND.get(name)
