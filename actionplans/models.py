from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from actionplans import rules
from scrsystem import text


class ActionPlan(models.Model):
    """A review's multi-agency plan (from the overview report) or one agency's own plan."""

    class Kind(models.TextChoices):
        MULTI_AGENCY = "multi_agency", "Multi-agency (overview report)"
        SINGLE_AGENCY = "single_agency", "Single-agency (individual management review)"

    review = models.ForeignKey("reviews.Review", on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text="The agency that owns a single-agency plan. Empty for the multi-agency plan.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])

    #: The fields whose every change is recorded (audit.services), whichever path writes them.
    AUDITED_FIELDS = ["kind", "agency", "title", "description"]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review", "kind", "agency__name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="multi_agency", agency__isnull=True)
                    | models.Q(kind="single_agency", agency__isnull=False)
                ),
                name="single_agency_plan_has_agency",
                violation_error_message="A single-agency plan needs its agency; a multi-agency plan has none.",
            ),
            models.UniqueConstraint(
                fields=["review"],
                condition=models.Q(kind="multi_agency"),
                name="one_multi_agency_plan_per_review",
                violation_error_message="This review already has a multi-agency plan.",
            ),
            models.UniqueConstraint(
                fields=["review", "agency"],
                name="one_plan_per_agency_per_review",
                violation_error_message="This agency already has a plan for this review.",
            ),
            *text.length_checks("actionplan", description=text.TEXT),
        ]

    def __str__(self):
        return f"{self.review.reference}: {self.title}"

    def get_absolute_url(self):
        return reverse("actionplans:plan_detail", args=[self.pk])

    @property
    def is_single_agency(self):
        return self.kind == self.Kind.SINGLE_AGENCY


class Action(models.Model):
    """One action of a plan. Its BRAG rating and overdue state are derived (see actionplans.rules)."""

    Status = rules.Status

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="actions")
    reference = models.CharField(
        max_length=20,
        validators=[text.NoDirectionControls("References")],
        help_text="Reference within the plan, e.g. 3.2.",
    )
    recommendation = models.ForeignKey(
        "reviews.Recommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="The review's recommendation this action answers.",
    )
    description = models.TextField(
        "what will be done", max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )
    lead_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="led_actions")
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_responsible",
        help_text="A user of the lead agency. May be left empty.",
    )
    target_date = models.DateField()
    #: The target date the action was created with; target_date is the current one. Moves go through
    #: actionplans.dates, each a TargetDateChange with its reason, counted in target_date_moves.
    original_target_date = models.DateField("original target date", editable=False)
    target_date_moves = models.PositiveIntegerField("times the target date moved", default=0, editable=False)
    success_measure = models.TextField(
        "success measure",
        help_text="How we will know it worked.",
        max_length=text.TEXT,
        validators=[MaxLengthValidator(text.TEXT)],
    )
    themes = models.ManyToManyField("reviews.Theme", blank=True, related_name="actions")
    status = models.CharField(max_length=20, choices=rules.Status.choices, default=rules.Status.NOT_STARTED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])

    #: What a member edits (the action form); the status is actionplans.lifecycle's.
    EDITABLE_FIELDS = [
        "reference",
        "recommendation",
        "description",
        "lead_agency",
        "responsible_officer",
        "target_date",
        "success_measure",
        "themes",
    ]
    #: The fields whose every change is recorded (audit.services), whichever path writes them.
    AUDITED_FIELDS = [*EDITABLE_FIELDS, "status", "cancellation_reason"]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_date", "plan_id", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"],
                name="unique_action_reference_per_plan",
                violation_error_message="An action with this reference already exists in this plan.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancellation_reason=""),
                name="cancelled_action_has_reason",
                violation_error_message="A cancelled action needs a reason.",
            ),
            *text.length_checks(
                "action",
                description=text.TEXT,
                success_measure=text.TEXT,
                cancellation_reason=text.TEXT,
            ),
        ]
        indexes = [
            models.Index(fields=["lead_agency", "status"]),
            models.Index(fields=["status", "target_date"]),
            # The action list's default order (filters.LIST_ORDER: target date, review, reference): PostgreSQL reads
            # the earliest dates from it and sorts only within a date (an incremental sort), not every action.
            models.Index(fields=["target_date"], name="action_target_date_idx"),
        ]

    def __str__(self):
        return f"{self.plan.review.reference} {self.reference}"

    def save(self, *args, **kwargs):
        # A new action starts on its original date (rows written with bulk_create must set it themselves).
        if self.original_target_date is None:
            self.original_target_date = self.target_date
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("actionplans:action_detail", args=[self.pk])

    @property
    def target_date_slipped(self):
        """Is the current target date later than the one the action was created with?"""
        return rules.has_slipped(self.target_date, self.original_target_date)

    def clean(self):
        errors = {}
        plan = self.plan if self.plan_id else None
        officer = self.responsible_officer if self.responsible_officer_id else None
        if plan and plan.is_single_agency and self.lead_agency_id and self.lead_agency_id != plan.agency_id:
            errors["lead_agency"] = f"Actions in {plan.agency}'s own plan are led by {plan.agency}."
        recommendation = self.recommendation if self.recommendation_id else None
        if plan and recommendation and recommendation.review_id != plan.review_id:
            errors["recommendation"] = f"{recommendation} is not a recommendation of {plan.review.reference}."
        if officer and self.lead_agency_id and officer.agency_id != self.lead_agency_id:
            errors["responsible_officer"] = (
                f"{officer} works for {officer.agency or 'no agency'}, not the lead agency {self.lead_agency}. "
                "Choose an officer of the lead agency or leave it empty."
            )
        if errors:
            raise ValidationError(errors)

    # The derived numbers come from actionplans.rules, the one place that defines them.
    def is_overdue(self, today=None):
        return rules.is_overdue(self.status, self.target_date, today)

    def days_overdue(self, today=None):
        return rules.days_overdue(self.status, self.target_date, today)

    def brag(self, today=None):
        return rules.brag(self.status, self.target_date, today)


class ProgressUpdate(models.Model):
    """A dated entry in an action's progress log; status changes are recorded here too."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(max_length=text.PROGRESS_ENTRY, validators=[MaxLengthValidator(text.PROGRESS_ENTRY)])
    status_before = models.CharField(max_length=20, choices=rules.Status.choices)
    status_after = models.CharField(max_length=20, choices=rules.Status.choices)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = text.length_checks("progressupdate", note=text.PROGRESS_ENTRY)

    def __str__(self):
        return f"{self.action} update {self.created_at:%Y-%m-%d}"

    @property
    def changed_status(self):
        return self.status_before != self.status_after


class TargetDateChange(models.Model):
    """A move of an action's target date, with its reason (README, "Honest target dates"). A member moves the
    date directly (the change is approved as it is made); a user of the lead agency requests it, and a member
    approves or refuses the request. At most one request per action waits for a decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="date_changes")
    old_date = models.DateField("target date before")
    new_date = models.DateField("new target date")
    reason = models.TextField(max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        "note on the decision", blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)]
    )

    AUDITED_FIELDS = ["old_date", "new_date", "reason", "status", "decided_by", "decision_note"]

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=models.Q(status="pending"),
                name="one_pending_date_change_per_action",
                violation_error_message="A change of this action's target date is already waiting for approval.",
            ),
            models.CheckConstraint(
                condition=~models.Q(old_date=models.F("new_date")),
                name="date_change_moves_the_date",
                violation_error_message="The new target date is the same as the current one.",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="date_change_has_reason",
                violation_error_message="Give a reason for changing the target date.",
            ),
            *text.length_checks("targetdatechange", reason=text.TEXT, decision_note=text.TEXT),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"Target date of {self.action}: {self.old_date:%d/%m/%Y} → {self.new_date:%d/%m/%Y}"
