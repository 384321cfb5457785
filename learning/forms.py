from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from actionplans.forms import SeenStatus
from audit.forms import StaleEditGuard
from evidence import uploads
from evidence.forms import FilesField, checked_files
from learning.models import LearningEvent
from reviews.forms import DateInput, themes_to_offer
from scrsystem import text


def _helper(label, css="btn btn-primary"):
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class=css))
    return helper


def _files_help(what):
    return f"{what} Accepted: {uploads.ACCEPTED_SUMMARY}; each file is checked by its content, as evidence is."


class EventForm(StaleEditGuard, forms.ModelForm):
    """A learning event's details. Its status moves on its page (learning.services.move_event)."""

    class Meta:
        model = LearningEvent
        fields = ["title", "kind", "audience", "held_on", "facilitator", "themes", "description"]
        widgets = {
            "held_on": DateInput(),
            "themes": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, submit_label="Save event", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = themes_to_offer(self.instance, "themes")
        self.fields["themes"].error_messages["required"] = "Choose at least one theme the event carries."
        self.helper = _helper(submit_label)

    def clean_title(self):
        return self.cleaned_data["title"].strip()


class EventMoveForm(SeenStatus):
    """Hold, cancel or schedule again, from the status the person saw; cancelling needs its reason."""

    reason = forms.CharField(
        label="Why is it cancelled?", widget=forms.Textarea(attrs={"rows": 2}), required=False,
        max_length=text.TEXT, help_text="It stays on record, on the event's page.",
    )


class AttendanceForm(forms.Form):
    """One agency's attendance at a held event, and its register if there is one."""

    attended = forms.IntegerField(
        label="People who attended", min_value=0, max_value=100_000,
        help_text="How many of the agency's staff attended. 0 if no one did: that is an answer too.",
        error_messages={"required": "Give the number of people who attended (0 if no one did)."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=text.TEXT,
        help_text="e.g. the teams they came from, or why no one could attend.",
    )
    register = FilesField(label="Attendance register (optional)", multiple=False, required=False)
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, refused=(), submit_label="Save attendance", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["register"].help_text = _files_help(
            "The sign-in sheet, if you have one: it names people, so only your agency and the board's sub-committee "
            "members, consultant and chair can open it."
        )
        self.helper = _helper(submit_label)
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean_register(self):
        checked = checked_files(self.cleaned_data["register"], self.refused, max_files=1)
        return checked[0] if checked else None


class MaterialsForm(forms.Form):
    description = forms.CharField(
        max_length=200, required=False, help_text="e.g. “Slides and the case study handout”."
    )
    files = FilesField(label="Files", required=True)

    max_files = 10

    def __init__(self, *args, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["files"].help_text = _files_help("Slides, handouts, the e-learning module's notes.")
        self.fields["files"].error_messages["required"] = "Choose the files to add."
        self.helper = _helper("Add materials", "btn btn-outline-primary")
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean_files(self):
        return checked_files(self.cleaned_data["files"], self.refused, self.max_files)
