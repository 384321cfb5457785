from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from audit.forms import StaleEditGuard
from reviews.models import Review


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReviewForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Review
        fields = [
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

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        commissioned = cleaned.get("commissioned_on")
        finalised = cleaned.get("finalised_on")
        published = cleaned.get("published_on")
        status = cleaned.get("status")
        if commissioned and finalised and finalised < commissioned:
            self.add_error("finalised_on", "A review cannot be finalised before it was commissioned.")
        if published and (finalised or commissioned) and published < (finalised or commissioned):
            self.add_error("published_on", "A review cannot be published before it was finalised.")
        if published and not finalised:
            self.add_error("finalised_on", "Give the date the review was finalised before its publication date.")
        needs_finalised = {
            Review.Status.FINALISED,
            Review.Status.AWAITING_PUBLICATION,
            Review.Status.PUBLISHED,
            Review.Status.CLOSED,
        }
        if status in needs_finalised and not finalised:
            self.add_error("finalised_on", "A finalised review needs the date it was finalised.")
        if status in {Review.Status.PUBLISHED} and not published:
            self.add_error("published_on", "A published review needs its publication date.")
        return cleaned
