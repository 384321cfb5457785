from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from scrsystem import text

#: The limit of a recommendation's text (its field is called ``text``, which hides the module in its class body).
LONG_TEXT = text.TEXT


class ThemeQuerySet(models.QuerySet):
    def in_use(self):
        """The themes a person may tag a review or action with now: all but the retired."""
        return self.filter(retired_at__isnull=True)


class Theme(models.Model):
    """A cross-cutting learning theme drawn from the reviews. Never deleted: a theme no longer used is retired,
    so the reviews and actions tagged with it keep their tags and their history."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    retired_at = models.DateTimeField(
        "retired", null=True, blank=True, help_text="A retired theme is no longer offered for new tags."
    )

    objects = ThemeQuerySet.as_manager()

    AUDITED_FIELDS = ["name", "description", "retired_at"]

    class Meta:
        ordering = ["name"]
        constraints = text.length_checks("theme", description=text.TEXT)

    def __str__(self):
        return f"{self.name} (retired)" if self.retired_at else self.name


class Review(models.Model):
    """One learning review: a serious case review (today a local child safeguarding practice review), a rapid review,
    an audit or an inspection; its kind says which (DOMAIN.md, "The learning cycle"). Titles are anonymised
    (“Child A”); no real names are ever stored."""

    class Kind(models.TextChoices):
        SERIOUS_CASE = "serious_case", "Serious case review / local child safeguarding practice review"
        RAPID = "rapid", "Rapid review"
        MULTI_AGENCY_AUDIT = "multi_agency_audit", "Multi-agency audit"
        SECTION_11 = "section_11", "Section 11 audit"
        INSPECTION = "inspection", "Inspection"
        OTHER = "other", "Other learning review"

    class Status(models.TextChoices):
        COMMISSIONED = "commissioned", "Commissioned"
        IN_PROGRESS = "in_progress", "In progress"
        FINALISED = "finalised", "Finalised"
        AWAITING_PUBLICATION = "awaiting_publication", "Awaiting publication"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    class IncidentCategory(models.TextChoices):
        DEATH = "death", "Death of a child"
        SERIOUS_INJURY = "serious_injury", "Serious physical injury"
        HEAD_INJURY = "head_injury", "Non-accidental head injury (shaking)"
        NEGLECT = "neglect", "Serious neglect"
        SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
        OTHER = "other", "Other"

    reference = models.CharField(
        max_length=30,
        unique=True,
        validators=[text.NoDirectionControls("References")],
        help_text="The board's reference, e.g. SCR-2009-01.",
    )
    title = models.CharField(max_length=200, help_text="Anonymised, e.g. “Child A”. Never a real name.")
    kind = models.CharField("kind of review", max_length=30, choices=Kind.choices, default=Kind.SERIOUS_CASE)
    summary = models.TextField(blank=True, max_length=text.TEXT, validators=[MaxLengthValidator(text.TEXT)])
    incident_category = models.CharField(max_length=30, choices=IncidentCategory.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.COMMISSIONED)
    commissioned_on = models.DateField("date commissioned")
    finalised_on = models.DateField("date finalised", null=True, blank=True)
    published_on = models.DateField("date published", null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="reviews")

    #: The fields whose every change is recorded (audit.services), whichever path writes them.
    AUDITED_FIELDS = [
        "reference",
        "title",
        "kind",
        "incident_category",
        "status",
        "summary",
        "commissioned_on",
        "finalised_on",
        "published_on",
        "themes",
    ]
    #: Statuses that need the date the review was finalised.
    FINALISED_STATUSES = ("finalised", "awaiting_publication", "published", "closed")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-commissioned_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finalised_on__isnull=True) | Q(finalised_on__gte=F("commissioned_on")),
                name="review_finalised_after_commissioned",
                violation_error_message="A review cannot be finalised before it was commissioned.",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True)
                | (Q(finalised_on__isnull=False) & Q(published_on__gte=F("finalised_on"))),
                name="review_published_after_finalised",
                violation_error_message="A review is published after it was finalised, and needs both dates.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("finalised", "awaiting_publication", "published", "closed"))
                | Q(finalised_on__isnull=False),
                name="finalised_review_has_date",
                violation_error_message="A finalised review needs the date it was finalised.",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_on__isnull=False),
                name="published_review_has_date",
                violation_error_message="A published review needs its publication date.",
            ),
            *text.length_checks("review", summary=text.TEXT),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.pk])

    def clean(self):
        """The date rules of a review: every path that saves one (form, admin site, import) calls this."""
        super().clean()
        errors = {}
        commissioned, finalised, published = self.commissioned_on, self.finalised_on, self.published_on
        if commissioned and finalised and finalised < commissioned:
            errors["finalised_on"] = "A review cannot be finalised before it was commissioned."
        if published and not finalised:
            errors["finalised_on"] = "Give the date the review was finalised before its publication date."
        elif published and finalised and published < finalised:
            errors["published_on"] = "A review cannot be published before it was finalised."
        if self.status in self.FINALISED_STATUSES and not finalised:
            errors.setdefault("finalised_on", "A finalised review needs the date it was finalised.")
        if self.status == self.Status.PUBLISHED and not published:
            errors["published_on"] = "A published review needs its publication date."
        if errors:
            raise ValidationError(errors)


class Recommendation(models.Model):
    """One of a review's numbered recommendations, addressed to the partnership or to one agency, with the board's
    formal response. The actions that carry it out point to it (Action.recommendation); whether it is a gap (no live
    action) is reviews.rules'."""

    class Response(models.TextChoices):
        AWAITING = "awaiting", "Awaiting the board's response"
        ACCEPTED = "accepted", "Accepted"
        ACCEPTED_IN_PART = "accepted_in_part", "Accepted in part"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    #: The responses that need their reasons written down.
    REASONED = (Response.ACCEPTED_IN_PART, Response.NOT_ACCEPTED)

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveIntegerField(help_text="The recommendation's number in the review's report.")
    text = models.TextField(
        "recommendation", max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)]
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name="addressed to",
        help_text="The one agency it is addressed to. Empty when it is addressed to the partnership.",
    )
    response = models.CharField(
        "the board's response", max_length=20, choices=Response.choices, default=Response.AWAITING
    )
    response_reasons = models.TextField(
        "reasons",
        blank=True,
        max_length=LONG_TEXT,
        validators=[MaxLengthValidator(LONG_TEXT)],
        help_text="Why it was accepted in part or not accepted (required for those responses).",
    )
    responded_on = models.DateField("date of the response", null=True, blank=True)

    AUDITED_FIELDS = ["number", "text", "agency", "response", "response_reasons", "responded_on"]

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                name="unique_recommendation_number_per_review",
                violation_error_message="This review already has a recommendation with this number.",
            ),
            models.CheckConstraint(
                condition=Q(response="awaiting") | Q(responded_on__isnull=False),
                name="recommendation_response_has_date",
                violation_error_message="Give the date of the board's response.",
            ),
            models.CheckConstraint(
                condition=~Q(response__in=("accepted_in_part", "not_accepted")) | ~Q(response_reasons=""),
                name="recommendation_response_has_reasons",
                violation_error_message="A recommendation accepted in part or not accepted needs the reasons.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="recommendation_has_text",
                violation_error_message="Write the recommendation.",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="recommendation_number_positive",
                violation_error_message="Recommendations are numbered from 1.",
            ),
            *text.length_checks("recommendation", text=LONG_TEXT, response_reasons=LONG_TEXT),
        ]

    def __str__(self):
        return f"{self.review.reference} recommendation {self.number}"

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.review_id]) + f"#recommendation-{self.number}"

    @property
    def label(self):
        """The number and the text, as a drop-down offers it."""
        return f"{self.number}. {self.text}"

    @property
    def gap(self):
        """Is it a gap (reviews.rules.is_gap)? Read with reviews.rules.with_live_actions, which counts its live
        actions in the same query."""
        from reviews import rules  # reviews.rules reads this module's models

        return rules.is_gap(self.response, self.live_actions)

    @property
    def addressed_to(self):
        return str(self.agency) if self.agency_id else "The partnership"

    def clean(self):
        super().clean()
        errors = {}
        if self.response != self.Response.AWAITING and not self.responded_on:
            errors["responded_on"] = "Give the date of the board's response."
        if self.response in self.REASONED and not (self.response_reasons or "").strip():
            errors["response_reasons"] = (
                f"Say why the recommendation is {self.get_response_display().lower()}: the reasons are part of the "
                "board's response."
            )
        if errors:
            raise ValidationError(errors)
