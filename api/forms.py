from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from api.models import ApiToken


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}
        help_texts = {"scope": "“Read only” is enough for reports and dashboards. Only a token that may write can "
                               "record progress or submit evidence, and only where you may on the pages."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"] = forms.IntegerField(
            label="Expires after (days)",
            min_value=1,
            max_value=settings.API_TOKEN_MAX_DAYS,
            initial=settings.API_TOKEN_DAYS,
            help_text=f"The token stops working after this many days (at most {settings.API_TOKEN_MAX_DAYS}); "
            "make a new one then.",
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Make the token"))
