from django.conf import settings
from django.db import models
from django.urls import reverse


class Theme(models.Model):
    """A cross-cutting learning theme drawn from the reviews."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


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
        max_length=30, unique=True, help_text="The board's reference, e.g. SCR-2009-01."
    )
    title = models.CharField(max_length=200, help_text="Anonymised, e.g. “Child A”. Never a real name.")
    summary = models.TextField(blank=True)
    incident_category = models.CharField(max_length=30, choices=IncidentCategory.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.COMMISSIONED)
    commissioned_on = models.DateField("date commissioned")
    finalised_on = models.DateField("date finalised", null=True, blank=True)
    published_on = models.DateField("date published", null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="reviews")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-commissioned_on", "reference"]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.pk])
