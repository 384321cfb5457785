from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from scrsystem import text


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
    """One serious case review. Titles are anonymised (“Child A”); no real names are ever stored."""

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
