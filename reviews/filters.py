import django_filters

from accounts.models import Agency
from reviews import rules
from reviews.models import Recommendation, Review
from scrsystem.widgets import FastSelect

PARTNERSHIP = "partnership"


class RecommendationFilter(django_filters.FilterSet):
    """The recommendations list's filters; the dashboard's and the board report's recommendation figures link here
    (``?gap=yes``, ``?response=awaiting``)."""

    review = django_filters.ModelChoiceFilter(
        queryset=Review.objects.order_by("reference"), label="Review", empty_label="Any review", widget=FastSelect
    )
    kind = django_filters.ChoiceFilter(
        field_name="review__kind", choices=Review.Kind.choices, label="Kind of review", empty_label="Any kind",
        widget=FastSelect,
    )
    response = django_filters.ChoiceFilter(
        choices=Recommendation.Response.choices, label="Board's response", empty_label="Any response",
        widget=FastSelect,
    )
    addressed_to = django_filters.ChoiceFilter(
        method="filter_addressed_to", label="Addressed to", empty_label="Anyone", widget=FastSelect
    )
    gap = django_filters.ChoiceFilter(
        choices=[("yes", "No live action (a gap)"), ("no", "Carried out by a live action, or not accepted")],
        method="filter_gap", label="Actions", empty_label="With or without actions", widget=FastSelect,
    )

    class Meta:
        model = Recommendation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = [(str(a.pk), a.choice_label) for a in Agency.objects.order_by("short_name")]
        self.filters["addressed_to"].extra["choices"] = [(PARTNERSHIP, "The partnership"), *agencies]
        self.form.fields["review"].label_from_instance = lambda review: f"{review.reference} {review.title}"
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filter_addressed_to(self, queryset, name, value):
        if value == PARTNERSHIP:
            return queryset.filter(agency__isnull=True)
        return queryset.filter(agency_id=value)

    def filter_gap(self, queryset, name, value):
        return queryset.filter(rules.gap_q()) if value == "yes" else queryset.exclude(rules.gap_q())
