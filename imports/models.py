"""What the spreadsheet import keeps: each uploaded file with who imported it into which plan, and the headings a
member has taught it (README, "Importing a spreadsheet")."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from evidence.models import KeptFile
from imports.fields import Field


class ColumnMapping(models.Model):
    """A heading the import did not recognise, and what a member said its column holds: the next sheet with the same
    heading (compared as imports.fields.normalise writes it) is read the same way without asking."""

    heading = models.CharField(max_length=200, unique=True, help_text="The heading, normalised (lower case, no punctuation).")
    field = models.CharField(max_length=30, choices=Field.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["heading"]

    def __str__(self):
        return f"“{self.heading}” → {self.get_field_display()}"


class SpreadsheetImport(KeptFile):
    """One uploaded spreadsheet (XLSX or CSV) for one action plan: a draft while the member looks at its preview and
    chooses the sheet and the columns, imported once they confirm. The file stays in the evidence storage and the row
    stays on record (who uploaded it, who confirmed it, what it did); nothing is deleted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft: nothing imported yet"
        IMPORTED = "imported", "Imported"

    review = models.ForeignKey("reviews.Review", on_delete=models.PROTECT, related_name="spreadsheet_imports")
    plan = models.ForeignKey("actionplans.ActionPlan", on_delete=models.PROTECT, related_name="spreadsheet_imports")
    #: The sheet read (a CSV file has one, named after the file); empty until chosen: the first with headings is read.
    sheet = models.CharField(max_length=100, blank=True)
    #: What the member chose for the sheet's columns, {column letter: Field value}; columns not in it are read as
    #: their heading says (imports.fields.recognise).
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    #: What the confirmed import did, row by row: [{"row", "reference", "outcome", "changes": [text, …]}, …].
    outcome = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="imported_spreadsheet_has_confirmation",
                violation_error_message="An imported spreadsheet records who confirmed it and when.",
            ),
        ]

    def __str__(self):
        return f"{self.original_name} → {self.plan.title} ({self.get_status_display().split(':')[0].lower()})"

    def get_absolute_url(self):
        return reverse("imports:preview", args=[self.pk])

    @property
    def is_csv(self):
        return self.original_name.lower().endswith(".csv")
