from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q

from accounts.models import Agency
from audit.forms import StaleEditGuard
from reviews.models import Recommendation, Review, Theme


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


class RecommendationForm(StaleEditGuard, forms.ModelForm):
    """A review's recommendation and the board's response to it."""

    class Meta:
        model = Recommendation
        fields = Recommendation.AUDITED_FIELDS
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "response_reasons": forms.Textarea(attrs={"rows": 3}),
            "responded_on": DateInput(),
        }

    def __init__(self, *args, review, submit_label="Save recommendation", **kwargs):
        super().__init__(*args, **kwargs)
        self.review = self.instance.review = review
        agencies = Agency.objects.filter(Q(is_active=True) | Q(pk=self.instance.agency_id))
        self.fields["agency"].queryset = agencies
        self.fields["agency"].empty_label = "The partnership (all agencies)"
        Agency.label_choices(self.fields["agency"])
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = self.number_taken(number)
        if taken:
            raise forms.ValidationError(taken)
        return number

    def number_taken(self, number):
        """The message when another recommendation of this review already has ``number``, or None. Asked again when
        a save is refused, since another member may have taken the number since the form was checked."""
        taken = Recommendation.objects.filter(review=self.review, number=number).exclude(pk=self.instance.pk)
        return f"{self.review.reference} already has a recommendation {number}." if taken.exists() else None
