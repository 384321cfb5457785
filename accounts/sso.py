"""Single sign-on with an organisation's own accounts: OpenID Connect, with mozilla-django-oidc as the relying party
(README, "Single sign-on").

mozilla-django-oidc does the protocol: the state (one use, kept in the session), the nonce, PKCE (S256), the code
exchange, the ID token's signature against the provider's published keys (JWKS) and its expiry. Around it, this
module adds what a board needs and the library leaves out:

- several providers, each serving its own e-mail domains: from the admin site (``IdentityProvider``) and one from the
  environment (``SSO_*``), their endpoints read from each provider's discovery document;
- the ID token must be for this application (``aud``, and ``azp`` when there are several audiences) and from the
  provider asked (``iss``): the library does not check either;
- accounts stay the board's: the person is matched on the e-mail address of the ID token, which must be verified
  (when the provider says) and of a domain this provider serves; only an account an administrator made, active,
  is signed in to; none is ever created, and nothing of the provider's (role, agency, name) is taken;
- the sign-in counts as the second factor only when the ID token says the provider did multi-factor
  (SSO_SECOND_FACTOR_AMR / SSO_SECOND_FACTOR_ACR); otherwise the role's two-factor rule applies as after a password;
- every refusal is in the security log, and the person is told in words whom to ask.

Tokens: the access token is never kept; the ID token is kept in the session only for signing out of the provider
too (RP-initiated logout's id_token_hint), and goes with the session.
"""

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts.models import IdentityProvider

logger = logging.getLogger(__name__)

#: Seconds a provider has to answer (discovery, keys, the code exchange).
TIMEOUT = 10
#: The session's keys: which provider each sign-in in flight was started with (by its state), which provider the
#: person signed in with and its ID token (for signing out there too), and the second factor a provider vouched for.
STATES = "sso_states"
SIGNED_IN_WITH = "sso_provider"
ID_TOKEN = "sso_id_token"
SECOND_FACTOR = "sso_second_factor"


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    domains: frozenset

    def serves(self, email):
        return email.rsplit("@", 1)[-1].lower() in self.domains


class Refused(Exception):
    """Single sign-on did not sign the person in. ``words`` are for the person; ``detail`` for the security log."""

    def __init__(self, words, detail, status=403):
        super().__init__(detail)
        self.words, self.detail, self.status = words, detail, status


def providers():
    """The active providers: the admin site's, then the environment's."""
    found = [
        Provider(p.key, p.name, p.issuer.rstrip("/"), p.client_id, p.client_secret, frozenset(p.domains))
        for p in IdentityProvider.objects.filter(is_active=True)
    ]
    if settings.SSO_ISSUER:
        found.append(Provider("env", settings.SSO_PROVIDER_NAME, settings.SSO_ISSUER.rstrip("/"),
                              settings.SSO_CLIENT_ID, settings.SSO_CLIENT_SECRET, frozenset(settings.SSO_EMAIL_DOMAINS)))
    return found


def provider(key):
    for found in providers():
        if found.key == key:
            return found
    raise Http404("No such identity provider.")


def for_email(email):
    """The provider serving this e-mail address's domain, or None."""
    return next((found for found in providers() if found.serves(email)), None)


def unavailable(provider):
    return Refused(
        f"The sign-in service of {provider.name} is not answering just now. Try again in a few minutes, or sign in "
        "with your password if you have one.", f"{provider.name} ({provider.issuer}) did not answer", status=503,
    )


def discovery(provider):
    """The provider's discovery document, whose issuer must be the one configured."""
    try:
        answer = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as problem:
        logger.warning("Single sign-on: %s's discovery document: %s", provider.name, problem)
        raise unavailable(provider) from problem
    if str(document.get("issuer", "")).rstrip("/") != provider.issuer:
        raise Refused(
            f"The sign-in service of {provider.name} is not set up correctly. Tell the board's administrator.",
            f"{provider.name}: the discovery document names issuer {document.get('issuer')!r}, not {provider.issuer!r}",
            status=503,
        )
    return document


def oidc_settings(provider, document):
    """What mozilla-django-oidc reads from Django's settings, for this provider."""
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": document["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": document["token_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": document["jwks_uri"],
        "OIDC_OP_USER_ENDPOINT": document.get("userinfo_endpoint"),
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso_callback",
        "OIDC_TIMEOUT": TIMEOUT,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_CREATE_USER": False,
    }


class ProviderSettings:
    """mozilla-django-oidc's get_settings, answered for one provider first, then from Django's settings."""

    oidc_values = {}

    def get_settings(self, attr, *args):
        if attr in self.oidc_values:
            return self.oidc_values[attr]
        return import_from_settings(attr, *args)


class SingleSignOnBackend(ProviderSettings, OIDCAuthenticationBackend):
    """The authentication backend of the single sign-on callback (accounts.views.SingleSignOnCallback), which sets
    ``request.sso_provider`` and ``request.sso_discovery``; for any other authenticate() it does nothing."""

    def __init__(self, *args, **kwargs):
        # Not the library's: it reads one provider's endpoints from the settings here; they come per request.
        self.UserModel = get_user_model()

    def authenticate(self, request, nonce=None, code_verifier=None, **kwargs):
        chosen = getattr(request, "sso_provider", None)
        if chosen is None or kwargs:
            return None
        self.provider = chosen
        self.oidc_values = oidc_settings(chosen, request.sso_discovery)
        for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT", "OIDC_RP_CLIENT_ID",
                     "OIDC_RP_CLIENT_SECRET", "OIDC_RP_SIGN_ALGO"):
            setattr(self, name, self.oidc_values[name])
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)

    def verify_token(self, token, **kwargs):
        """The library's checks (signature by the provider's key, expiry, nonce), then the audience and issuer."""
        claims = super().verify_token(token, **kwargs)
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences or (len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID):
            raise SuspiciousOperation(f"The ID token is for {audiences}, not this application ({self.OIDC_RP_CLIENT_ID}).")
        if str(claims.get("iss", "")).rstrip("/") != self.provider.issuer:
            raise SuspiciousOperation(f"The ID token was issued by {claims.get('iss')!r}, not {self.provider.issuer!r}.")
        if "exp" not in claims:
            raise SuspiciousOperation("The ID token has no expiry.")
        return claims

    def store_tokens(self, access_token, id_token):
        self.id_token = id_token  # the session keeps it only once the person is signed in (the callback view)

    def get_or_create_user(self, access_token, id_token, payload):
        """The board's own account for the ID token's e-mail address: never a new one, nothing changed on it."""
        email = str(payload.get("email") or "").strip()
        ask = "Ask the board's administrator to check the e-mail address on your account."
        if not email:
            raise Refused(f"{self.provider.name} did not tell scrsystem your e-mail address, so it cannot find your "
                          f"account. {ask}", f"{self.provider.name}: no email claim in the ID token")
        if payload.get("email_verified") is False:
            raise Refused(f"{self.provider.name} says your e-mail address {email} is not verified. {ask}",
                          f"{self.provider.name}: {email} not verified")
        if not self.provider.serves(email):
            raise Refused(f"{self.provider.name} does not sign in people of {email.rsplit('@', 1)[-1]} here. {ask}",
                          f"{self.provider.name}: {email} is not of a domain it serves")
        user = self.UserModel.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise Refused(f"There is no scrsystem account for {email}. Accounts are made by the board's "
                          "administrators: ask one of them to invite you.", f"{self.provider.name}: no account for {email}")
        user.sso_claims = payload
        user.sso_id_token = self.id_token
        return user


def is_multi_factor(claims):
    """Did the provider say it used more than a password (SSO_SECOND_FACTOR_AMR / _ACR)?"""
    methods = claims.get("amr") or []
    methods = [methods] if isinstance(methods, str) else methods
    return bool(set(methods) & set(settings.SSO_SECOND_FACTOR_AMR)) or (
        claims.get("acr") is not None and str(claims.get("acr")) in settings.SSO_SECOND_FACTOR_ACR
    )


def state_of(redirect_url):
    """The state of an authorization request's URL."""
    return parse_qs(urlsplit(redirect_url).query).get("state", [""])[0]


def logout_url(request, signed_in_with, id_token, back):
    """Where to send a person signing out who signed in with a provider that offers RP-initiated logout (its
    end_session_endpoint), to end their session there too and come back to ``back``; None otherwise."""
    try:
        chosen = provider(signed_in_with)
        endpoint = discovery(chosen).get("end_session_endpoint")
    except (Http404, Refused):
        return None
    if not endpoint:
        return None
    query = {"client_id": chosen.client_id, "post_logout_redirect_uri": request.build_absolute_uri(back)}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
