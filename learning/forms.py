from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q

from actionplans.forms import SeenStatus
from actionplans.models import Action
from actionplans.rules import today
from audit.forms import StaleEditGuard
from evidence import uploads
from evidence.forms import FilesField, checked_files
from learning.models import ImpactCheck, LearningEvent, SubCommittee
from learning.services import finding_refusal
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


class FindingForm(SeenStatus):
    """An impact check's finding, its evidence and its follow-up (learning.services.impact_finding_record)."""

    FOLLOW_UP_CHOICES = [("", "No follow-up"), ("check", "Schedule a new check"),
                         ("action", "Add a new action to the plan")]

    finding = forms.ChoiceField(choices=ImpactCheck.Finding.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose the finding."})
    looked_at = forms.CharField(
        label="What the sub-committee looked at", widget=forms.Textarea(attrs={"rows": 3}), max_length=text.TEXT,
        help_text="e.g. a multi-agency audit of 20 case files, supervision records, a practitioners' survey.",
        error_messages={"required": "Say what the sub-committee looked at."},
    )
    finding_note = forms.CharField(
        label="What it found", widget=forms.Textarea(attrs={"rows": 3}), max_length=text.TEXT,
        error_messages={"required": "Say what the sub-committee found."},
    )
    checked_on = forms.DateField(label="Date of the finding", widget=DateInput())
    follow_up = forms.ChoiceField(
        label="Follow-up", choices=FOLLOW_UP_CHOICES, required=False, widget=forms.RadioSelect,
        help_text="“Not embedded” reopens the question with a new check or a new action; “cannot tell yet” needs a "
                  "new check; “partly embedded” may have one.",
    )
    follow_up_due = forms.DateField(label="The new check falls due", required=False, widget=DateInput())
    action_reference = forms.CharField(
        label="New action: reference", max_length=Action._meta.get_field("reference").max_length, required=False
    )
    action_description = forms.CharField(
        label="New action: what will be done", widget=forms.Textarea(attrs={"rows": 2}), max_length=text.TEXT,
        required=False,
    )
    action_target_date = forms.DateField(label="New action: target date", required=False, widget=DateInput())
    action_success_measure = forms.CharField(
        label="New action: success measure", widget=forms.Textarea(attrs={"rows": 2}), max_length=text.TEXT,
        required=False,
    )
    files = FilesField(label="Evidence (optional)", required=False)

    max_files = 10

    def __init__(self, *args, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["checked_on"].initial = today()
        self.fields["files"].help_text = _files_help(
            "The audit's findings, minutes of the meeting: read by the board's roles only, never by an agency."
        )
        self.helper = _helper("Record the finding")
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean_checked_on(self):
        day = self.cleaned_data["checked_on"]
        if day > today():
            raise forms.ValidationError("The finding cannot be dated in the future.")
        return day

    def clean_files(self):
        return checked_files(self.cleaned_data["files"], self.refused, self.max_files)

    def clean(self):
        cleaned = super().clean()
        finding, follow_up = cleaned.get("finding"), cleaned.get("follow_up", "")
        if finding:
            refusal = finding_refusal(finding, follow_up)
            if refusal:
                self.add_error("follow_up", refusal)
        if follow_up == "check":
            due = cleaned.get("follow_up_due")
            if not due:
                self.add_error("follow_up_due", "Give the date the new check falls due.")
            elif due <= today():
                self.add_error("follow_up_due", "The new check falls due after today.")
        if follow_up == "action":
            for name in ("action_reference", "action_description", "action_target_date", "action_success_measure"):
                if not cleaned.get(name):
                    self.add_error(name, f"Give the new action's {self.fields[name].label.split(': ')[1]}.")
            target = cleaned.get("action_target_date")
            if target and target <= today():
                self.add_error("action_target_date", "The new action's target date is after today.")
        return cleaned

    def new_action(self):
        """The new action's values, for learning.services, when the follow-up is one."""
        if self.cleaned_data.get("follow_up") != "action":
            return None
        data = self.cleaned_data
        return {"reference": data["action_reference"].strip(), "description": data["action_description"].strip(),
                "target_date": data["action_target_date"], "success_measure": data["action_success_measure"].strip()}


class ImpactCheckForm(StaleEditGuard, forms.ModelForm):
    """Reassign an open check to another sub-committee, or move its due date."""

    class Meta:
        model = ImpactCheck
        fields = ["sub_committee", "due_on"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_committee"].queryset = SubCommittee.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.sub_committee_id)
        )
        self.fields["sub_committee"].empty_label = "Not assigned yet"
        self.helper = _helper("Save")
