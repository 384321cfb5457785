"""The daily snapshot behind the trend charts. See README, "Snapshots".

One row holds the Figures counts (actionplans.rules.Figures) of one day for the actions of one plan
led by one agency. That is finer than "a review" or "an agency" on purpose: a review's trend is the sum
of its plans' rows, an agency's the sum of the rows it leads, and the board's the sum of all, each
restricted to the plans the reader may see (accounts.access.visible_plans). An agency user's trend
therefore never counts another agency's single-agency plan, just as their lists do not.
"""

from django.conf import settings
from django.db import models


class Snapshot(models.Model):
    date = models.DateField()
    plan = models.ForeignKey("actionplans.ActionPlan", on_delete=models.CASCADE, related_name="+")
    lead_agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    # The counts of actionplans.rules.Figures on that day.
    total = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    verified = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    due_soon = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(auto_now=True)

    COUNTS = ("total", "cancelled", "completed", "verified", "overdue", "due_soon")

    class Meta:
        ordering = ["date", "plan_id", "lead_agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["date", "plan", "lead_agency"], name="one_snapshot_per_day_plan_agency"),
        ]
        indexes = [models.Index(fields=["lead_agency", "date"])]

    def __str__(self):
        return f"{self.date}: plan {self.plan_id}, agency {self.lead_agency_id}: {self.verified}/{self.total} verified"


class DataVersion(models.Model):
    """The version of one topic of data the dashboard's cache is keyed on (dashboard.versions): a random token,
    replaced after every committed write to the topic's tables."""

    name = models.CharField(max_length=20, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.name}: {self.token}"


class ReportIssue(models.Model):
    """One board report produced as a PDF: who, when, and the date its "changes since" began. The latest one is
    "the last board report" of the chair's home page, which shows what changed since it."""

    issued_at = models.DateTimeField(db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    since = models.DateField("changes since")

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"Board report of {self.issued_at:%Y-%m-%d} by {self.issued_by}, changes since {self.since:%Y-%m-%d}"
