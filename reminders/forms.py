from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from reminders.models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["delivery", "due_soon"]
        widgets = {"delivery": forms.RadioSelect}
        labels = {"delivery": "How should reminders reach you?"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save preferences"))
