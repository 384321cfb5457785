import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q

from accounts.models import Agency
from actionplans.forms import SeenStatus
from actionplans.rules import today
from audit.forms import StaleEditGuard
from concerns import rules
from concerns.models import Concern, DataPoint, Indicator
from evidence import uploads
from evidence.forms import FilesField, checked_files
from reviews.forms import DateInput
from scrsystem import text

VALUE = {"max_digits": 12, "decimal_places": 2}


def _helper(label, css="btn btn-primary", files=False):
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class=css))
    if files:
        helper.form_tag = True
        helper.attrs = {"enctype": "multipart/form-data"}
    return helper


def _evidence_field():
    return FilesField(
        label="Evidence (optional)", required=False,
        help_text=f"The report the value comes from. Accepted: {uploads.ACCEPTED_SUMMARY}; each file is checked by "
                  "its content, as evidence is. Read by the board's roles and your agency only.",
    )


class ConcernForm(StaleEditGuard, forms.ModelForm):
    """A concern's details. Its status moves on its page (concerns.services.move_concern)."""

    class Meta:
        model = Concern
        fields = ["title", "description", "raised_with", "raised_on", "source", "agencies"]
        widgets = {
            "raised_on": DateInput(),
            "agencies": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, submit_label="Save concern", **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.instance.agencies.all() if self.instance.pk else Agency.objects.none()
        self.fields["agencies"].queryset = Agency.objects.filter(Q(is_active=True) | Q(pk__in=chosen)).order_by("name")
        self.fields["agencies"].error_messages["required"] = "Choose at least one agency the concern is about."
        self.helper = _helper(submit_label)

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_raised_on(self):
        day = self.cleaned_data["raised_on"]
        if day > today():
            raise forms.ValidationError("The day it was raised cannot be in the future.")
        return day


class ConcernMoveForm(SeenStatus):
    reason = forms.CharField(
        label="Why is it closed?", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=text.TEXT,
        help_text="It stays on record, on the concern's page.",
    )


class EntryForm(forms.Form):
    """A line of the concern's log: a member's update, or an agency's response."""

    on = forms.DateField(label="Date", widget=DateInput(), help_text="The day of the meeting, letter or report.")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=text.TEXT,
        error_messages={"required": "Write the update."},
    )

    def __init__(self, *args, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = today()
        self.helper = _helper(submit_label)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > today():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class IndicatorForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "target", "direction", "owner", "frequency", "first_period", "is_active"]
        widgets = {"first_period": DateInput(), "direction": forms.RadioSelect, "frequency": forms.RadioSelect}

    def __init__(self, *args, concern, submit_label="Save indicator", **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.concern = concern
        owners = concern.agencies.all()
        if self.instance.pk:
            owners = Agency.objects.filter(Q(pk__in=owners) | Q(pk=self.instance.owner_id))
        self.fields["owner"].queryset = owners.order_by("name")
        self.fields["owner"].help_text = "Its users enter the values: one of the agencies the concern names."
        if not self.instance.pk:
            del self.fields["is_active"]
            self.fields["first_period"].initial = rules.period_of(today(), Indicator.Frequency.QUARTERLY)
        self.helper = _helper(submit_label)

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class DataPointForm(forms.Form):
    """An indicator's value for a period that has none yet."""

    period = forms.TypedChoiceField(label="Period", coerce=datetime.date.fromisoformat,
                                    error_messages={"required": "Choose the period the value is for."})
    value = forms.DecimalField(**VALUE)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=text.TEXT,
                           help_text="e.g. how it was counted, or why it changed.")
    files = _evidence_field()

    max_files = 5

    def __init__(self, *args, indicator, periods, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["period"].choices = [("", "Choose a period")] + [
            (period.isoformat(), rules.period_label(period, indicator.frequency)) for period in periods
        ]
        if periods:
            self.fields["period"].initial = periods[-1].isoformat()
        self.fields["value"].label = f"Value ({indicator.unit})"
        self.helper = _helper("Save the value", files=True)

    def clean_files(self):
        return checked_files(self.cleaned_data["files"], self.refused, self.max_files)


class CorrectionForm(forms.Form):
    """A data point's value corrected: the old value stays on record with the reason."""

    value = forms.DecimalField(**VALUE)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=text.TEXT)
    reason = forms.CharField(
        label="Why is it corrected?", widget=forms.Textarea(attrs={"rows": 2}), max_length=text.TEXT,
        help_text="It stays on record beside the old value.",
        error_messages={"required": "Say why the value is corrected: the old value stays on record with your reason."},
    )
    files = _evidence_field()
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    max_files = 5

    def __init__(self, *args, point: DataPoint, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["value"].label = f"Value ({point.indicator.unit})"
        self.fields["value"].initial = point.value
        self.fields["note"].initial = point.note
        self.fields["loaded_version"].initial = point.updated_at.isoformat()
        self.helper = _helper("Save the correction", files=True)

    def clean_files(self):
        return checked_files(self.cleaned_data["files"], self.refused, self.max_files)
