"""The reminder log: one row per (recipient, kind of e-mail, day), claimed before the e-mail is sent.

The unique constraint on (recipient, kind, day) is what makes the job send exactly once: whichever worker
inserts the row first owns it; every other run, at the same time or later, finds it there and sends nothing.
See README, "Reminders".
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from scrsystem import text


class Kind(models.TextChoices):
    """What a reminder is about. ``DIGEST`` is only a kind of e-mail: it gathers the other kinds."""

    DIGEST = "digest", "Daily digest"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    ESCALATION = "escalation", "Escalation"
    EVIDENCE_WAITING = "evidence_waiting", "Evidence waiting for a decision"
    IMPACT_OVERDUE = "impact_overdue", "Impact check overdue"
    IMPACT_DUE = "impact_due", "Impact check due soon"
    ATTENDANCE = "attendance", "Attendance not recorded"
    VALUE_LATE = "value_late", "Indicator value late"
    CONCERN_QUIET = "concern_quiet", "Concern with no update"


class Reminder(models.Model):
    """One e-mail to one person for one day: claimed, then sent or failed. Never deleted."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed (being sent or waiting to be retried)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    day = models.DateField(help_text="The day the reminder is for: the job's “today”.")
    email = models.EmailField(help_text="The address it was sent to.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=1, help_text="Sending attempts started, this one included.")
    claimed_at = models.DateTimeField()
    retry_after = models.DateTimeField(
        help_text="While claimed: when another run may take it over (the claim timed out or a retry is due)."
    )
    claim_token = models.UUIDField(null=True, blank=True, editable=False, help_text="The run that holds it.")
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(
        blank=True,
        help_text="The last error, if sending failed.",
        max_length=text.ERROR,
        validators=[MaxLengthValidator(text.ERROR)],
    )
    actions = models.ManyToManyField("actionplans.Action", through="ReminderItem", related_name="reminders")

    class Meta:
        ordering = ["-day", "recipient_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "day"], name="one_reminder_per_recipient_kind_day"
            ),
            *text.length_checks("reminder", error=text.ERROR),
        ]
        indexes = [
            models.Index(fields=["status", "retry_after"]),
            models.Index(fields=["day"]),
            models.Index(fields=["claim_token"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} on {self.day:%Y-%m-%d} ({self.status})"

    @staticmethod
    def error_text(error):
        """What ``error`` records: the system's own text, cut to fit rather than refused."""
        return text.clip(error, text.ERROR)


class ReminderItem(models.Model):
    """One thing an e-mail reminds of: an action at a number of days, (for consultants) evidence waiting, (for a
    sub-committee's members) an impact check due or overdue, (for an agency's users) its attendance at a held
    learning event not recorded or an indicator's value late, or (for members) a board concern with no update."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=[c for c in Kind.choices if c[0] != Kind.DIGEST])
    action = models.ForeignKey(
        "actionplans.Action", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True
    )
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For the consultants' digest: the evidence item waiting for a decision (its action is set too).",
    )
    impact_check = models.ForeignKey(
        "learning.ImpactCheck", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For an impact check due or overdue (its action is set too).",
    )
    event = models.ForeignKey(
        "learning.LearningEvent", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For attendance not recorded: the held event.",
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For attendance not recorded: the agency whose attendance is missing.",
    )
    indicator = models.ForeignKey(
        "concerns.Indicator", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For an indicator value late: the indicator.",
    )
    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.PROTECT, related_name="reminder_items", null=True, blank=True,
        help_text="For a board concern with no update for a while: the concern.",
    )
    days = models.IntegerField(
        help_text="Days left (due soon), days overdue, days the evidence has waited, days since the event, days a "
        "value is late, or days since a concern's last update."
    )

    class Meta:
        ordering = ["reminder_id", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.action or ''} ({self.days} days)"


class ReminderPreference(models.Model):
    """How a person wants their reminders. Without a row, the defaults apply (one e-mail a day, all kinds)."""

    class Delivery(models.TextChoices):
        DIGEST = "digest", "Daily digest: one e-mail a day with everything that needs me"
        SEPARATE = "separate", "Separate e-mails: one for each kind of reminder (due soon, overdue, escalation …)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.DIGEST)
    due_soon = models.BooleanField(
        "remind me before target dates",
        default=True,
        help_text="Reminders before an action's target date or an impact check's due date. Overdue, escalation "
        "and the others are always sent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reminder preferences of {self.user}"


class CalendarFeed(models.Model):
    """A person's secret address of an iCalendar feed of their due dates (reminders.calendar): the address holds a
    random token shown once; only its SHA-256 is kept. A new address stops the old one; a stopped one answers 404."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                    name="one_live_calendar_feed_per_user"),
        ]

    def __str__(self):
        return f"Calendar feed of {self.user} from {self.created_at:%Y-%m-%d}{' (stopped)' if self.revoked_at else ''}"
