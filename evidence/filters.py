import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit

from accounts.models import Agency
from actionplans.models import Action
from evidence.models import Evidence
from reviews.models import Review


def _actions_waiting(request):
    return (
        Action.objects.filter(evidence__status=Evidence.Status.SUBMITTED)
        .distinct()
        .select_related("plan__review")
        .order_by("plan__review__reference", "plan_id", "reference")
    )


class AuditQueueFilter(django_filters.FilterSet):
    review = django_filters.ModelChoiceFilter(
        field_name="action__plan__review",
        queryset=Review.objects.order_by("reference"),
        label="Review",
        empty_label="Any review",
    )
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.all(), label="Agency", empty_label="Any agency")
    action = django_filters.ModelChoiceFilter(queryset=_actions_waiting, label="Action", empty_label="Any action")

    class Meta:
        model = Evidence
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["action"].label_from_instance = lambda a: f"{a.plan.review.reference} {a.reference}"
        Agency.label_choices(self.form.fields["agency"])
        self.form.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(
                Column("review", css_class="col-md-4"),
                Column("agency", css_class="col-md-4"),
                Column("action", css_class="col-md-4"),
            )
        )
        helper.add_input(Submit("", "Apply filters"))
