"""Where evidence files live: the ``evidence`` storage of settings.STORAGES, through Django's storage API.

By default that is a FileSystemStorage under the private MEDIA_ROOT (no URL serves it), files 0600 in
directories 0700; an S3-compatible store can be configured instead (README, "Evidence and file safety").
Names are generated here and never contain anything the uploader chose.
"""

import hashlib
import logging
import tempfile
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


class FileChanged(Exception):
    """The stored file is missing or no longer matches the SHA-256 recorded at upload."""


def evidence_storage():
    return storages["evidence"]


def generated_name(extension, folder="evidence"):
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def save(checked, folder="evidence"):
    """Store a CheckedUpload under a generated name in ``folder`` (evidence items in "evidence", learning events'
    registers and materials in "learning"); return that name."""
    checked.file.seek(0)
    return evidence_storage().save(generated_name(checked.extension, folder), checked.file)


def delete_quietly(name):
    """Remove a stored file whose database row was never written (a refused or rolled-back submission)."""
    try:
        evidence_storage().delete(name)
    except Exception:  # the file may be gone already; the caller is handling a failure of its own
        logger.exception("Could not remove the evidence file %s after a failed submission", name)


def open_verified(name, sha256):
    """The stored file's bytes, re-checked against ``sha256``, in a temporary file positioned at the start.

    The bytes are copied while they are hashed, so what is served is exactly what was checked. Raises
    FileChanged when the file is missing or differs.
    """
    copy = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    digest = hashlib.sha256()
    try:
        with evidence_storage().open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(CHUNK), b""):
                digest.update(chunk)
                copy.write(chunk)
    except (FileNotFoundError, OSError) as exc:
        copy.close()
        raise FileChanged(f"the stored file {name} cannot be read: {exc}") from exc
    if digest.hexdigest() != sha256:
        copy.close()
        raise FileChanged(f"the stored file {name} has SHA-256 {digest.hexdigest()}, not {sha256} as at upload")
    copy.seek(0)
    return copy
