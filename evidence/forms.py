from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from actionplans.forms import SeenStatus
from actionplans.rules import today
from evidence import uploads
from reviews.forms import DateInput
from scrsystem import text


def _helper(label, css="btn btn-primary"):
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class=css))
    return helper


def checked_files(files, refused=(), max_files=10):
    """Each of ``files`` through the upload gate (evidence.uploads.check_upload): their CheckedUploads, or one
    ValidationError naming every file refused (and ``refused``, those stopped for their size while uploading)."""
    if len(files) > max_files:
        raise forms.ValidationError(f"At most {max_files} files at once, please.")
    errors, checked = list(refused), []
    for upload in files:
        try:
            checked.append(uploads.check_upload(upload))
        except uploads.UploadRefused as refusal:
            errors.append(refusal)
    if errors:
        raise forms.ValidationError(errors)
    return checked


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """One or more files; each is returned unchecked (EvidenceForm.clean_files checks them)."""

    def __init__(self, *, multiple=True, **kwargs):
        widget = MultipleFileInput if multiple else forms.ClearableFileInput
        # Empty files are let through here, so that check_upload refuses them with a message naming the file.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(widget=widget(attrs={"accept": uploads.ACCEPT_ATTRIBUTE}), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(FilesField, self).clean(item, initial) for item in files if item]


class EvidenceForm(forms.Form):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT,
        help_text="What this evidence shows, e.g. “Attendance lists of the six workshops”.",
        error_messages={"required": "Say what this evidence shows."},
    )
    represents_on = forms.DateField(
        label="Date the evidence represents",
        widget=DateInput(),
        help_text="e.g. the date of the meeting, audit or report.",
        error_messages={"required": "Give the date the evidence represents."},
    )
    files = FilesField(label="Files", required=False)
    note = forms.CharField(
        label="Written note",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=text.WRITTEN_NOTE,
        help_text="The evidence itself when there is no file, or a note beside the files.",
    )

    #: At most this many files in one submission (each becomes its own evidence item).
    max_files = 10

    def __init__(self, *args, refused=(), submit_label="Submit evidence", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields["files"].help_text = (
            f"Accepted: {uploads.ACCEPTED_SUMMARY}; up to {settings.EVIDENCE_MAX_UPLOAD_MB} MB each. "
            "Each file becomes its own evidence item, for the consultant to decide on."
        )
        self.helper = _helper(submit_label)
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean_represents_on(self):
        day = self.cleaned_data["represents_on"]
        if day > today():
            raise forms.ValidationError("The evidence cannot represent a day in the future.")
        return day

    def clean_files(self):
        return checked_files(self.cleaned_data["files"], self.refused, self.max_files)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("files") and not cleaned.get("note", "").strip():
            raise forms.ValidationError("Choose at least one file or write a note.", code="empty")
        return cleaned


class NewVersionForm(SeenStatus, EvidenceForm):
    files = FilesField(label="File", required=False, multiple=False)
    max_files = 1

    def __init__(self, *args, seen, **kwargs):
        super().__init__(*args, seen=seen, submit_label="Submit the new version", **kwargs)
        self.fields["files"].help_text = (
            f"Accepted: {uploads.ACCEPTED_SUMMARY}; up to {settings.EVIDENCE_MAX_UPLOAD_MB} MB."
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=text.TEXT,
        help_text="Required to reject: the agency reads it.",
    )

    def clean(self):
        cleaned = super().clean()
        # A note refused already (too long) is not also asked for.
        if cleaned.get("decision") == "reject" and "note" not in self.errors and not cleaned.get("note", "").strip():
            self.add_error("note", "Write a note saying why the evidence is rejected: the agency will read it.")
        return cleaned
