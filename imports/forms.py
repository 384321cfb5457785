from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from actionplans.models import ActionPlan
from evidence.forms import FilesField, checked_files
from imports import spreadsheet
from imports.fields import Field

#: The kinds of file the import reads (each passes the evidence upload gate first).
EXTENSIONS = ("xlsx", "csv")


class UploadForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=ActionPlan.objects.none(),
        label="Import into",
        empty_label=None,
        help_text="Rows are matched to this plan's actions by their reference.",
    )
    file = FilesField(label="Spreadsheet", multiple=False)

    def __init__(self, *args, review, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        plans = ActionPlan.objects.filter(review=review).select_related("agency").order_by("kind", "agency__name")
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda plan: (
            f"{plan.title} ({plan.agency.short_name}'s own plan)" if plan.agency_id else f"{plan.title} (multi-agency)"
        )
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in EXTENSIONS)
        self.fields["file"].help_text = (
            f"An Excel workbook (.xlsx) or a CSV file, up to {settings.EVIDENCE_MAX_UPLOAD_MB} MB. Nothing is written "
            "until you have seen the preview and confirmed it."
        )
        self.fields["file"].error_messages["required"] = "Choose the spreadsheet to import."
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", "Upload and preview", css_class="btn btn-primary"))

    def clean_file(self):
        """The file through the evidence upload gate, then read: (CheckedUpload, its sheets)."""
        (checked,) = checked_files(self.cleaned_data["file"], self.refused, max_files=1) or [None]
        if checked is None:
            raise forms.ValidationError("Choose the spreadsheet to import.")
        if checked.extension not in EXTENSIONS:
            raise forms.ValidationError(
                f"“{checked.original_name}” is a {checked.label}: the import reads Excel workbooks (.xlsx) and CSV "
                "files only."
            )
        try:
            sheets = spreadsheet.read(checked.file, checked.original_name)
        except spreadsheet.Unreadable as error:
            raise forms.ValidationError(f"“{checked.original_name}” {error}") from None
        checked.file.seek(0)
        return checked, sheets


class SheetForm(forms.Form):
    sheet = forms.ChoiceField(label="Sheet to read")

    def __init__(self, *args, sheets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]
        self.fields["sheet"].widget.attrs["class"] = "form-select"


class ColumnsForm(forms.Form):
    """What each column of the sheet holds: one choice a column, named by its letter and heading."""

    sheet = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            field = forms.ChoiceField(
                choices=Field.choices,
                initial=column.field or Field.IGNORE,
                label=f"Column {column.letter}, “{column.heading}”, holds",
            )
            field.widget.attrs["class"] = "form-select form-select-sm"
            self.fields[f"column_{column.letter}"] = field

    def rows(self):
        """(Column, its bound field) for the template's table."""
        return [(column, self[f"column_{column.letter}"]) for column in self.columns]

    def chosen(self):
        return {column.letter: self.cleaned_data[f"column_{column.letter}"] for column in self.columns}

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for column in self.columns:
            field = cleaned.get(f"column_{column.letter}")
            if field in (None, Field.IGNORE):
                continue
            if field in seen:
                raise forms.ValidationError(
                    f"Columns {seen[field]} and {column.letter} both hold {Field(field).label.split(' (')[0].lower()}: "
                    f"choose one, and set the other to “{Field.IGNORE.label}”."
                )
            seen[field] = column.letter
        return cleaned


class ConfirmForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

