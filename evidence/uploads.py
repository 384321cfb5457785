"""Checking an uploaded evidence file before anything is stored (README, "Evidence and file safety").

``check_upload`` is the one gate: every evidence file, from the pages or the demo seed, passes through it.
The type is decided by the content (libmagic), and it must be on the allow-list and agree with the name's
extension; the content is then checked further by its type (Office and OpenDocument packages in packages.py, PDFs
in pdfs.py, images and text here); a configured ClamAV daemon scans what is left. A refusal raises
``UploadRefused`` with a message for the person uploading.
"""

import dataclasses
import hashlib
import re
import struct
import unicodedata
import zlib

import magic
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

from evidence import packages, pdfs, scanner
from evidence.packages import DOCX, MACRO_MESSAGE, ODS, ODT, XLSX
from evidence.refusals import MB, UploadRefused

#: How much of a file libmagic is shown; its own rules never look further than this.
SNIFF_BYTES = 1 * MB
#: The longest original file name kept; longer names are shortened, keeping the extension.
MAX_NAME_LENGTH = 150


@dataclasses.dataclass(frozen=True)
class FileType:
    label: str
    extensions: tuple
    #: What libmagic may call the content for this type.
    detected_as: frozenset
    #: The content type the file is stored and served with.
    content_type: str
    #: Which deeper check applies: pdf, png, jpeg, office, text.
    check: str


ACCEPTED_TYPES = (
    FileType("PDF document", ("pdf",), frozenset({"application/pdf"}), "application/pdf", "pdf"),
    FileType("Word document", ("docx",), frozenset({DOCX}), DOCX, "office"),
    FileType("Excel workbook", ("xlsx",), frozenset({XLSX}), XLSX, "office"),
    FileType("OpenDocument text", ("odt",), frozenset({ODT}), ODT, "office"),
    FileType("OpenDocument spreadsheet", ("ods",), frozenset({ODS}), ODS, "office"),
    FileType("PNG image", ("png",), frozenset({"image/png"}), "image/png", "png"),
    FileType("JPEG image", ("jpg", "jpeg"), frozenset({"image/jpeg"}), "image/jpeg", "jpeg"),
    # libmagic tells CSV from prose by guessing; either answer is text, so both names accept both.
    FileType("plain text", ("txt",), frozenset({"text/plain", "text/csv"}), "text/plain", "text"),
    FileType("CSV table", ("csv",), frozenset({"text/csv", "text/plain"}), "text/csv", "text"),
)
TYPE_BY_EXTENSION = {ext: file_type for file_type in ACCEPTED_TYPES for ext in file_type.extensions}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in TYPE_BY_EXTENSION)
ACCEPTED_SUMMARY = "PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt, .ods), PNG, JPEG, plain text (.txt) and CSV"

# What the content may turn out to be instead, and how we say so.
_PROGRAMS = {
    "application/x-executable", "application/x-pie-executable", "application/x-sharedlib", "application/x-dosexec",
    "application/x-mach-binary", "application/x-msdownload", "application/vnd.microsoft.portable-executable",
    "application/x-object", "application/x-coredump", "application/java-archive", "application/x-java-applet",
    "application/x-elf", "application/x-msi", "application/x-ms-shortcut",
}
_SCRIPTS = {
    "text/x-shellscript", "text/x-python", "text/x-script.python", "text/x-perl", "text/x-php", "text/x-ruby",
    "text/x-tcl", "text/x-lua", "text/x-awk", "text/x-msdos-batch", "application/javascript", "text/javascript",
    "application/x-javascript", "text/x-java", "application/x-powershell", "text/x-vbscript",
}
_WEB_PAGES = {"text/html", "application/xhtml+xml", "text/xml", "application/xml"}
_MACRO_OFFICE = {
    "application/vnd.ms-word.document.macroenabled.12", "application/vnd.ms-word.template.macroenabled.12",
    "application/vnd.ms-excel.sheet.macroenabled.12", "application/vnd.ms-excel.template.macroenabled.12",
    "application/vnd.ms-excel.addin.macroenabled.12", "application/vnd.ms-excel.sheet.binary.macroenabled.12",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12",
}
_LEGACY_OFFICE = {"application/msword", "application/vnd.ms-excel", "application/x-ole-storage", "application/cdfv2"}
_ARCHIVES = {
    "application/zip", "application/x-zip-compressed", "application/x-rar", "application/vnd.rar",
    "application/x-7z-compressed", "application/gzip", "application/x-gzip", "application/x-tar",
    "application/x-bzip2", "application/x-xz", "application/zstd", "application/x-lzma", "application/x-lzip",
    "application/x-iso9660-image", "application/x-cpio", "application/x-archive", "application/vnd.ms-cab-compressed",
    "application/x-compress", "application/x-apple-diskimage",
}
_MACRO_EXTENSIONS = {"docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppsm", "sldm"}

_CATEGORY_MESSAGES = [
    (_PROGRAMS, "“{name}” is a program. Programs are never accepted as evidence."),
    (_SCRIPTS, "“{name}” is a script. Scripts are never accepted as evidence."),
    ({"image/svg+xml"}, "“{name}” is an SVG drawing, which can carry scripts. Save it as PNG or PDF instead."),
    (_WEB_PAGES, "“{name}” is a web page or markup (HTML/XML). Save it as PDF instead."),
    (_MACRO_OFFICE, MACRO_MESSAGE),
    (_LEGACY_OFFICE, "“{name}” is an old-style Office file (.doc/.xls), which can hide macros. "
                     "Save it as .docx or .xlsx, or as PDF."),
    (_ARCHIVES, "“{name}” is an archive (e.g. .zip). Archives are not accepted: upload the files themselves."),
]


@dataclasses.dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, ready to store: the original file, its cleaned name and what we learned."""

    file: object
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    label: str


# --- names --------------------------------------------------------------------------------------------------


def clean_name(name):
    """The original file name made safe to keep and show: no path, no control or format characters,
    none of the characters Windows forbids, no leading dots; at most MAX_NAME_LENGTH characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.sub(r"[\t\r\n]+", " ", name)
    # Other control and format characters go before the path is cut off, so that "a.pdf\x00.exe" becomes
    # "a.pdf.exe" (refused), not "a.pdf"; format characters include the right-to-left override.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join("_" if ch in '<>:"|?*' else ch for ch in name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "evidence"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(" .")
    return name


def extension_of(name):
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


# --- the gate -----------------------------------------------------------------------------------------------


def max_upload_bytes():
    return settings.EVIDENCE_MAX_UPLOAD_MB * MB


def check_upload(upload):
    """Return a CheckedUpload for ``upload`` (a Django File), or raise UploadRefused. Stores nothing."""
    name = clean_name(getattr(upload, "name", ""))
    size = upload.size
    if not size:
        raise UploadRefused(f"“{name}” is empty.", code="empty")
    if size > max_upload_bytes():
        raise UploadRefused(
            f"“{name}” is {filesizeformat(size)}; the limit is {settings.EVIDENCE_MAX_UPLOAD_MB} MB.", code="too_large"
        )

    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    detected = magic.from_buffer(head, mime=True).lower()
    extension = extension_of(name)
    file_type = TYPE_BY_EXTENSION.get(extension)
    # A file named as an Office document is opened as a zip package once, here, for every check below.
    package = packages.open_package(upload, name) if file_type and file_type.check == "office" else None
    try:
        _check_type(name, head, detected, extension, file_type, package)
        if file_type.check == "office":
            packages.check_package(package, name)
        else:
            _DEEP_CHECKS[file_type.check](upload, name, head)
    finally:
        if package is not None:
            package.close()
    _scan(upload, name)
    return CheckedUpload(
        file=upload,
        original_name=name,
        extension=extension,
        content_type=file_type.content_type,
        size=size,
        sha256=sha256_of(upload),
        label=file_type.label,
    )


def _check_type(name, head, detected, extension, file_type, package):
    """The content's type must be on the allow-list and agree with the name's extension."""
    declared = package.declared_type if package is not None else None
    for mime_types, message in _CATEGORY_MESSAGES:
        if detected in mime_types and not (mime_types is _ARCHIVES and declared is not None):
            raise UploadRefused(message.format(name=name), code="refused_type")
    if extension in _MACRO_EXTENSIONS:
        raise UploadRefused(MACRO_MESSAGE.format(name=name), code="refused_type")
    if file_type is None:
        shown = f"files ending .{extension}" if extension else "files without an extension"
        raise UploadRefused(
            f"“{name}”: {shown} are not accepted. Accepted are {ACCEPTED_SUMMARY}.", code="refused_extension"
        )
    # libmagic names common Office files, but may only say "zip" for one written by a less common program;
    # then the package's own declaration of its type (its "mimetype" or main part) decides.
    agrees = detected in {"application/zip", "application/octet-stream"} and declared == file_type.content_type
    if detected not in file_type.detected_as and not agrees:
        description = "data of no type we recognise" if detected == "application/octet-stream" else (
            magic.from_buffer(head).split(",")[0]
        )
        raise UploadRefused(
            f"“{name}” is named as a {file_type.label} (.{extension}), but its content is “{description}”. "
            "The content and the name must agree.",
            code="mismatch",
        )


def sha256_of(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(64 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _scan(upload, name):
    if not scanner.is_configured():
        return
    upload.seek(0)
    try:
        signature = scanner.scan(upload)
    except scanner.ScannerUnavailable:
        raise UploadRefused(
            f"“{name}” could not be checked for viruses because the virus scanner is not answering, so it was "
            "not accepted. Please try again later; if this goes on, tell the administrator.",
            code="scanner_unavailable",
        ) from None
    finally:
        upload.seek(0)
    if signature:
        raise UploadRefused(
            f"“{name}” was refused: the virus scanner found “{signature}” in it.", code="virus"
        )


# --- deeper checks, by type ---------------------------------------------------------------------------------


def _check_png(upload, name, head):
    """Walk the chunks: a PNG must be exactly signature, IHDR, ..., IEND, each chunk with a correct CRC.
    This refuses a PNG signature with a web page behind it, and anything hidden after the image."""
    refused = UploadRefused(f"“{name}” is not a well-formed PNG image.", code="malformed")
    upload.seek(0)
    if upload.read(8) != b"\x89PNG\r\n\x1a\n":
        raise refused
    first = True
    while True:
        header = upload.read(8)
        if len(header) != 8:
            raise refused
        length, kind = struct.unpack(">I4s", header)
        if length > 2**31 - 1 or (first and kind != b"IHDR"):
            raise refused
        crc = zlib.crc32(kind)
        remaining = length
        while remaining:
            data = upload.read(min(remaining, 64 * 1024))
            if not data:
                raise refused
            crc = zlib.crc32(data, crc)
            remaining -= len(data)
        stored = upload.read(4)
        if len(stored) != 4 or struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
            raise refused
        first = False
        if kind == b"IEND":
            if upload.read(1):
                raise UploadRefused(f"“{name}” has data hidden after the end of the PNG image.", code="malformed")
            return


def _check_jpeg(upload, name, head):
    upload.seek(max(0, upload.size - 64))
    tail = upload.read().rstrip(b"\x00")
    if not head.startswith(b"\xff\xd8\xff") or not tail.endswith(b"\xff\xd9"):
        raise UploadRefused(f"“{name}” is not a complete JPEG image.", code="malformed")
    _refuse_markup(head, name)


def _refuse_markup(head, name):
    # What a browser would take for a web page in the first bytes of a file that is not meant to be one.
    if re.search(rb"<\s*(html|script|body|iframe|svg|!doctype)", head[:4096], re.IGNORECASE):
        raise UploadRefused(f"“{name}” contains web page markup, which an image never does.", code="malformed")


def _check_text(upload, name, head):
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        if b"\x00" in chunk:
            raise UploadRefused(f"“{name}” is not plain text (it holds binary data).", code="malformed")


#: The deeper check of each type but Office files (packages.check_package, on the package opened above).
_DEEP_CHECKS = {
    "pdf": pdfs.check_pdf,
    "png": _check_png,
    "jpeg": _check_jpeg,
    "text": _check_text,
}


# --- the size limit while the request is read ---------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: stops receiving a file as soon as it passes EVIDENCE_MAX_UPLOAD_MB, so an
    oversized upload is never spooled whole to a temporary file. Its name is kept on the request, so that the
    form can say which file was refused (``refused_for_size``)."""

    def receive_data_chunk(self, raw_data, start):
        # Raised here, not in new_file(): by now every handler has opened its file for this upload, so
        # the parser's clean-up closes (and deletes) this file's temporary copy and nothing else.
        if start + len(raw_data) > max_upload_bytes():
            if self.request is not None:
                if not hasattr(self.request, "refused_for_size"):
                    self.request.refused_for_size = []
                self.request.refused_for_size.append((self.field_name, clean_name(self.file_name)))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def refused_for_size(request, field_name):
    """The names of files in ``field_name`` that SizeLimitUploadHandler stopped, as UploadRefused errors."""
    return [
        UploadRefused(f"“{name}” is larger than the {settings.EVIDENCE_MAX_UPLOAD_MB} MB limit.", code="too_large")
        for field, name in getattr(request, "refused_for_size", [])
        if field == field_name
    ]
