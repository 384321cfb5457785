from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from accounts import invitations, security
from accounts.models import Agency, IdentityProvider, SecondFactorRule, SecurityEvent, User
from audit.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    """An agency that leaves the board is made inactive, never deleted: its actions and evidence stay."""

    list_display = ["name", "short_name", "kind", "is_active", "single_sign_on_required"]
    list_filter = ["kind", "is_active", "single_sign_on_required"]
    search_fields = ["name", "short_name"]


class AddUserForm(AdminUserCreationForm):
    """A new account: by default the person is invited by e-mail to choose their password; or the administrator
    sets one, which the person must replace at their first sign-in."""

    usable_password = forms.ChoiceField(
        label="Password",
        required=False,
        initial="false",
        # The values of Django's own field, which the add page's script reads to show the password boxes or not.
        choices={
            "false": "Send an invitation by e-mail: the person chooses their own password",
            "true": "Set a password now: the person must replace it at their first sign-in",
        },
        widget=forms.RadioSelect(attrs={"class": "radiolist"}),
    )

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("set_usable_password") is False and not cleaned_data.get("email"):
            self.add_error("email", "Enter an e-mail address: the invitation to choose a password is sent there.")
        return cleaned_data


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """A person who leaves is made inactive, never deleted: what they wrote stays theirs on record.

    New people are invited by e-mail (accounts.invitations); a password an administrator sets, at creation or on
    the change-password page, must be replaced by the person at their next sign-in (User.must_set_password)."""

    add_form = AddUserForm
    list_display = ["username", "first_name", "last_name", "email", "role", "agency", "is_active", "last_login",
                    "must_set_password"]
    list_filter = ["role", "agency", "is_active", "must_set_password"]
    actions = ["resend_invitation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["agency"]
    fieldsets = BaseUserAdmin.fieldsets[:2] + (
        ("Role in scrsystem", {"fields": ("role", "agency", "job_title")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email", "role", "agency")}),
        ("Password", {"classes": ("wide",), "fields": ("usable_password", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_set_password = True  # invited, or given a password to replace
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the record of the new account comes first
        user = form.instance
        if change:
            return
        if user.has_usable_password():
            security.record(SecurityEvent.Kind.PASSWORD_SET_BY_ADMINISTRATOR, request, user=user,
                            detail=f"at creation, by {request.user.get_username()}")
            self.message_user(request, f"{user} must choose their own password when they first sign in.")
        else:
            invitations.invite(user, request=request)
            self.message_user(request, _invitation_sent(user))

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the new password was saved
            user = self.get_object(request, unquote(id))
            if user.pk != request.user.pk:  # an administrator changing their own password chose it
                User.objects.filter(pk=user.pk).update(must_set_password=True)
                self.message_user(request, f"{user} must choose their own password at their next sign-in.")
            how = "" if user.has_usable_password() else "; signing in with a password is disabled"
            security.record(SecurityEvent.Kind.PASSWORD_SET_BY_ADMINISTRATOR, request, user=user,
                            detail=f"by {request.user.get_username()}{how}")
        return response

    @admin.action(description="Send the invitation to choose a password again")
    def resend_invitation(self, request, queryset):
        for user in queryset.order_by("username"):
            refusal = invitations.refusal(user)
            if refusal:
                self.message_user(request, f"No invitation sent to {user} ({user.get_username()}): {refusal}.",
                                  messages.WARNING)
            else:
                invitations.invite(user, request=request)
                self.message_user(request, _invitation_sent(user))


def _invitation_sent(user):
    return (f"An invitation to choose a password is on its way to {user} at {user.email}. Its link works once, "
            f"for {settings.INVITATION_DAYS} days.")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Sign-ins, failures, lock-outs and refusals."""

    list_display = ["at", "kind", "user", "username", "ip_address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "user__username", "ip_address", "path"]
    list_select_related = ["user"]
    date_hierarchy = "at"



@admin.register(SecondFactorRule)
class SecondFactorRuleAdmin(AuditedAdmin):
    list_display = ["role", "required"]


class IdentityProviderForm(forms.ModelForm):
    """The client secret is never shown again once saved; leaving the box empty keeps it."""

    issuer = forms.URLField(  # typed without a scheme, an issuer is an https:// one
        assume_scheme="https", max_length=200, help_text=IdentityProvider._meta.get_field("issuer").help_text
    )

    client_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="The secret the provider gave this application. Leave empty to keep the one saved.",
    )

    class Meta:
        model = IdentityProvider
        fields = ["name", "issuer", "client_id", "client_secret", "email_domains", "is_active"]

    def clean_client_secret(self):
        secret = self.cleaned_data["client_secret"]
        if not secret and not (self.instance.pk and self.instance.client_secret):
            raise forms.ValidationError("Give the client secret the provider gave this application.")
        return secret or self.instance.client_secret


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AuditedAdmin):
    """Single sign-on (accounts.sso): who signs in where. A provider no longer used is made inactive."""

    form = IdentityProviderForm
    list_display = ["name", "issuer", "email_domains", "is_active"]
    list_filter = ["is_active"]
