import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from actionplans.rules import today
from audit.forms import StaleEditGuard
from papers import rules
from papers.models import Paper
from reviews.forms import DateInput

COMMON = ["title", "meeting", "dated", "author", "sponsor", "introduction", "recommendations"]


class PaperForm(StaleEditGuard, forms.ModelForm):
    """A paper's cover and the member's words; for a report to partners the day its changes start from, for an
    annual report its year."""

    class Meta:
        model = Paper
        fields = [*COMMON, "since", "year_start"]
        widgets = {
            "dated": DateInput(),
            "since": DateInput(),
            "introduction": forms.Textarea(attrs={"rows": 6}),
            "recommendations": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, kind, submit_label="Save draft", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == Paper.Kind.PARTNERS:
            del self.fields["year_start"]
            self.fields["since"].required = True
            self.fields["since"].help_text = (
                "Its “since the last report” figures start on this day: by default the day the last report to "
                "partners was issued."
            )
            self.fields["recommendations"].label = "Recommendations to the partners"
            self.fields["recommendations"].help_text = (
                "What the board asks of its partners, in your words (optional). A blank line starts a new paragraph."
            )
        else:
            del self.fields["since"]
            self.fields["year_start"] = forms.TypedChoiceField(
                label="Year", coerce=datetime.date.fromisoformat,
                choices=[(start.isoformat(), rules.year_label(start)) for start in rules.year_choices()],
                help_text="The reporting year: April to March unless the board's setting says otherwise.",
            )
            if self.instance.year_start:
                self.initial["year_start"] = self.instance.year_start.isoformat()
            self.fields["recommendations"].label = "Priorities for the coming year"
            self.fields["recommendations"].help_text = "Optional; last in the report. A blank line starts a new paragraph."
        self.fields["introduction"].error_messages["required"] = "Write the paper's introduction: it opens the paper."
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label, css_class="btn btn-primary"))

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since and since > today():
            raise forms.ValidationError("The changes cannot start after today.")
        return since


def initial_values(kind, user, since=None):
    """What a new paper's form starts with; ``since`` (a report to partners): a day to start its changes from, as
    the board report's ``?since=`` gives it (papers.rules.default_since otherwise)."""
    author = f"{user}{f', {user.job_title}' if user.job_title else ''}"
    if kind == Paper.Kind.PARTNERS:
        return {"title": "Implementation of action plans from serious case reviews: report to partners",
                "dated": today(), "author": author, "since": _day(since) or rules.default_since()}
    year = rules.default_year()
    return {"title": f"Annual report {rules.year_label(year)}", "dated": today(), "author": author,
            "year_start": year.isoformat()}


def _day(value):
    try:
        day = datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day and day <= today() else None
