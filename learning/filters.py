import django_filters
from django import forms

from accounts.models import Agency
from learning import rules
from learning.models import LearningEvent
from reviews.forms import DateInput
from reviews.models import Theme
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

    def filter_attended_by(self, queryset, name, agency):
        return queryset.filter(rules.reached_q(agency))

    def filter_missed_by(self, queryset, name, agency):
        return queryset.filter(rules.missed_q(agency))
