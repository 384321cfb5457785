from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import invitations, security, sso, tasks, throttle, two_factor
from accounts.forms import (
    ChooseOwnPasswordForm,
    CrispyPasswordChangeForm,
    FreshPasswordForm,
    LoginForm,
    RecoveryCodeForm,
    ResetRequestForm,
    SetNewPasswordForm,
    TokenForm,
)
from accounts.models import SecurityEvent


@login_not_required
def login(request):
    if request.method == "POST" and throttle.address_locked(request):
        security.record(
            SecurityEvent.Kind.LOCKED_OUT, request, username=request.POST.get("username", ""),
            detail=f"address: {settings.LOGIN_ADDRESS_FAILURE_LIMIT} or more wrong passwords from this address",
        )
        return locked_out(request, scope="address")
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True,
        extra_context={"single_sign_on": bool(sso.providers())},
    )(request)


def locked_out(request, response=None, credentials=None, *, scope="account"):
    """The answer to a sign-in while locked out: django-axes' AXES_LOCKOUT_CALLABLE for the pair of account and
    address (``scope`` "account"), and the address limit ("address")."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"cooloff_minutes": minutes, "scope": scope}
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password keeps this session and ends every other one (Django's session hash)."""

    template_name = "accounts/password_change.html"
    form_class = CrispyPasswordChangeForm
    success_url = reverse_lazy("accounts:password_changed")

    def get_context_data(self, **kwargs):
        # The page of one's own sign-in: the password, and below it two-factor sign-in and its recovery codes.
        user = self.request.user
        has_app = two_factor.has_device(user)
        return super().get_context_data(
            **kwargs, has_app=has_app, codes_left=two_factor.codes_left(user) if has_app else None
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record(SecurityEvent.Kind.PASSWORD_CHANGED, self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers the same way, and in the same time, whether or not the address belongs to an account:
    the request never looks the address up; a Celery task does, after the commit, and sends the e-mail.

    At most PASSWORD_RESET_LIMIT requests an hour from one address (then 429), and at most that many reset
    e-mails an hour to one address (further requests are logged but send nothing, answered the same way)."""

    template_name = "accounts/password_reset.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if throttle.reset_refused_for_address(self.request):
            refusal = "refused: too many requests from this address"
        elif throttle.reset_refused_for_account(email):
            refusal = "not sent: too many reset e-mails to this address within the hour"
        else:
            refusal = ""
        security.record(
            SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, self.request,
            username=throttle.reset_account_key(email), detail=refusal,
        )
        if refusal.startswith("refused"):
            return render(self.request, "accounts/password_reset_throttled.html", status=429)
        if not refusal:
            tasks.send_password_reset.delay_on_commit(email)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetNewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False


class InvitationView(auth_views.PasswordResetConfirmView):
    """The link of an invitation (accounts.invitations): the invited person chooses their password. Like a reset
    link, it is exchanged at once for an address without the token; it works once, and not after it expires."""

    template_name = "accounts/invitation.html"
    form_class = ChooseOwnPasswordForm
    token_generator = invitations.invitation_tokens
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record(
            SecurityEvent.Kind.PASSWORD_CHANGED, self.request, user=form.user, detail="chosen from an invitation"
        )
        return response


@require_http_methods(["GET", "POST"])
def password_set(request):
    """Where a person whose password an administrator set is sent after signing in, before anything else
    (accounts.middleware.OwnPasswordMiddleware): they choose their own. Nobody else needs this page."""
    user = request.user
    if not user.needs_own_password:
        return redirect(_next_url(request))
    form = ChooseOwnPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, user)  # this session stays signed in; any other ends
        security.record(SecurityEvent.Kind.PASSWORD_CHANGED, request, detail="chosen at the first sign-in")
        messages.success(request, "Your password is saved. Sign in with it from now on.")
        return redirect(_next_url(request))
    return render(request, "accounts/password_set.html", {"form": form})


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "home"


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Link an authenticator app: scan the code, type the number it shows."""
    if two_factor.has_device(request.user):
        return redirect("accounts:two_factor_verify")
    device = two_factor.pending_device(request.user)
    form = TokenForm(request.POST if request.method == "POST" else None, device=device, submit_label="Confirm")
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        security.record(SecurityEvent.Kind.SECOND_FACTOR_ADDED, request)
        messages.success(request, "Your authenticator app is linked. You will be asked for a code each time you sign in.")
        return _show_recovery_codes(request, made_with_the_app=True)
    context = {
        "form": form,
        "qr_code": two_factor.qr_code_data_uri(device),
        "secret": two_factor.readable_secret(device),
        "required": two_factor.is_required(request.user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in."""
    if two_factor.verified(request):
        return redirect(_next_url(request))
    if not two_factor.has_device(request.user):
        return redirect("accounts:two_factor_setup")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST if request.method == "POST" else None, device=device, submit_label="Continue")
    if request.method == "POST":
        if form.is_valid():
            otp_login(request, device)
            return redirect(_next_url(request))
        security.record(SecurityEvent.Kind.SECOND_FACTOR_FAILED, request)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def two_factor_recovery(request):
    """The second step of signing in with a recovery code instead of the app (a lost or broken phone)."""
    if two_factor.verified(request):
        return redirect(_next_url(request))
    if not two_factor.has_device(request.user):
        return redirect("accounts:two_factor_setup")
    device = two_factor.recovery_device(request.user)
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None, device=device)
    if request.method == "POST":
        if form.is_valid():
            otp_login(request, device)
            left = two_factor.codes_left(request.user)
            security.record(SecurityEvent.Kind.RECOVERY_CODE_USED, request, detail=f"{left} codes left")
            messages.warning(
                request,
                f"You signed in with a recovery code, which cannot be used again; {left} are left. If your phone is "
                "lost, ask an administrator to remove the app from your account, then link a new one; or make new "
                "codes from your Password page.",
            )
            return redirect(_next_url(request))
        security.record(SecurityEvent.Kind.SECOND_FACTOR_FAILED, request, detail="recovery code")
    context = {"form": form, "next": _next_url(request), "has_codes": device is not None}
    return render(request, "accounts/two_factor_recovery.html", context)


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """New recovery codes, replacing the old ones: for someone signed in with their second factor, who gives their
    password again here (a fresh sign-in) so that a session left open cannot take the codes away."""
    if not two_factor.has_device(request.user):
        return redirect("accounts:two_factor_setup")
    if not two_factor.verified(request):
        return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two_factor_verify"))
    form = FreshPasswordForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            return _show_recovery_codes(request, made_with_the_app=False)
        security.record(SecurityEvent.Kind.SIGN_IN_FAILED, request, detail="wrong password for new recovery codes")
    context = {"form": form, "left": two_factor.codes_left(request.user)}
    return render(request, "accounts/recovery_codes.html", context)


def _show_recovery_codes(request, *, made_with_the_app):
    """Make new recovery codes and show them, this once: the page is not kept by the browser (no-store) and the
    codes are not in any later page."""
    codes = two_factor.new_recovery_codes(request.user)
    security.record(SecurityEvent.Kind.RECOVERY_CODES_MADE, request, detail=f"{len(codes)} codes")
    context = {"codes": codes, "next": _next_url(request), "made_with_the_app": made_with_the_app}
    return render(request, "accounts/recovery_codes_made.html", context)
