"""Settings of the test OpenID Connect provider (see __init__.py), configured by tests/oidc.py through:

- OIDC_PROVIDER_DB: path of its SQLite database (required);
- OIDC_PROVIDER_SECRET_KEY: its SECRET_KEY (required);
- OIDC_PROVIDER_ISSUER: its issuer, ``http://127.0.0.1:<port>/o`` (without it DOT derives it from each request);
- OIDC_PROVIDER_RSA_PRIVATE_KEY_FILE (or OIDC_PROVIDER_RSA_PRIVATE_KEY, the PEM itself): the RS256 signing key;
- OIDC_PROVIDER_CONTROL_TOKEN: the bearer token of /control/ (without it /control/ answers 404).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def _required(name):
    try:
        return os.environ[name]
    except KeyError:
        raise ImproperlyConfigured(f"The test OIDC provider needs {name} in its environment.") from None


def _rsa_private_key():
    path = os.environ.get("OIDC_PROVIDER_RSA_PRIVATE_KEY_FILE")
    if path:
        return Path(path).read_text()
    return os.environ.get("OIDC_PROVIDER_RSA_PRIVATE_KEY", "")


SECRET_KEY = _required("OIDC_PROVIDER_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
    "tests.oidc_provider",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.oidc_provider.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _required("OIDC_PROVIDER_DB"),
        # runserver answers each request in a thread of its own: wait for the write lock, take it up front.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Quick hashing: users' passwords and clients' secrets are test data.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The provider and the application under test both live on 127.0.0.1, and cookies do not keep ports apart: the
# provider's cookies get names of their own so that neither signs the other out.
SESSION_COOKIE_NAME = "oidc_provider_sessionid"
CSRF_COOKIE_NAME = "oidc_provider_csrftoken"
LANGUAGE_COOKIE_NAME = "oidc_provider_language"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
STATIC_URL = "/static/"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _rsa_private_key(),
    "OIDC_ISS_ENDPOINT": os.environ.get("OIDC_PROVIDER_ISSUER", ""),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # A valid id_token_hint of the signed-in user signs them out without a confirmation page (the OIDC
    # RP-initiated logout "SHOULD ask" is left out); without one, DOT still asks.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    "SCOPES": {
        "openid": "OpenID Connect: who you are",
        "email": "Your email address",
        "profile": "Your name and username",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validators.ProviderValidator",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # The RFC 9700 behaviours that DOT 3.x still allows with a DeprecationWarning are refused outright here:
    # only S256 PKCE, no implicit or password grant, no access token in a query string.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
}

# DOT's models are swappable; the migration of this app's ClientBehaviour names the setting.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

CONTROL_TOKEN = os.environ.get("OIDC_PROVIDER_CONTROL_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "oauth2_provider": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "WARNING"},
    },
}
