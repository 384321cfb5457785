"""What the REST API shows of each object: the fields its pages show, with the derived figures (BRAG, overdue)
computed by actionplans.rules as the pages compute them. Requests that write are validated by the pages' own forms
(api.views); the serializers named ``…Request`` only describe those requests in the schema."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actionplans import lifecycle, rules
from actionplans.models import Action, ActionPlan, ProgressUpdate
from actionplans.selectors import first_line
from concerns.models import Concern
from evidence.forms import EvidenceForm
from evidence.models import Evidence
from learning.models import LearningEvent
from reviews.models import Review
from scrsystem import text


def _name(user):
    return str(user) if user else None


def names(**kwargs):
    """The names of a many-to-many relation (themes, agencies), read from its prefetch."""
    return serializers.SlugRelatedField(many=True, read_only=True, slug_field="name", **kwargs)


class ReviewSerializer(serializers.ModelSerializer):
    themes = names()

    class Meta:
        model = Review
        fields = ["id", "reference", "title", "kind", "incident_category", "status", "summary", "commissioned_on",
                  "finalised_on", "published_on", "themes", "updated_at"]


class PlanSerializer(serializers.ModelSerializer):
    review_reference = serializers.CharField(source="review.reference")
    agency_name = serializers.CharField(source="agency.name", allow_null=True, default=None)

    class Meta:
        model = ActionPlan
        fields = ["id", "review", "review_reference", "kind", "agency", "agency_name", "title", "description",
                  "updated_at"]


class LatestProgressSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField()
    note = serializers.CharField(help_text="The first line of the latest progress note.")


class ActionSerializer(serializers.ModelSerializer):
    review = serializers.IntegerField(source="plan.review_id")
    review_reference = serializers.CharField(source="plan.review.reference")
    lead_agency_name = serializers.CharField(source="lead_agency.name")
    responsible_officer_name = serializers.SerializerMethodField()
    brag = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    latest_progress = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "reference", "plan", "review", "review_reference", "recommendation", "description",
                  "lead_agency", "lead_agency_name", "responsible_officer", "responsible_officer_name", "target_date",
                  "original_target_date", "target_date_moves", "success_measure", "status", "status_changed_at",
                  "cancellation_reason", "brag", "overdue", "days_overdue", "latest_progress", "updated_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_responsible_officer_name(self, action):
        return _name(action.responsible_officer)

    @extend_schema_field(serializers.ChoiceField(choices=rules.Brag.choices, allow_null=True))
    def get_brag(self, action):
        return action.brag(self.context.get("today"))

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, action):
        return action.is_overdue(self.context.get("today"))

    @extend_schema_field(serializers.IntegerField())
    def get_days_overdue(self, action):
        return action.days_overdue(self.context.get("today"))

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest_progress(self, action):
        if getattr(action, "latest_progress_at", None) is None:
            return None
        return {"at": action.latest_progress_at, "by": action.latest_progress_by,
                "note": first_line(action.latest_progress_note)}


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressUpdate
        fields = ["id", "action", "author", "author_name", "created_at", "note", "status_before", "status_after"]

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, update):
        return _name(update.author)


#: Text that must say something: not empty, not only spaces (as the pages' forms require), and no NUL character
#: (Django's forms refuse it).
SOME_TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"
#: Text that may be empty, without a NUL character.
ANY_TEXT = r"^[^\x00]*$"


PROGRESS = lifecycle.ACTION_MOVES["progress"]


def _choices(statuses):
    return [(status.value, status.label) for status in statuses]


class ProgressRequest(serializers.Serializer):
    """A progress note, moving the status among the working ones (as the action page's form)."""

    status = serializers.ChoiceField(choices=_choices(PROGRESS.targets))
    note = serializers.RegexField(SOME_TEXT, max_length=text.TEXT)
    seen_status = serializers.ChoiceField(
        choices=_choices(PROGRESS.sources), help_text="The action's status as you last read it: nothing is written if it "
        "changed since (409).")
    seen_changed_at = serializers.DateTimeField(
        required=False, help_text="The action's status_changed_at as you last read it; leave it out if it had none.")


class EvidenceSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name")
    submitted_by_name = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "action", "agency", "agency_name", "description", "represents_on", "note", "original_name",
                  "content_type", "size", "status", "supersedes", "submitted_by", "submitted_by_name", "submitted_at",
                  "withdrawal_reason", "withdrawn_at", "file_url"]

    @extend_schema_field(serializers.CharField())
    def get_submitted_by_name(self, evidence):
        return _name(evidence.submitted_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_url(self, evidence):
        if not evidence.stored_name:
            return None
        return reverse("api:evidence-file", args=[evidence.pk])


class EvidenceRequest(serializers.Serializer):
    """New evidence on an action (as the action page's form): each file becomes its own evidence item."""

    description = serializers.RegexField(SOME_TEXT, max_length=text.TEXT)
    represents_on = serializers.DateField(help_text="Not later than today.")
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=EvidenceForm.max_files)
    note = serializers.RegexField(ANY_TEXT, required=False, allow_blank=True, max_length=text.WRITTEN_NOTE)


class FiguresSerializer(serializers.Serializer):
    """A row of the dashboard's table of reviews or of agencies (dashboard.selectors.Row): its figures."""

    id = serializers.IntegerField(source="obj.pk")
    name = serializers.CharField(help_text="The review's reference, or the agency's name.")
    total = serializers.IntegerField(source="figures.total")
    cancelled = serializers.IntegerField(source="figures.cancelled")
    counted = serializers.IntegerField(source="figures.counted")
    completed = serializers.IntegerField(source="figures.completed")
    verified = serializers.IntegerField(source="figures.verified")
    overdue = serializers.IntegerField(source="figures.overdue")
    due_soon = serializers.IntegerField(source="figures.due_soon")
    slipped = serializers.IntegerField(source="figures.slipped")
    completion = serializers.IntegerField(source="figures.completion", allow_null=True,
                                          help_text="Per cent; null with no counted action.")
    compliance = serializers.IntegerField(source="figures.compliance", allow_null=True,
                                          help_text="Per cent; null with no counted action.")
    evidence_awaiting_audit = serializers.IntegerField(source="evidence.items")


class LearningEventSerializer(serializers.ModelSerializer):
    themes = names()

    class Meta:
        model = LearningEvent
        fields = ["id", "title", "kind", "audience", "held_on", "facilitator", "description", "themes", "status",
                  "status_changed_at", "cancellation_reason", "updated_at"]


class ConcernSerializer(serializers.ModelSerializer):
    agencies = names()

    class Meta:
        model = Concern
        fields = ["id", "title", "description", "raised_with", "raised_on", "source", "agencies", "status",
                  "status_changed_at", "closed_reason", "updated_at"]
