"""A real OpenID Connect provider on loopback for the single sign-on tests (tests/oidc_provider/).

The session fixture ``oidc_provider`` migrates the provider's own SQLite database and runs it as a separate OS
process (``python -m django runserver 127.0.0.1:<free port> --noreload`` with DJANGO_SETTINGS_MODULE
``tests.oidc_provider.settings``), so that the relying party speaks HTTP to it exactly as to a real provider:
discovery, JWKS, authorize (with a real login page), token, userinfo and RP-initiated logout. Its issuer is
``http://127.0.0.1:<port>/o``; ID tokens are RS256, signed with a key generated for the session.

Tests set it up through the returned :class:`OIDCProvider`: ``add_user(...)``, ``add_client(...)`` (both quick: a
JSON POST to the provider's token-guarded /control/), ``sign_in(session, authorize_url, username)`` to sign in with
``requests`` instead of a browser, and ``stop()``/``start()`` (or ``with provider.down():``) for a provider that is
down. Its log is ``provider.log_path``.

Nothing here imports Django: the provider is configured by its environment alone.
"""

import atexit
import base64
import contextlib
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import requests

from reminders.smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "tests.oidc_provider.settings"
DEFAULT_PASSWORD = "provider-password"
MISBEHAVIOURS = (None, "wrong_audience", "expired")
LOGIN_PATH = "/accounts/login/"


class OIDCProviderError(AssertionError):
    """The provider refused something (its page's text or JSON error is in the message), or could not start."""


@dataclass(frozen=True)
class ProviderUser:
    username: str
    email: str
    password: str
    #: The ``sub`` claim of the user's tokens (the provider's primary key, as a string).
    sub: str


@dataclass(frozen=True)
class ProviderClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple
    post_logout_redirect_uris: tuple
    misbehave: str | None


def _rsa_private_key_pem():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class _Page(HTMLParser):
    """The forms (action, method, named inputs with their values) and the visible text of an HTML page."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._text = []
        self._skip = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "title"):
            self._skip += 1
        elif tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self._text.append(data.strip())

    @property
    def text(self):
        return " ".join(self._text)


def pkce_pair():
    """A fresh PKCE ``(code_verifier, code_challenge)`` for the S256 method (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def page_text(markup):
    """The visible text of an HTML page, on one line."""
    return _Page(markup).text


class OIDCProvider:
    """The provider process, its database and signing key under ``folder``; see the module's docstring."""

    def __init__(self, folder, port=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        #: The issuer: ``iss`` of the ID tokens and of discovery, and the prefix of every OIDC endpoint.
        self.issuer = f"{self.origin}/o"
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"
        #: The discovery document (a dict), fetched when the provider first answered.
        self.discovery = None
        self.database = self.folder / "provider.sqlite3"
        self.log_path = self.folder / "provider.log"
        self.key_path = self.folder / "signing-key.pem"
        self.key_path.write_text(_rsa_private_key_pem())
        self.key_path.chmod(0o600)
        self._control_token = secrets.token_urlsafe(32)
        self._process = None
        self._migrated = False
        self._control = requests.Session()
        self._control.trust_env = False  # no HTTP(S)_PROXY for loopback
        self._control.headers["Authorization"] = f"Bearer {self._control_token}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
            "OIDC_PROVIDER_DB": str(self.database),
            "OIDC_PROVIDER_SECRET_KEY": secrets.token_urlsafe(50),
            "OIDC_PROVIDER_ISSUER": self.issuer,
            "OIDC_PROVIDER_RSA_PRIVATE_KEY_FILE": str(self.key_path),
            "OIDC_PROVIDER_CONTROL_TOKEN": self._control_token,
        }
        self.env.pop("OIDC_PROVIDER_RSA_PRIVATE_KEY", None)

    # The process.

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def log(self, chars=4000):
        """The end of the provider's log (runserver's request lines, DOT's warnings, tracebacks)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def migrate(self):
        result = subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0", "--skip-checks"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )
        if result.returncode:
            raise OIDCProviderError(f"Migrating the OIDC provider's database failed:\n{result.stdout}{result.stderr}")
        self._migrated = True

    def start(self, timeout=30):
        """Start the provider (migrating its database the first time), on the same port each time, and wait until
        discovery answers. A no-op if it is running."""
        if self.running:
            return
        if not self._migrated:
            self.migrate()
        with open(self.log_path, "a") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload", "--skip-checks"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise OIDCProviderError(
                    f"The OIDC provider ended (exit status {self._process.returncode}) while starting:\n{self.log()}"
                )
            try:
                response = self._control.get(self.discovery_url, timeout=2)
                if response.status_code == 200:
                    self.discovery = response.json()
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise OIDCProviderError(f"The OIDC provider did not answer within {timeout} s:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, timeout=10):
        """Stop the provider (SIGTERM, then SIGKILL): afterwards nothing listens on its port. A no-op if stopped."""
        process, self._process = self._process, None
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)  # its own session: the group is runserver alone
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
        process.wait(timeout=timeout)

    @contextlib.contextmanager
    def down(self):
        """``with provider.down():`` the provider is stopped inside the block and started again after it."""
        self.stop()
        try:
            yield self
        finally:
            self.start()

    # Users and clients, through /control/.

    def _post_control(self, what, data):
        try:
            response = self._control.post(f"{self.origin}/control/{what}/", json=data, timeout=10)
        except requests.ConnectionError as error:
            raise OIDCProviderError(f"The OIDC provider is not running (start() it): {error}") from error
        if response.status_code != 200:
            raise OIDCProviderError(f"The OIDC provider refused {what} {data!r}: {response.status_code} {response.text}")
        return response.json()

    def add_user(self, username, email, password=DEFAULT_PASSWORD, email_verified=True, amr=("pwd",), acr=None):
        """Create the user ``username`` at the provider, or update their email, password and claims."""
        answer = self._post_control("users", {
            "username": username, "email": email, "password": password, "email_verified": email_verified,
            "amr": list(amr), "acr": acr,
        })
        return ProviderUser(username=username, email=email, password=password, sub=answer["sub"])

    def add_client(self, client_id, client_secret, redirect_uris, misbehave=None, post_logout_redirect_uris=()):
        """Register (or update) a confidential authorization-code client: RS256 ID tokens, no consent page.

        ``redirect_uris`` and ``post_logout_redirect_uris`` are lists of exact URIs. ``misbehave``: None,
        "wrong_audience" (its ID tokens' ``aud`` is "someone-else") or "expired" (their ``iat`` two hours and ``exp``
        one hour ago), signed correctly all the same."""
        if misbehave not in MISBEHAVIOURS:
            raise ValueError(f"misbehave must be one of {MISBEHAVIOURS}, not {misbehave!r}")
        if isinstance(redirect_uris, str) or isinstance(post_logout_redirect_uris, str):
            raise TypeError("redirect_uris and post_logout_redirect_uris are lists of URIs")
        answer = self._post_control("clients", {
            "client_id": client_id, "client_secret": client_secret, "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris), "misbehave": misbehave,
        })
        return ProviderClient(
            client_id=client_id, client_secret=client_secret, redirect_uris=tuple(answer["redirect_uris"]),
            post_logout_redirect_uris=tuple(answer["post_logout_redirect_uris"]), misbehave=answer["misbehave"],
        )

    # A relying party's side of the code flow, for tests of the provider itself.

    def authorize_url(self, client_id, redirect_uri, state, nonce=None, code_challenge=None,
                      scope="openid email profile", **extra):
        """An authorization request (response_type=code) to the provider; S256 if ``code_challenge`` is given."""
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
                  "state": state}
        if nonce is not None:
            params["nonce"] = nonce
        if code_challenge is not None:
            params.update(code_challenge=code_challenge, code_challenge_method="S256")
        params.update(extra)
        return f"{self.discovery['authorization_endpoint']}?{urlencode(params)}"

    def exchange_code(self, client_id, client_secret, code, redirect_uri, code_verifier=None):
        """POST the code to the token endpoint (client_secret_post); the ``requests`` response."""
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": client_id, "client_secret": client_secret}
        if code_verifier is not None:
            data["code_verifier"] = code_verifier
        return requests.post(self.discovery["token_endpoint"], data=data, timeout=10)

    # Signing in without a browser.

    def is_provider_url(self, url):
        parts = urlsplit(url)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost") and parts.port == self.port

    def sign_in(self, session, authorize_url, username, password=DEFAULT_PASSWORD):
        """Follow ``authorize_url`` with the ``requests.Session`` ``session``, signing in as ``username`` on the
        provider's login page if asked, and return the first redirect that leaves the provider: the relying party's
        redirect_uri with ``code`` and ``state`` (or with ``error`` and ``state``, for an error the provider reports
        to the client, e.g. a missing PKCE challenge). That redirect is not followed.

        If the provider answers with a page instead (a bad client_id or redirect_uri, a wrong password), raise
        OIDCProviderError with its status and text. A session already signed in at the provider is not asked for a
        password: use a fresh session per user."""
        url, form = authorize_url, None
        logged_in = False
        for _ in range(20):
            if form is None:
                response = session.get(url, allow_redirects=False, timeout=10)
            else:
                response = session.post(url, data=form, allow_redirects=False, timeout=10)
                form = None
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not self.is_provider_url(location):
                    return location
                url = location
                continue
            if response.status_code == 200 and urlsplit(response.url).path == LOGIN_PATH and not logged_in:
                page = _Page(response.text)
                login_forms = [f for f in page.forms if "password" in f["fields"] and f["method"] == "post"]
                if not login_forms:
                    raise OIDCProviderError(f"No login form on the provider's page {response.url}: {page.text}")
                form = {**login_forms[0]["fields"], "username": username, "password": password}
                url = urljoin(response.url, login_forms[0]["action"] or response.url)
                logged_in = True
                continue
            raise OIDCProviderError(
                f"The OIDC provider answered {response.status_code} at {response.url}: {page_text(response.text)}"
            )
        raise OIDCProviderError(f"Too many redirects at the OIDC provider, the last to {url}")


# One provider per test session, shared by every module that imports the fixture: a test module's own import
# (tests/test_oidc_provider.py) and tests/conftest.py's make two fixture definitions, not two providers.
_shared = {"provider": None, "users": 0}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The session's :class:`OIDCProvider`, running; stopped at the end of the session."""
    if _shared["provider"] is None:
        provider = OIDCProvider(tmp_path_factory.mktemp("oidc_provider"))
        atexit.register(provider.stop)  # should the session end without its teardown
        try:
            provider.start()
        except BaseException:
            provider.stop()
            raise
        _shared["provider"] = provider
    _shared["users"] += 1
    try:
        yield _shared["provider"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared["provider"].stop()
            _shared["provider"] = None
