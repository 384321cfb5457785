"""Where evidence files live: the ``evidence`` storage of settings.STORAGES, through Django's storage API.

By default that is a FileSystemStorage under the private MEDIA_ROOT (no URL serves it), files 0600 in
directories 0700; with EVIDENCE_STORAGE=s3, an S3-compatible bucket (README, "Object storage"). Names are
generated here and never contain anything the uploader chose.

A store that does not answer (a bucket unreachable, credentials refused) raises StorageUnavailable, which the
pages answer with 503 and "nothing was saved" (scrsystem.middleware.StorageUnavailableMiddleware); a file that is
missing or differs raises FileChanged (409).
"""

import hashlib
import logging
import os
import tempfile
import uuid

import botocore.config
import s3transfer.exceptions
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


class FileChanged(Exception):
    """The stored file is missing or no longer matches the SHA-256 recorded at upload."""


class StorageUnavailable(Exception):
    """The evidence storage did not answer: nothing was read from it or written to it."""


#: What a store raises when it cannot do what it was asked: the disk's errors, botocore's (no connection, a refusal),
#: boto3's and s3transfer's (a transfer given up after its retries, a body cut short).
STORE_ERRORS = (
    OSError, BotoCoreError, ClientError, Boto3Error, s3transfer.exceptions.RetriesExceededError,
    s3transfer.exceptions.S3UploadFailedError, s3transfer.exceptions.S3DownloadFailedError,
)

#: How long /healthz/?full=1 waits for a bucket: one attempt, this many seconds to connect and to answer.
CHECK_TIMEOUT = 2


def evidence_storage():
    return storages["evidence"]


def _missing(error):
    """Is this error of the store's the answer "no such file" (rather than "cannot answer")?"""
    if isinstance(error, FileNotFoundError):
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}


def check(store=None):
    """Raise StorageUnavailable unless the store answers (for /healthz/?full=1 and move_evidence): on the filesystem,
    its directory exists (made, owner-only, before the first upload) and can be written; a bucket exists and these
    credentials may use it (a HEAD request on the bucket, writing nothing), asked once with CHECK_TIMEOUT."""
    store = store or evidence_storage()
    try:
        if isinstance(store, FileSystemStorage):
            os.makedirs(store.location, mode=0o700, exist_ok=True)
            if not os.access(store.location, os.W_OK | os.X_OK):
                raise StorageUnavailable(f"{store.location} is not a directory this process can write to")
        elif hasattr(store, "bucket_name"):  # django-storages' S3: the same store, asked quickly and once
            _path, args, kwargs = store.deconstruct()
            quick = botocore.config.Config(
                connect_timeout=CHECK_TIMEOUT, read_timeout=CHECK_TIMEOUT, retries={"max_attempts": 1}
            )
            probe = type(store)(*args, **{**kwargs, "client_config": quick})
            probe.connection.meta.client.head_bucket(Bucket=probe.bucket_name)
        else:
            store.exists("healthz/probe")
    except STORE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc


def generated_name(extension, folder="evidence"):
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def save(checked, folder="evidence"):
    """Store a CheckedUpload under a generated name in ``folder`` (evidence items in "evidence", learning events'
    registers and materials in "learning"); return that name."""
    checked.file.seek(0)
    try:
        return evidence_storage().save(generated_name(checked.extension, folder), checked.file)
    except STORE_ERRORS as exc:
        raise StorageUnavailable(f"the evidence storage did not keep the file: {exc}") from exc


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
    except STORE_ERRORS as exc:
        copy.close()
        if _missing(exc):
            raise FileChanged(f"the stored file {name} is missing: {exc}") from exc
        raise StorageUnavailable(f"the evidence storage did not answer for {name}: {exc}") from exc
    if digest.hexdigest() != sha256:
        copy.close()
        raise FileChanged(f"the stored file {name} has SHA-256 {digest.hexdigest()}, not {sha256} as at upload")
    copy.seek(0)
    return copy
