"""The learning cycle after the action plan (DOMAIN.md, "The learning cycle"): the learning events that carry a
review's themes to practitioners, each agency's attendance at them, and their files (attendance registers and
materials). Nothing here is ever deleted: a cancelled event stays on record with its reason."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from evidence.models import KeptFile
from scrsystem import text


class LearningEvent(models.Model):
    """A workshop, briefing, conference or e-learning module that disseminates themes. Its status moves only
    through learning.services (scheduled → held or cancelled, cancelled → scheduled), each a conditional write."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", "Workshop"
        BRIEFING = "briefing", "Briefing"
        CONFERENCE = "conference", "Conference"
        E_LEARNING = "e_learning", "E-learning module"

    class Audience(models.TextChoices):
        ALL = "all_practitioners", "All practitioners"
        SUPERVISORS = "supervisors_managers", "Supervisors and managers"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200, help_text="e.g. “Hidden men: working with fathers and partners”.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    audience = models.CharField(max_length=30, choices=Audience.choices, default=Audience.ALL)
    held_on = models.DateField("date", help_text="The day it is (or was) held; for an e-learning module, the day it opened.")
    facilitator = models.CharField(max_length=200, help_text="Who leads it, e.g. the board's training officer.")
    description = models.TextField(
        "what it covers", blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )
    themes = models.ManyToManyField(
        "reviews.Theme", related_name="learning_events", help_text="The themes it carries to practitioners."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(
        blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)], editable=False
    )

    AUDITED_FIELDS = [
        "title", "kind", "audience", "held_on", "facilitator", "description", "themes", "status",
        "cancellation_reason",
    ]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""), name="learning_event_has_title",
                violation_error_message="Give the event a title.",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="cancelled_learning_event_has_reason",
                violation_error_message="A cancelled event needs the reason it was cancelled.",
            ),
            *text.length_checks("learning_event", description=text.TEXT, cancellation_reason=text.TEXT),
        ]
        indexes = [models.Index(fields=["status", "held_on"], name="learning_event_status_day")]

    def __str__(self):
        return f"{self.title} ({self.held_on:%-d %b %Y})" if self.held_on else self.title

    def get_absolute_url(self):
        return reverse("learning:event", args=[self.pk])

    def clean(self):
        super().clean()
        if self.status == self.Status.HELD and self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": "This event has been held: its date cannot be in the future."})


class Attendance(models.Model):
    """How many of one agency's staff attended a held event (none is an answer too), recorded by a member or by
    the agency's own users. One record per agency and event; a change is recorded field by field."""

    event = models.ForeignKey(LearningEvent, on_delete=models.PROTECT, related_name="attendance")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="attendance")
    attended = models.PositiveIntegerField("people who attended")
    note = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])

    AUDITED_FIELDS = ["attended", "note"]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "agency__name"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "agency"], name="one_attendance_per_agency_and_event",
                violation_error_message="This agency's attendance at this event is recorded already.",
            ),
            *text.length_checks("attendance", note=text.TEXT),
        ]

    def __str__(self):
        return f"{self.agency} at {self.event}: {self.attended}"

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#attendance-{self.agency_id}"


class SubCommittee(models.Model):
    """A sub-committee of the board (Monitoring and Evaluation, Professional Practice, workforce development). An
    administrator manages them; a person can belong to several. Its members record the findings of the impact
    checks assigned to it. Never deleted: one no longer meeting is made inactive."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="sub_committees")
    checks_impact = models.BooleanField(
        "checks impact by default", default=False,
        help_text="New impact checks (when an action is verified) are assigned to it. At most one sub-committee.",
    )
    is_active = models.BooleanField(default=True)

    AUDITED_FIELDS = ["name", "description", "members", "checks_impact", "is_active"]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["checks_impact"], condition=Q(checks_impact=True), name="one_default_impact_sub_committee",
                violation_error_message="Another sub-committee checks impact by default already.",
            ),
            *text.length_checks("sub_committee", description=text.TEXT),
        ]

    def __str__(self):
        return self.name


class ImpactCheck(models.Model):
    """"Verify that the changes have been effective": some time after an action is verified, a sub-committee checks
    whether practice changed. Created by actionplans.lifecycle when the action is verified (learning.services);
    withdrawn, still open, if the sign-off is; its finding is recorded once, by a conditional write, and "not
    embedded" or "cannot tell yet" lead to a new check or a new action (``follows``)."""

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"
        WITHDRAWN = "withdrawn", "Withdrawn (the sign-off was withdrawn)"

    class Finding(models.TextChoices):
        EMBEDDED = "embedded", "Embedded"
        PARTLY = "partly", "Partly embedded"
        NOT_EMBEDDED = "not_embedded", "Not embedded"
        CANNOT_TELL = "cannot_tell", "Cannot tell yet"

    action = models.ForeignKey("actionplans.Action", on_delete=models.PROTECT, related_name="impact_checks")
    sub_committee = models.ForeignKey(
        SubCommittee, on_delete=models.PROTECT, null=True, blank=True, related_name="impact_checks",
        help_text="Whose members record the finding.",
    )
    due_on = models.DateField("due")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    finding = models.CharField(max_length=20, choices=Finding.choices, blank=True)
    looked_at = models.TextField(
        "what the sub-committee looked at", blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)],
        help_text="e.g. a multi-agency audit of 20 case files, practitioners' survey, supervision records.",
    )
    finding_note = models.TextField(
        "what it found", blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )
    checked_on = models.DateField("date of the finding", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups",
        help_text="The check whose finding asked for this one.",
    )
    follow_up_action = models.ForeignKey(
        "actionplans.Action", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The new action a “not embedded” finding led to.",
    )

    AUDITED_FIELDS = ["sub_committee", "due_on", "status", "finding", "looked_at", "finding_note", "checked_on",
                      "follow_up_action"]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="done") & ~Q(finding="") & Q(checked_on__isnull=False))
                | (~Q(status="done") & Q(finding="")),
                name="impact_check_done_has_finding",
                violation_error_message="A done check has its finding and date; another has none.",
            ),
            models.UniqueConstraint(
                fields=["action"], condition=Q(status="open"), name="one_open_impact_check_per_action",
                violation_error_message="This action has an impact check to do already.",
            ),
            *text.length_checks("impact_check", looked_at=text.TEXT, finding_note=text.TEXT),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="impact_check_status_due")]

    def __str__(self):
        return f"Impact check of action {self.action}, due {self.due_on:%-d %b %Y}"

    def get_absolute_url(self):
        return reverse("learning:impact_check", args=[self.pk])


class LearningFile(KeptFile):
    """A file of the learning cycle: an agency's attendance register at an event (which names people: only that
    agency and the board's own roles read it), an event's materials (everyone reads them), or the evidence behind an
    impact check's finding (the board's roles only: an audit of case files is no agency's to read). Uploaded through
    the evidence upload gate (evidence.uploads) into the evidence storage; never deleted."""

    class Kind(models.TextChoices):
        REGISTER = "register", "Attendance register"
        MATERIAL = "material", "Materials"
        IMPACT = "impact", "Evidence of an impact check"

    event = models.ForeignKey(LearningEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    impact_check = models.ForeignKey(
        ImpactCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The agency whose register it is; empty for materials.",
    )
    description = models.CharField(max_length=200, blank=True)

    AUDITED_FIELDS = ["kind", "agency", "description", "original_name", "size", "sha256"]

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="register") & Q(agency__isnull=False) & Q(event__isnull=False))
                | (Q(kind="material") & Q(agency__isnull=True) & Q(event__isnull=False))
                | (Q(kind="impact") & Q(agency__isnull=True) & Q(impact_check__isnull=False)),
                name="learning_file_kind_rules",
                violation_error_message="A register belongs to an event and one agency; materials to an event; the "
                "evidence of a finding to its impact check.",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=True) | Q(impact_check__isnull=True),
                name="learning_file_belongs_to_one",
                violation_error_message="A file belongs to an event or to an impact check, not both.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self):
        return reverse("learning:file", args=[self.pk])
