"""The pages of single sign-on (accounts.sso): choosing the organisation by e-mail address, going to its provider,
coming back, and signing out of both."""

import jwt
import requests
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import security, sso
from accounts.models import Role, SecurityEvent, User


class WorkEmailForm(forms.Form):
    email = forms.EmailField(label="Your work e-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))


def _refused(request, refusal):
    """The page of a single sign-on that did not sign the person in, with whom to ask; the refusal logged."""
    security.record(SecurityEvent.Kind.SINGLE_SIGN_ON_REFUSED, request, detail=refusal.detail)
    administrators = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("first_name", "last_name")
    context = {"words": refusal.words, "administrators": administrators}
    return render(request, "accounts/sso_refused.html", context, status=refusal.status)


@login_not_required
@require_GET
def sso_choose(request):
    """"Sign in with your organisation's account": the work e-mail address says which provider serves the person,
    and the page offers its button; an address no provider serves is told to use the password form."""
    form = WorkEmailForm(request.GET or None)
    chosen = form.is_valid() and sso.for_email(form.cleaned_data["email"])
    context = {"form": form, "provider": chosen or None, "next": request.GET.get("next", "")}
    return render(request, "accounts/sso_choose.html", context)


class SingleSignOnStart(sso.ProviderSettings, OIDCAuthenticationRequestView):
    """Off to the provider (mozilla-django-oidc: state, nonce and PKCE in the session), remembering by the state
    which provider this sign-in went to."""

    def __init__(self, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # not the library's: endpoints come per request

    def get(self, request, key):
        chosen = sso.provider(key)
        try:
            self.oidc_values = sso.oidc_settings(chosen, sso.discovery(chosen))
        except sso.Refused as refusal:
            return _refused(request, refusal)
        self.OIDC_OP_AUTH_ENDPOINT = self.oidc_values["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = self.oidc_values["OIDC_RP_CLIENT_ID"]
        response = super().get(request)
        request.session.setdefault(sso.STATES, {})[sso.state_of(response["Location"])] = key
        request.session.modified = True
        return response

    def get_extra_params(self, request):
        hint = request.GET.get("login_hint", "")
        return {"login_hint": hint} if hint else {}


sso_start = login_not_required(SingleSignOnStart.as_view())


class SingleSignOnCallback(OIDCAuthenticationCallbackView):
    """Back from the provider: mozilla-django-oidc checks the state (once only), exchanges the code with the PKCE
    verifier and has accounts.sso.SingleSignOnBackend check the ID token and find the account."""

    def get(self, request):
        state = request.GET.get("state", "")
        key = request.session.get(sso.STATES, {}).pop(state, None)
        if key is not None:
            request.session.modified = True  # a state works once
        try:
            if request.GET.get("error"):
                words = request.GET.get("error_description") or request.GET["error"]
                raise sso.Refused(f"The sign-in service said: “{words}”. Nothing was signed in.",
                                  f"the provider answered {request.GET['error']}: {words}"[:500], status=400)
            if key is None:
                raise sso.Refused(
                    "This sign-in link was used already, or was not started here. Start again from the sign-in page.",
                    "unknown or replayed state", status=400,
                )
            request.sso_provider = sso.provider(key)
            request.sso_discovery = sso.discovery(request.sso_provider)
            return super().get(request)
        except sso.Refused as refusal:
            return _refused(request, refusal)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException) as problem:
            chosen = getattr(request, "sso_provider", None)
            name = chosen.name if chosen else "The provider"
            return _refused(request, sso.Refused(
                f"{name} did not give a sign-in scrsystem could trust, so nothing was signed in. Start again from the "
                "sign-in page; if it happens again, tell the board's administrator.", f"{name}: {problem}"[:500],
                status=400,
            ))

    def login_failure(self):
        return _refused(self.request, sso.Refused(
            "The sign-in did not complete. Start again from the sign-in page.", "no code and no error", status=400
        ))

    def login_success(self):
        claims = self.user.sso_claims
        chosen = self.request.sso_provider
        multi_factor = sso.is_multi_factor(claims)
        self.request.sign_in_detail = (
            f"single sign-on with {chosen.name}; "
            f"{'counts as the second factor' if multi_factor else 'not multi-factor'} "
            f"(amr {claims.get('amr')}, acr {claims.get('acr')})"
        )[:500]
        response = super().login_success()  # auth.login: a new session, the sign-in in the security log
        session = self.request.session
        session[sso.SIGNED_IN_WITH] = chosen.key
        session[sso.ID_TOKEN] = self.user.sso_id_token
        if multi_factor:
            session[sso.SECOND_FACTOR] = chosen.name
        for leftover in ("oidc_login_next", "oidc_id_token_expiration"):
            session.pop(leftover, None)
        return response


sso_callback = login_not_required(SingleSignOnCallback.as_view())


class LogoutView(auth_views.LogoutView):
    """Signing out ends this session; after a single sign-on, also the provider's where it offers RP-initiated
    logout (its end_session_endpoint), which sends the person back to the sign-in page."""

    def post(self, request, *args, **kwargs):
        signed_in_with = request.session.get(sso.SIGNED_IN_WITH)
        id_token = request.session.get(sso.ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        there = signed_in_with and sso.logout_url(request, signed_in_with, id_token, reverse("accounts:login"))
        if not there:
            return response
        # A page of our own that goes on to the provider, not a redirect: the Content-Security-Policy's form-action
        # ('self') forbids a form's answer from redirecting to another site.
        context = {"provider": sso.provider(signed_in_with), "there": there}
        return render(request, "accounts/signed_out_elsewhere.html", context)
