"""Copy every kept file from one evidence storage to another (README, "Object storage"), e.g. from the server's
disk to an S3 bucket before setting EVIDENCE_STORAGE=s3, or back.

Every file a record names (evidence items, learning files, concern files, issued papers) is read from the source,
checked against the SHA-256 recorded at upload, written to the target under the same name, and read back from the
target and checked again. A file already in the target with the right SHA-256 is left alone, so the command can be
interrupted at any point and run again: a file half-written when it stopped fails its check and is copied afresh.
Nothing is deleted from the source. The command only copies: switch EVIDENCE_STORAGE once it reports no failures.
"""

import hashlib

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from evidence.storage import CHUNK, StorageUnavailable, check


def kept_files():
    """(stored name, SHA-256) of every file a record names, each name once, in a stable order."""
    names = {}
    for model in apps.get_models():
        fields = {field.name for field in model._meta.get_fields()}
        if {"stored_name", "sha256"} <= fields:
            rows = model.objects.exclude(stored_name="").values_list("stored_name", "sha256")
            names.update(rows.iterator())
    return sorted(names.items())


def sha256_of(store, name):
    """The SHA-256 of the stored file, or None when it is not there."""
    if not store.exists(name):
        return None
    digest = hashlib.sha256()
    with store.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Copy every kept file between evidence storages (filesystem, s3), checking each SHA-256; safe to re-run."

    def add_arguments(self, parser):
        choices = sorted(settings.EVIDENCE_STORAGES)
        parser.add_argument("--from", dest="source", required=True, choices=choices, help="where the files are now")
        parser.add_argument("--to", dest="target", required=True, choices=choices, help="where they are to be copied")
        parser.add_argument("--dry-run", action="store_true", help="say what would be copied, and copy nothing")

    def handle(self, *args, source, target, dry_run, **options):
        if source == target:
            raise CommandError("--from and --to name the same storage: there is nothing to move.")
        source_store = storages.create_storage(settings.EVIDENCE_STORAGES[source])
        target_store = storages.create_storage(settings.EVIDENCE_STORAGES[target])
        for label, store in ((source, source_store), (target, target_store)):
            try:
                check(store)
            except StorageUnavailable as problem:
                raise CommandError(f"The {label} storage is not answering, so nothing was copied: {problem}") from None
        files = kept_files()
        self.stdout.write(f"{len(files)} kept files, from {source} to {target}{' (dry run)' if dry_run else ''}.")
        counts = {"copied": 0, "already there": 0, "failed": 0}
        for name, sha256 in files:
            outcome = self._move(name, sha256, source_store, target_store, dry_run)
            counts["failed" if outcome.startswith("failed") else outcome.split(":")[0]] += 1
            if outcome != "already there":
                self.stdout.write(f"  {name}: {outcome}")
        verb = "would be copied" if dry_run else "copied"
        self.stdout.write(
            f"{counts['copied']} {verb}, {counts['already there']} already there with the right SHA-256, "
            f"{counts['failed']} failed."
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} files could not be copied (listed above); fix them and run again.")

    def _move(self, name, sha256, source_store, target_store, dry_run):
        try:
            there = sha256_of(target_store, name)
            if there == sha256:
                return "already there"
            found = sha256_of(source_store, name)
            if found is None:
                return "failed: missing from the source storage"
            if found != sha256:
                return f"failed: the source has SHA-256 {found}, not {sha256} as recorded"
            if dry_run:
                return "copied"
            if there is not None:  # a copy cut short, or damaged: replaced
                target_store.delete(name)
            with source_store.open(name, "rb") as stored:
                saved = target_store.save(name, stored)
            if saved != name:
                return f"failed: the target kept it as {saved}"
            if sha256_of(target_store, name) != sha256:
                return "failed: the copy read back has another SHA-256"
        except Exception as problem:  # boto3's and the filesystem's errors alike: reported, and the next file goes on
            return f"failed: {type(problem).__name__}: {problem}"
        return "copied"
