"""The API's filters: the pages' own (actionplans.filters, learning.filters, concerns.filters), with each
drop-down of objects taken as an id. On a page an unknown choice is an error beside the drop-down; through the API
an id that matches nothing the reader may see filters to nothing, as any other filter value does (and says no
more about what exists)."""

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from actionplans.filters import ActionFilter
from concerns.filters import ConcernFilter
from evidence.models import Evidence
from learning import rules as learning_rules
from learning.filters import EventFilter

#: The largest id a filter takes (PostgreSQL's integer); the schema says so.
MAX_ID = 2**31 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ApiActionFilter(ActionFilter):
    review = django_filters.CharFilter(method="filter_review", label="Review (its id or its reference)")
    plan = IdFilter(field_name="plan_id", label="Action plan")
    lead_agency = IdFilter(field_name="lead_agency_id", label="Lead agency")
    theme = IdFilter(field_name="themes", label="Theme")
    responsible_officer = IdFilter(field_name="responsible_officer_id", label="Responsible officer")

    def __init__(self, *args, **kwargs):
        super(ActionFilter, self).__init__(*args, **kwargs)  # the page's labels of drop-downs are not needed

    def filter_review(self, queryset, name, value):
        value = value.strip()
        matches = Q(plan__review__reference__iexact=value)
        if value.isdigit() and len(value) < 10:
            matches |= Q(plan__review_id=int(value))
        return queryset.filter(matches)


class ApiEventFilter(EventFilter):
    theme = IdFilter(field_name="themes", label="Theme")
    attended_by = IdFilter(method="filter_attended_by", label="Reached (an agency's id)")
    missed_by = IdFilter(method="filter_missed_by", label="Held, not reaching (an agency's id)")

    def __init__(self, *args, **kwargs):
        super(EventFilter, self).__init__(*args, **kwargs)

    def filter_attended_by(self, queryset, name, agency):
        return queryset.filter(learning_rules.reached_q(agency))

    def filter_missed_by(self, queryset, name, agency):
        return queryset.filter(learning_rules.missed_q(agency))


class ApiConcernFilter(ConcernFilter):
    agency = IdFilter(field_name="agencies", label="Agency")

    def __init__(self, *args, on, **kwargs):
        super(ConcernFilter, self).__init__(*args, **kwargs)
        self.on = on


class EvidenceFilter(django_filters.FilterSet):
    action = IdFilter(field_name="action_id", label="Action")
    status = django_filters.ChoiceFilter(choices=Evidence.Status.choices, label="Status")

    class Meta:
        model = Evidence
        fields = []
