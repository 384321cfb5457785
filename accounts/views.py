from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import reverse_lazy

from accounts import security
from accounts.forms import CrispyPasswordChangeForm, LoginForm, ResetRequestForm, SetNewPasswordForm
from accounts.models import SecurityEvent


@login_not_required
def login(request):
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
    )(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password keeps this session and ends every other one (Django's session hash)."""

    template_name = "accounts/password_change.html"
    form_class = CrispyPasswordChangeForm
    success_url = reverse_lazy("accounts:password_changed")

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record(SecurityEvent.Kind.PASSWORD_CHANGED, self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers the same way, whether or not the address belongs to an account."""

    template_name = "accounts/password_reset.html"
    form_class = ResetRequestForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form):
        security.record(SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetNewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False
