from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q

from audit.forms import StaleEditGuard
from reviews.models import Review, Theme


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def themes_to_offer(instance, field):
    """The themes in use, and any retired theme the object is tagged with already (so saving keeps it)."""
    offered = Q(retired_at__isnull=True)
    if instance.pk:
        offered |= Q(pk__in=getattr(instance, field).values("pk"))
    return Theme.objects.filter(offered)


class ReviewForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Review
        fields = Review.AUDITED_FIELDS
        widgets = {
            "commissioned_on": DateInput(),
            "finalised_on": DateInput(),
            "published_on": DateInput(),
            "themes": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, submit_label="Save review", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))
        self.fields["themes"].queryset = themes_to_offer(self.instance, "themes")

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()
