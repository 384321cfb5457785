"""Evidence that an action was done, the consultant's decisions on it, and the log of its downloads.

Nothing here is ever deleted: a replaced item is superseded (the new version points at it), a withdrawn one
keeps its reason, and the admin site offers no delete. Writes go through evidence.services.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from scrsystem import text


class KeptFile(models.Model):
    """A file kept in the evidence storage after the upload gate (evidence.uploads) checked it, outside the evidence
    of an action: the learning cycle's registers, materials and impact evidence, a board concern's data evidence.
    Downloaded through its own view's access check and the SHA-256 re-check (evidence.storage.open_verified);
    never deleted."""

    stored_name = models.CharField(max_length=255, editable=False)
    original_name = models.CharField(max_length=255, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @classmethod
    def keep(cls, checked, stored_name, *, actor, **fields):
        """A new row for a CheckedUpload stored as ``stored_name`` (evidence.services.store_then), recorded as
        created by ``actor``."""
        from audit.services import record_created

        kept = cls.objects.create(
            stored_name=stored_name, original_name=checked.original_name, content_type=checked.content_type,
            size=checked.size, sha256=checked.sha256, uploaded_by=actor, **fields,
        )
        record_created(kept, actor=actor)
        return kept


class Evidence(models.Model):
    """A file or a written note that an agency submits against an action it leads, to show the action was done."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"

    #: Statuses in which the submitting agency may still replace or withdraw the item.
    OPEN_STATUSES = (Status.SUBMITTED, Status.REJECTED)

    action = models.ForeignKey("actionplans.Action", on_delete=models.PROTECT, related_name="evidence")
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="evidence",
        help_text="The agency that submitted it: the action's lead agency at the time.",
    )
    description = models.TextField(
        help_text="What this evidence shows.", max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )
    represents_on = models.DateField("date the evidence represents")
    note = models.TextField(
        "written note",
        blank=True,
        help_text="The evidence itself when no file is given, or a note beside the file.",
        max_length=text.WRITTEN_NOTE,
        validators=[MaxLengthValidator(text.WRITTEN_NOTE)],
    )

    # The file, when there is one. It lives in the "evidence" storage under a generated name; the original
    # name is kept only as data, cleaned, for the download's Content-Disposition header.
    stored_name = models.CharField(max_length=255, blank=True, editable=False)
    original_name = models.CharField("file name", max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The earlier version this item replaces.",
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(db_index=True)
    withdrawal_reason = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    #: The fields whose every change is recorded (audit.services), whichever path writes them.
    AUDITED_FIELDS = [
        "action",
        "agency",
        "description",
        "represents_on",
        "note",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "status",
        "supersedes",
        "withdrawal_reason",
    ]

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stored_name="") | ~models.Q(note=""),
                name="evidence_has_file_or_note",
                violation_error_message="Evidence needs a file or a written note.",
            ),
            models.CheckConstraint(
                condition=models.Q(stored_name="") | models.Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="evidence_file_has_sha256",
                violation_error_message="A stored file needs its SHA-256.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="withdrawn") | ~models.Q(withdrawal_reason=""),
                name="withdrawn_evidence_has_reason",
                violation_error_message="Withdrawn evidence needs a reason.",
            ),
            *text.length_checks(
                "evidence", description=text.TEXT, note=text.WRITTEN_NOTE, withdrawal_reason=text.TEXT
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"]), models.Index(fields=["action", "status"])]

    def __str__(self):
        return f"Evidence #{self.pk} for {self.action}" if self.pk else f"New evidence for {self.action}"

    def get_absolute_url(self):
        return reverse("evidence:detail", args=[self.pk])

    @property
    def has_file(self):
        return bool(self.stored_name)

    @property
    def is_open(self):
        """Still the agency's to replace or withdraw: submitted and undecided, or rejected."""
        return self.status in self.OPEN_STATUSES


class EvidenceDecision(models.Model):
    """The consultant's accept or reject of one evidence item: who, when and why. One per item, never changed."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    #: When the rejection e-mail was claimed for sending (see evidence.notifications); None until then.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    AUDITED_FIELDS = ["evidence", "outcome", "note"]

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="rejected") | ~models.Q(note=""),
                name="rejection_has_note",
                violation_error_message="A rejection needs a note.",
            ),
            *text.length_checks("evidencedecision", note=text.TEXT),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: evidence #{self.evidence_id}"


class EvidenceDownload(models.Model):
    """One download of one evidence file: who and when. Written by the download view, read in the admin."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField("address", null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"Evidence #{self.evidence_id} downloaded by {self.user} at {self.at:%Y-%m-%d %H:%M}"
