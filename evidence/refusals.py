"""The refusal every upload check raises (evidence/uploads.py, packages.py and pdfs.py), in a module of its own
so that the checks can share it without importing one another."""

from django.core.exceptions import ValidationError

MB = 1024 * 1024


class UploadRefused(ValidationError):
    """The file may not be stored. The message says why, naming the file."""
