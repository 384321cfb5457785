import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Agency
from actionplans.rules import today
from learning import rules
from learning.models import ImpactCheck, LearningEvent, SubCommittee
from reviews.forms import DateInput
from reviews.models import Review, Theme
from scrsystem.widgets import FastSelect


class EventFilter(django_filters.FilterSet):
    """The learning events list's filters. Each cell of the dissemination matrix opens it: ``?theme=&attended_by=``
    (the events that reached the agency on the theme, learning.rules) or, for a gap, ``?theme=&missed_by=``."""

    theme = django_filters.ModelChoiceFilter(
        field_name="themes", queryset=Theme.objects.order_by("name"), label="Theme", empty_label="Any theme",
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=LearningEvent.Status.choices, label="Status", empty_label="Any status", widget=FastSelect
    )
    kind = django_filters.ChoiceFilter(
        choices=LearningEvent.Kind.choices, label="Kind", empty_label="Any kind", widget=FastSelect
    )
    audience = django_filters.ChoiceFilter(
        choices=LearningEvent.Audience.choices, label="Audience", empty_label="Any audience", widget=FastSelect
    )
    attended_by = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.filter(rules.partner_q()), method="filter_attended_by", label="Reached",
        empty_label="Any agency", widget=FastSelect,
    )
    missed_by = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.filter(rules.partner_q()), method="filter_missed_by", label="Held, not reaching",
        empty_label="No agency", widget=FastSelect,
    )
    since = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label="On or after", widget=DateInput)
    until = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label="On or before", widget=DateInput)

    class Meta:
        model = LearningEvent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("attended_by", "missed_by"):
            Agency.label_choices(self.form.fields[name])
        for field in self.form.fields.values():
            css = "form-control" if isinstance(field, forms.DateField) else "form-select"
            field.widget.attrs["class"] = css

    @extend_schema_field(OpenApiTypes.INT)  # an agency's id, for the API's schema
    def filter_attended_by(self, queryset, name, agency):
        return queryset.filter(rules.reached_q(agency))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_missed_by(self, queryset, name, agency):
        return queryset.filter(rules.missed_q(agency))


class ImpactCheckFilter(django_filters.FilterSet):
    """The impact checks list's filters; the dashboard's "due" and "overdue" checks open it (``?state=``)."""

    STATES = [("attention", "Overdue or due in the next 30 days"), ("overdue", "Overdue"),
              ("due", "Due in the next 30 days"), ("upcoming", "Due later"), ("done", "Done"),
              ("withdrawn", "Withdrawn")]

    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state", label="State", empty_label="Any state",
                                        widget=FastSelect)
    sub_committee = django_filters.ModelChoiceFilter(
        queryset=SubCommittee.objects.all(), label="Sub-committee", empty_label="Any sub-committee", widget=FastSelect
    )
    finding = django_filters.ChoiceFilter(choices=ImpactCheck.Finding.choices, label="Finding",
                                          empty_label="Any finding", widget=FastSelect)
    review = django_filters.ModelChoiceFilter(
        field_name="action__plan__review", queryset=Review.objects.order_by("reference"), label="Review",
        empty_label="Any review", widget=FastSelect,
    )
    mine = django_filters.ChoiceFilter(
        choices=[("yes", "My sub-committees' checks")], method="filter_mine", label="Whose",
        empty_label="Every sub-committee's", widget=FastSelect,
    )

    class Meta:
        model = ImpactCheck
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["review"].label_from_instance = lambda review: f"{review.reference} {review.title}"
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filter_state(self, queryset, name, value):
        if value == "attention":
            return queryset.filter(rules.check_state_q("overdue", today()) | rules.check_state_q("due", today()))
        return queryset.filter(rules.check_state_q(value, today()))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(sub_committee__members=self.request.user, sub_committee__is_active=True)
