"""Board concerns: what the board holds its partners to account for outside any one review (the paper's social
workers' caseloads, CAF take-up, the information sharing protocol), with a dated log of updates and the agencies'
responses, and indicators whose data points the owner agency enters each period (DOMAIN.md, "Board concern").

Nothing here is deleted. A concern is closed (with the reason); a log entry is never changed; a data point is
corrected, never replaced: each correction keeps the old value, who changed it and why (DataPointCorrection).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from evidence.models import KeptFile
from scrsystem import text


class Concern(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MONITORING = "monitoring", "Monitoring"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        SECTION_11 = "section_11", "Section 11 audit"
        WORKSHOP = "workshop", "Workshop"
        REVIEW = "review", "Review"
        INSPECTION = "inspection", "Inspection"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    description = models.TextField(max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    raised_with = models.CharField(
        max_length=300,
        help_text="The partner body or person the board raised it with, e.g. the Children's Trust, the Director of "
        "Children's Services.",
    )
    raised_on = models.DateField("raised on")
    source = models.CharField(max_length=20, choices=Source.choices)
    agencies = models.ManyToManyField(
        "accounts.Agency", related_name="concerns",
        help_text="The agencies it concerns: their users see it and add their agency's responses.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_reason = models.TextField(
        "why it was closed", blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDITED_FIELDS = ["title", "description", "raised_with", "raised_on", "source", "agencies", "status",
                      "closed_reason"]

    class Meta:
        ordering = ["-raised_on", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closed_reason=""), name="concern_closed_has_reason",
                violation_error_message="Give the reason the concern is closed.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="concern_has_title", violation_error_message="Give the concern a title.",
            ),
            *text.length_checks("concern", description=text.TEXT, closed_reason=text.TEXT),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("concerns:concern", args=[self.pk])


class Entry(models.Model):
    """One dated line of a concern's log: the board's update, or an agency's response. Never changed."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        RESPONSE = "response", "Response"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="For a response: the agency that gives it.",
    )
    on = models.DateField("date", help_text="The day it happened, e.g. the meeting or the letter.")
    text = models.TextField(max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDITED_FIELDS = ["kind", "agency", "on", "text"]

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["-on", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="update") & Q(agency__isnull=True)) | (Q(kind="response") & Q(agency__isnull=False)),
                name="concern_entry_response_has_agency",
                violation_error_message="A response is an agency's; an update is the board's.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="concern_entry_has_text", violation_error_message="Write the update.",
            ),
            *text.length_checks("concern_entry", text=text.TEXT),
        ]

    def __str__(self):
        who = self.agency.short_name if self.agency_id else "the board"
        return f"{self.get_kind_display()} from {who}, {self.on:%-d %b %Y}"


class Indicator(models.Model):
    """A named measure of a concern: its unit, target and direction, the agency that reports it and how often."""

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField(max_length=200, help_text="e.g. Average caseload per social worker")
    unit = models.CharField(max_length=40, help_text="e.g. cases, %, CAFs started")
    target = models.DecimalField(max_digits=12, decimal_places=2)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    owner = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="indicators", verbose_name="reported by",
        help_text="The agency whose users enter its data points: one of the agencies the concern names.",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    first_period = models.DateField(
        help_text="The first month or quarter with data expected (its first day: 1 April 2026 for April to June)."
    )
    is_active = models.BooleanField(
        "still reported", default=True, help_text="No data is expected of an indicator no longer reported."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDITED_FIELDS = ["name", "unit", "target", "direction", "owner", "frequency", "first_period", "is_active"]

    class Meta:
        ordering = ["concern_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="indicator_has_name", violation_error_message="Name the indicator.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.owner.short_name})"

    def get_absolute_url(self):
        return reverse("concerns:indicator", args=[self.pk])


class DataPoint(models.Model):
    """An indicator's value for one period (a month or a quarter, named by its first day). Corrected, never
    replaced: each correction is a DataPointCorrection with the old value."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="points")
    period = models.DateField(help_text="The first day of the month or quarter it is for.")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDITED_FIELDS = ["period", "value", "note"]

    class Meta:
        ordering = ["indicator_id", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], name="one_data_point_per_indicator_period",
                violation_error_message="This indicator already has a value for this period: correct it instead.",
            ),
            *text.length_checks("data_point", note=text.TEXT),
        ]

    def __str__(self):
        return f"{self.indicator.name}, {self.period:%b %Y}: {self.value}"

    def get_absolute_url(self):
        return f"{self.indicator.get_absolute_url()}#point-{self.pk}"


class DataPointCorrection(models.Model):
    """A data point's value (or note) changed: the old and new value, who and why. Never changed or deleted."""

    point = models.ForeignKey(DataPoint, on_delete=models.PROTECT, related_name="corrections")
    old_value = models.DecimalField(max_digits=12, decimal_places=2)
    new_value = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.TextField(max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["point_id", "corrected_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="data_point_correction_has_reason",
                violation_error_message="Say why the value is corrected.",
            ),
            *text.length_checks("data_point_correction", reason=text.TEXT),
        ]

    def __str__(self):
        return f"{self.point}: {self.old_value} → {self.new_value}"


class ConcernFile(KeptFile):
    """The evidence behind a data point (a caseload report, a CAF return), uploaded through the evidence upload
    gate (evidence.uploads) into the evidence storage. Read by the board's roles and the indicator's agency only;
    never deleted."""

    point = models.ForeignKey(DataPoint, on_delete=models.PROTECT, related_name="files")

    AUDITED_FIELDS = ["original_name", "size", "sha256"]

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("concerns:file", args=[self.pk])
