"""The board's papers written by the system: the report to partners (the paper the seed is) and the annual report.

A paper starts as a draft: the member writes its cover details and its own words (an introduction, and the
recommendations to partners or the priorities for the coming year), and previews it with today's figures. Issuing
freezes it: the figures are computed once and stored with the words (``content``), the PDF and the DOCX are made
from that content and kept (PaperFile) with their SHA-256, and every later download is those bytes, whatever the
data has become. An issued paper is never changed or deleted.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from evidence.models import KeptFile
from scrsystem import text


class Paper(models.Model):
    class Kind(models.TextChoices):
        PARTNERS = "partners", "Report to partners"
        ANNUAL = "annual", "Annual report"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    meeting = models.CharField(
        max_length=200, blank=True, help_text="The meeting it goes to, e.g. “LSCB Board, 10 December 2026”."
    )
    dated = models.DateField("date", help_text="The date the paper carries: usually the meeting's.")
    author = models.CharField(max_length=200, help_text="Who wrote it, e.g. “Business manager, LSCB”.")
    sponsor = models.CharField(max_length=200, blank=True, help_text="Who presents it to the board, e.g. the chair.")
    introduction = models.TextField(
        max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)],
        help_text="Your words, first in the paper. A blank line starts a new paragraph.",
    )
    recommendations = models.TextField(
        blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)],
        help_text="A blank line starts a new paragraph.",
    )
    #: A report to partners: the day its "since the last report" figures start from.
    since = models.DateField("changes since", null=True, blank=True)
    #: An annual report: the first day of its year (papers.rules.year_bounds).
    year_start = models.DateField("year starting", null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: What was issued: the cover, the person's words and the figures as they were (papers.content), as JSON.
    content = models.JSONField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    AUDITED_FIELDS = ["kind", "title", "meeting", "dated", "author", "sponsor", "introduction", "recommendations",
                      "since", "year_start", "status"]

    class Meta:
        ordering = ["-dated", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="paper_has_title",
                                   violation_error_message="Give the paper a title."),
            models.CheckConstraint(
                condition=Q(kind="partners", since__isnull=False) | Q(kind="annual", year_start__isnull=False),
                name="paper_has_period", violation_error_message="A paper needs the period it covers.",
            ),
            models.CheckConstraint(condition=Q(status="draft") | Q(content__isnull=False),
                                   name="issued_paper_has_content"),
            *text.length_checks("paper", introduction=text.TEXT, recommendations=text.TEXT),
        ]

    def __str__(self):
        return f"{self.title} ({self.dated:%d %b %Y})"

    def get_absolute_url(self):
        return reverse("papers:paper", args=[self.pk])

    @property
    def is_issued(self):
        return self.status == self.Status.ISSUED

    @property
    def words_heading(self):
        """What the second text of the person is called in the paper."""
        return "Recommendations to the partners" if self.kind == self.Kind.PARTNERS else "Priorities for the coming year"


class PaperFile(KeptFile):
    """An issued paper as it was issued, in one format: kept in the evidence storage, downloaded after the SHA-256
    re-check (evidence.views.verified_download)."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=10, choices=Format.choices)

    AUDITED_FIELDS = ["paper", "format", "original_name", "size", "sha256"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "format"], name="one_file_per_paper_format")]

    def __str__(self):
        return f"{self.paper} ({self.get_format_display()})"
