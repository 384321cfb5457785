from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

from accounts import security, two_factor
from accounts.models import SecurityEvent


def _helper(label):
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Sign in")

    def confirm_login_allowed(self, user):
        """An agency that requires single sign-on: its people sign in with their organisation's account only."""
        super().confirm_login_allowed(user)
        if user.agency_id and user.agency.single_sign_on_required:
            security.record(SecurityEvent.Kind.SIGN_IN_FAILED, self.request, user=user,
                            detail="password refused: the agency requires single sign-on")
            raise forms.ValidationError(
                f"{user.agency} signs in with its own accounts: use “Sign in with your organisation's account” "
                "below, with your work e-mail address.",
                code="single_sign_on_required",
            )


class ChoosesOwnPasswordMixin:
    """A password the person chooses themselves: whatever an administrator set before no longer has to be
    replaced (User.must_set_password)."""

    def save(self, commit=True):
        self.user.must_set_password = False
        return super().save(commit)


class CrispyPasswordChangeForm(ChoosesOwnPasswordMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Change password")


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Send me a reset link")


class SetNewPasswordForm(ChoosesOwnPasswordMixin, SetPasswordForm):
    submit_label = "Set my new password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self.submit_label)


class ChooseOwnPasswordForm(SetNewPasswordForm):
    """At the first sign-in after an administrator set the password, and from an invitation."""

    submit_label = "Save my password"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": "Enter the six-digit code shown in your authenticator app."},
    )

    def __init__(self, *args, device, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.helper = _helper(submit_label)

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                "That code is not right, or has expired. Check the time on your phone and try the newest code."
            )
        return token


class RecoveryCodeForm(forms.Form):
    """Sign in with one of the recovery codes made when the authenticator app was linked."""

    code = forms.CharField(
        label="One of your recovery codes",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false",
                                      "autofocus": True}),
        error_messages={"required": "Enter one of the recovery codes you kept when you linked your app."},
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.helper = _helper("Sign in with this code")

    def clean_code(self):
        if self.device is None or not two_factor.use_recovery_code(self.device, self.cleaned_data["code"]):
            raise forms.ValidationError(
                "That is not one of your recovery codes, or it has been used already. Each code works once."
            )
        return self.cleaned_data["code"]


class FreshPasswordForm(forms.Form):
    """Your password again, before something only you should do (new recovery codes)."""

    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper("Make new recovery codes")

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password. Nothing was changed.")
        return self.cleaned_data["password"]
