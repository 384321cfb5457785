import django_filters
from django.conf import settings

from accounts.models import Agency
from concerns import rules
from concerns.models import Concern
from concerns.rules import Rag
from scrsystem.widgets import FastSelect


class ConcernFilter(django_filters.FilterSet):
    """The register's filters; the figures above it open it (``?status=``, ``?rag=``)."""

    status = django_filters.ChoiceFilter(choices=Concern.Status.choices, label="Status", empty_label="Any status",
                                         widget=FastSelect)
    source = django_filters.ChoiceFilter(choices=Concern.Source.choices, label="Source", empty_label="Any source",
                                         widget=FastSelect)
    agency = django_filters.ModelChoiceFilter(
        field_name="agencies", queryset=Agency.objects.order_by("name"), label="Agency", empty_label="Any agency",
        widget=FastSelect,
    )
    rag = django_filters.ChoiceFilter(
        choices=[(Rag.RED, "An indicator red"), (Rag.AMBER, "An indicator amber"), ("late", "A value late")],
        help_text="Of the concerns not closed.",
        method="filter_rag", label="Indicators", empty_label="Any", widget=FastSelect,
    )

    quiet = django_filters.ChoiceFilter(
        choices=[("yes", "No update for a while")], method="filter_quiet", label="Updates", empty_label="Any",
        widget=FastSelect,
    )

    class Meta:
        model = Concern
        fields = []

    def __init__(self, *args, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on
        Agency.label_choices(self.form.fields["agency"])
        self.form.fields["quiet"].choices = [("", "Any"),
                                             ("yes", f"No update for {settings.CONCERN_UPDATE_DAYS} days or more")]
        for form_field in self.form.fields.values():
            form_field.widget.attrs["class"] = "form-select"

    def filter_rag(self, queryset, name, value):
        from concerns import selectors

        concerns = list(queryset.exclude(status=Concern.Status.CLOSED).only("pk"))  # as the figures count them
        selectors.indicators_of(concerns, self.on)
        if value == "late":
            wanted = [c.pk for c in concerns if c.rag.late]
        else:
            wanted = [c.pk for c in concerns if getattr(c.rag, value)]
        return queryset.filter(pk__in=wanted)

    def filter_quiet(self, queryset, name, value):
        """The concerns not closed with no update or response for CONCERN_UPDATE_DAYS days (concerns.rules): the
        members are reminded of them, and their home page lists them."""
        return rules.quiet_in_sql(queryset, self.on)
