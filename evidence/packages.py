"""Office (.docx, .xlsx) and OpenDocument (.odt, .ods) files are zip packages: each is opened once and checked,
with every package inside it (README, "Evidence and file safety").

``open_package`` reads the number of members from the end of the zip's central directory, and counts the entries
there, before zipfile builds its list of them: a file of a million empty parts is refused at that cost, not after
parsing it. ``check_package`` then refuses, over the whole tree of packages inside packages:

- more than EVIDENCE_MAX_ARCHIVE_MEMBERS parts or EVIDENCE_MAX_UNPACKED_MB unpacked in total, a part compressed
  more than 100 to 1 ("zip bombs"), encrypted or damaged parts, packages nested more than EVIDENCE_MAX_NESTING_DEPTH
  deep;
- macros and active content (VBA projects, Excel 4 macro sheets, ActiveX, OpenDocument Basic, scripts and event
  handlers), embedded programs and old-style (OLE) objects, and zip archives that are not Office packages;
- anything fetched or run from outside the file: relationships with TargetMode="External" (a remote template,
  linked files and pictures; a plain web or e-mail hyperlink is allowed), links to other workbooks, DDE (in Excel
  formulas, Word fields and OpenDocument DDE sources) and OpenDocument content linked from elsewhere.

Every part is inflated once, in chunks, which checks its CRC; on the way its first bytes say whether it is a
package (checked in turn) or an OLE object, and its bytes are searched for the words that active content in XML
needs. Only an XML part in which one turns up is then read as XML, with expat, streaming, refusing any DTD.
"""

import dataclasses
import functools
import re
import struct
import tempfile
import xml.parsers.expat
import zipfile
import zlib

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from evidence.refusals import MB, UploadRefused

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

MACRO_ENABLED = "is a macro-enabled Office file. Macros are never accepted: save it as .docx or .xlsx."
MACRO_MESSAGE = "“{name}” " + MACRO_ENABLED

#: A part that inflates more than this many times its compressed size is refused (ordinary XML compresses 5 to 30
#: times; pictures hardly at all), once it is larger than RATIO_FLOOR.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR = 1 * MB
#: Parts are inflated this much at a time; a package inside a package is kept in memory up to SPOOL_IN_MEMORY,
#: beyond that in a temporary file.
CHUNK = 256 * 1024
SPOOL_IN_MEMORY = 1 * MB

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error)
_PROGRAM_EXTENSIONS = (".bin", ".exe", ".dll", ".bat", ".js", ".vbs")


# --- opening a package --------------------------------------------------------------------------------------


class Package:
    """An open zip package: the archive, its members, and what it declares itself to be."""

    def __init__(self, archive):
        self.archive = archive
        self.members = archive.infolist()

    def close(self):
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _read_small(self, member_name, limit):
        try:
            info = self.archive.getinfo(member_name)
        except KeyError:
            return None
        if info.file_size > limit:
            return None
        try:
            return self.archive.read(info)
        except _ZIP_ERRORS:
            return None

    @functools.cached_property
    def content_types(self):
        """The OOXML declaration of the parts' types, [Content_Types].xml, as bytes; None for OpenDocument."""
        return self._read_small("[Content_Types].xml", 1 * MB)

    @functools.cached_property
    def mimetype(self):
        """The OpenDocument "mimetype" member; None for OOXML."""
        declared = self._read_small("mimetype", 200)
        return None if declared is None else declared.decode("ascii", "replace").strip()

    @functools.cached_property
    def declared_type(self):
        """DOCX, XLSX, ODT or ODS when the package declares itself one of those; otherwise None."""
        if self.mimetype is not None:
            return self.mimetype if self.mimetype in (ODT, ODS) else None
        types = (self.content_types or b"").decode("utf-8", "replace")
        if "wordprocessingml.document.main+xml" in types:
            return DOCX
        if "spreadsheetml.sheet.main+xml" in types:
            return XLSX
        return None

    @property
    def is_office(self):
        """Any Office Open XML or OpenDocument package (a chart, a presentation, ...), not only the accepted types."""
        return self.content_types is not None or (self.mimetype or "").startswith("application/vnd.oasis.opendocument.")


@dataclasses.dataclass
class _Budget:
    """What the whole tree of packages in one upload has used of the limits so far."""

    members: int = 0
    unpacked: int = 0


def open_package(fileobj, name):
    """The zip package in ``fileobj`` (the upload ``name``), or None when it is not a zip archive. Close it after."""
    return _open(fileobj, name, _Budget(), ())


def _open(fileobj, name, budget, where):
    directory = _central_directory(fileobj)
    if directory is None:
        return None
    entries, start, size = directory
    total = budget.members + entries
    if total > settings.EVIDENCE_MAX_ARCHIVE_MEMBERS:
        inside = ", counting the documents inside it" if where else ""
        raise _refused(
            name, (),
            f"holds {total:,} parts{inside}, more than the {settings.EVIDENCE_MAX_ARCHIVE_MEMBERS:,} an Office "
            "document can reasonably have.",
            "too_many_members",
        )
    if not _directory_holds(fileobj, start, size, entries):
        raise _refused(name, where, "is damaged: its list of parts does not match the parts.", "malformed")
    fileobj.seek(0)
    try:
        return Package(zipfile.ZipFile(fileobj))
    except _ZIP_ERRORS:
        return None


def _central_directory(fileobj):
    """(entries declared, start, size) of the central directory, read from its end record as zipfile itself reads
    it (its ``_EndRecData``, a private function unchanged since Python 2), or None when there is none."""
    try:
        end = zipfile._EndRecData(fileobj)
    except (OSError, zipfile.BadZipFile, struct.error):
        return None
    if not end:
        return None
    size = end[zipfile._ECD_SIZE]
    # As zipfile finds it: the directory ends where the end record (or the zip64 end record before it) begins.
    start = end[zipfile._ECD_LOCATION] - size
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    if start < 0:
        return None
    return end[zipfile._ECD_ENTRIES_TOTAL], start, size


def _directory_holds(fileobj, start, size, entries):
    """Whether the central directory holds exactly ``entries`` entries: zipfile reads as many as its size allows,
    so a directory that declares fewer than it holds could still make it build an enormous list."""
    position = counted = 0
    while position < size:
        if counted == entries:
            return False
        fileobj.seek(start + position)
        header = fileobj.read(zipfile.sizeCentralDir)
        if len(header) != zipfile.sizeCentralDir or header[:4] != zipfile.stringCentralDir:
            return False
        name_length, extra_length, comment_length = struct.unpack("<HHH", header[28:34])
        position += zipfile.sizeCentralDir + name_length + extra_length + comment_length
        counted += 1
    return counted == entries


# --- checking a package -------------------------------------------------------------------------------------


def check_package(package, name):
    """Refuse the upload ``name`` unless ``package`` (from open_package; None when it could not be opened) and every
    package inside it pass every check."""
    if package is None:
        raise UploadRefused(f"“{name}” is damaged: it cannot be opened as an Office document.", code="malformed")
    _check(package, name, _Budget(), 0, ())


def _check(package, name, budget, depth, where):
    members = package.members
    budget.members += len(members)
    budget.unpacked += sum(info.file_size for info in members)
    if budget.unpacked > settings.EVIDENCE_MAX_UNPACKED_MB * MB:
        inside = ", counting the documents inside it," if where else ""
        raise _refused(
            name, (),
            f"would unpack to {filesizeformat(budget.unpacked)}{inside} more than the "
            f"{settings.EVIDENCE_MAX_UNPACKED_MB} MB allowed for an Office document.",
            "zip_bomb",
        )
    # Office finds parts by name regardless of case; two parts of one name could show a reader one and us the other.
    if len({info.filename.casefold() for info in members}) != len(members):
        raise _refused(name, where, "is damaged: two of its parts have the same name.", "malformed")
    for info in members:
        _check_declared(info, name, where)
    content_types = (package.content_types or b"").lower()
    if b"macroenabled" in content_types or b"vbaproject" in content_types or b"macrosheet" in content_types:
        raise _refused(name, where, MACRO_ENABLED, "macro")
    to_read_as_xml = [info for info in members if _inflate(package, info, name, budget, depth, where)]
    for info in to_read_as_xml:
        _check_xml(package, info, name, where)


def _check_declared(info, name, where):
    """What the directory entry alone gives away: its compression, encryption and name."""
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise _refused(
            name, where,
            f"is compressed {info.file_size // max(info.compress_size, 1)} to 1, which only a file built to "
            "overwhelm its reader (a “zip bomb”) is.",
            "zip_bomb",
        )
    if info.flag_bits & 0x1:
        raise _refused(
            name, where,
            "is password-protected, so it cannot be checked. Remove the password and upload it again.",
            "encrypted",
        )
    path = "/" + info.filename.lower()
    if (
        path.endswith(("/vbaproject.bin", "/vbadata.xml"))
        or re.search(r"/(basic|scripts|activex|macrosheets)/", path)
    ):
        raise _refused(name, where, _MESSAGES["macro"], "macro")
    if "/embeddings/" in path and path.endswith(_PROGRAM_EXTENSIONS):
        raise _refused(
            name, where,
            "has an embedded object (a packaged file or program). Remove it, or save the document as PDF.",
            "embedded_object",
        )
    if "/externallinks/" in path:
        raise _refused(name, where, _MESSAGES["workbook"], "external_link")


def _inflate(package, info, name, budget, depth, where):
    """Inflate one part, which checks its CRC: refuse an OLE object, and check a zip package in it in turn.
    Return whether it is XML in which something that active content needs turns up, to be read as XML."""
    spool = None
    watch = None
    try:
        with package.archive.open(info) as member:
            chunk = member.read(CHUNK)
            if chunk.startswith(_OLE_SIGNATURE):
                raise _refused(
                    name, where,
                    "has an old-style Office file or object (OLE) embedded in it, which can hide macros that cannot "
                    "be checked. Remove it, or save the document as PDF.",
                    "embedded_object",
                )
            if chunk.startswith(_ZIP_SIGNATURES):
                if depth >= settings.EVIDENCE_MAX_NESTING_DEPTH:
                    raise _refused(
                        name, (*where, info.filename),
                        f"has documents inside documents more than {settings.EVIDENCE_MAX_NESTING_DEPTH} deep. "
                        "Save it again without the embedded documents, or as PDF.",
                        "nested_too_deep",
                    )
                spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR)
            elif _looks_like_xml(chunk):
                watch = _Watch(chunk)
            while chunk:
                if spool is not None:
                    spool.write(chunk)
                if watch is not None:
                    watch.feed(chunk)
                chunk = member.read(CHUNK)
        if spool is not None:
            _check_inner(spool, info.filename, name, budget, depth + 1, where)
    except _ZIP_ERRORS:
        raise _refused(name, where, "is damaged: a part of it cannot be read.", "malformed") from None
    finally:
        if spool is not None:
            spool.close()
    return watch is not None and watch.fired


def _check_inner(spool, member_name, name, budget, depth, where):
    where = (*where, member_name)
    package = _open(spool, name, budget, where)
    if package is None or not package.is_office:
        if package is not None:
            package.close()
        raise _refused(
            name, where,
            "has an archive (such as a .zip file) inside it. Archives are not accepted, inside documents or on "
            "their own: remove it, or save the document as PDF.",
            "embedded_archive",
        )
    with package:
        _check(package, name, budget, depth, where)


# --- active content in XML ----------------------------------------------------------------------------------

#: Bytes without which XML holds none of what _ActiveContent looks for: the names of the elements and attributes
#: it reads (names are never escaped), "|" for Excel's DDE formulas, "&#" for an escaped character, "<!" for a DTD
#: (or CDATA), NUL for UTF-16.
_TRIGGERS = re.compile(
    rb"\||&#|<!|\x00|TargetMode|instrText|fldSimple|fldChar|ddeLink|ddeService|dde-|externalLink|externalBook"
    rb"|href|event-listener|formula"
)
_OVERLAP = 32  # longer than any trigger, so that one split between two chunks is still found


def _looks_like_xml(head):
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<", b"\xff\xfe", b"\xfe\xff")) or head[:2] == b"\x00<"


class _Watch:
    """Searches the bytes of an XML part as it is inflated (cheaply: a regular expression in C) for any trigger."""

    def __init__(self, head):
        declared = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", head)
        # Anything but UTF-8 is read as XML, which decodes it, since the bytes would not show the triggers.
        self.fired = declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8")
        self._tail = b""

    def feed(self, chunk):
        if self.fired:
            return
        window = self._tail + chunk
        self.fired = _TRIGGERS.search(window) is not None
        self._tail = window[-_OVERLAP:]


class _Found(Exception):
    """Raised by _ActiveContent from inside the parser: the kind of thing found, a key of _MESSAGES."""


_MESSAGES = {
    "macro": "contains macros or active content. Macros are never accepted: remove them, or save the document as PDF.",
    "external": (
        "links to content outside the file (a linked file or picture, a web address or a network location), which "
        "is fetched when it is opened and can carry harmful code. Remove the link, or save the document as PDF."
    ),
    "workbook": (
        "links to another workbook, whose content Excel fetches when it is opened (and which can carry harmful "
        "code). Break the link (Data, Edit Links, Break Link), or save the workbook as PDF."
    ),
    "template": (
        "is attached to a template kept on another computer or website, which Word fetches when the document is "
        "opened (a way of slipping in macros). Attach it to the Normal template, or save it as PDF."
    ),
    "dde": (
        "uses DDE, a link to another program that can run commands when the document is opened. Remove the DDE "
        "formula, field or link, or save the document as PDF."
    ),
    "dtd": "is damaged: a part of it declares a document type (DTD), which Office documents never do.",
}
_CODES = {
    "macro": "macro",
    "external": "external_link",
    "workbook": "external_link",
    "template": "external_link",
    "dde": "dde",
    "dtd": "malformed",
}
_WEB_LINK = re.compile(r"(?i)(https?://|mailto:)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _check_xml(package, info, name, where):
    finder = _ActiveContent()
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = finder.doctype
    parser.EntityDeclHandler = finder.doctype
    parser.StartElementHandler = finder.start
    parser.EndElementHandler = finder.end
    parser.CharacterDataHandler = finder.text
    try:
        with package.archive.open(info) as member:
            for chunk in iter(lambda: member.read(CHUNK), b""):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        finder.finish()
    except _Found as found:
        kind = found.args[0]
        raise _refused(name, where, _MESSAGES[kind], _CODES[kind]) from None
    except xml.parsers.expat.ExpatError:
        raise _refused(name, where, "is damaged: a part of it is not well-formed XML.", "malformed") from None
    except _ZIP_ERRORS:
        raise _refused(name, where, "is damaged: a part of it cannot be read.", "malformed") from None


def _local(name):
    """An element or attribute name without its namespace prefix, whatever prefix the file chose."""
    return name.rpartition(":")[2]


class _ActiveContent:
    """Expat's handlers for one XML part: raise _Found on the first thing that fetches or runs something."""

    def __init__(self):
        self.fields = []  # the codes of the Word fields open at this point, innermost last
        self.collect = None  # "field" inside w:instrText, "formula" inside an Excel formula
        self.formula = []

    def doctype(self, *args):
        raise _Found("dtd")

    def start(self, tag, attrs):
        local = _local(tag)
        attributes = {_local(key): value for key, value in attrs.items()}
        if local == "Relationship":
            self._relationship(attributes)
        elif local == "ddeLink" or local.startswith("dde-") or "ddeService" in attributes:
            raise _Found("dde")  # ddeLink (Excel), dde-source, dde-link, dde-connection-decl (OpenDocument)
        elif local in ("externalLink", "externalBook"):
            raise _Found("workbook")
        elif local == "event-listener":
            raise _Found("macro")  # an OpenDocument event bound to a macro or script
        elif local == "fldSimple":
            _judge_field(attributes.get("instr", ""))
        elif local == "fldChar":
            self._field_char(attributes.get("fldCharType", ""))
        elif local == "instrText":
            if not self.fields:
                self.fields.append(["", False])
            self.collect = "field"
        elif local == "f":
            self.collect, self.formula = "formula", []
        href = attributes.get("href", "").strip()
        if href and _external(href) and not (local == "a" and _WEB_LINK.match(href)):
            raise _Found("external")  # OpenDocument content linked from another file or address, scripts
        if re.search(r"(?i)\bDDE\s*\(", attributes.get("formula", "")):
            raise _Found("dde")  # an OpenDocument formula calling DDE()

    def end(self, tag):
        local = _local(tag)
        if local == "instrText":
            self.collect = None
        elif local == "f" and self.collect == "formula":
            self.collect = None
            # Excel's DDE syntax is program|topic!item; "|" has no other use in a formula outside a string.
            formula = re.sub(r'"(?:[^"]|"")*"', "", "".join(self.formula))
            if re.search(r"\|.*!", formula, re.DOTALL):
                raise _Found("dde")

    def text(self, data):
        if self.collect == "field":
            self.fields[-1][0] += data
        elif self.collect == "formula":
            self.formula.append(data)

    def finish(self):
        for code, judged in self.fields:
            if not judged:
                _judge_field(code)

    def _relationship(self, attributes):
        target = attributes.get("Target", "").strip()
        mode = attributes.get("TargetMode", "").strip().lower()
        if mode != "external" and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|[\\/]{2}", target):
            return
        kind = attributes.get("Type", "").rstrip("/").rpartition("/")[2]
        if kind == "hyperlink" and (_WEB_LINK.match(target) or target.startswith("#")):
            return  # a link to a web page, an e-mail address or a place in the file, followed only when clicked
        raise _Found({"attachedTemplate": "template", "externalLinkPath": "workbook"}.get(kind, "external"))

    def _field_char(self, kind):
        """Word's complex fields: begin, the code (in w:instrText, possibly over many runs), separate, result, end."""
        if kind == "begin":
            if self.fields and not self.fields[-1][0].strip():
                # A field whose command is the result of another field (QUOTE 68 68 69 ...) hides what it runs.
                raise _Found("dde")
            self.fields.append(["", False])
        elif kind in ("separate", "end") and self.fields:
            code, judged = self.fields[-1]
            if not judged:
                _judge_field(code)
                self.fields[-1][1] = True
            if kind == "end":
                self.fields.pop()


def _judge_field(code):
    words = code.split()
    if words and words[0].strip('"').upper() in ("DDE", "DDEAUTO"):
        raise _Found("dde")


def _external(href):
    """Whether an OpenDocument link leaves the package: an address with a scheme, an absolute or parent path."""
    while href.startswith("./"):
        href = href[2:]
    return bool(_SCHEME.match(href)) or href.startswith(("/", "\\", "../", "..\\"))


def _refused(name, where, message, code):
    """An UploadRefused naming the upload, and the part of it a package inside it came from."""
    text = f"“{name}” {message}"
    if where:
        text += " (In the document embedded in it as “" + "”, inside that “".join(where) + "”.)"
    return UploadRefused(text, code=code)
