"""Single sign-on (accounts.sso) against a real OpenID Connect provider on loopback (tests/oidc.py: django-oauth-toolkit),
through the application's own pages and mozilla-django-oidc: who gets in, who is refused and why, the ID token's
checks (audience, expiry, state, nonce, PKCE), the agency that requires it, the second factor, signing out."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from accounts import sso
from accounts.models import IdentityProvider, Role, SecurityEvent
from tests import factories, matrix
from tests.matrix import ROLES
from tests.test_permissions import GET_MATRIX, paper_renderings, w  # noqa: F401 - fixtures

CALLBACK = "http://testserver/accounts/sso/callback/"
BACK_AFTER_LOGOUT = "http://testserver/accounts/login/"
DOMAIN = "council.example"
CLIENT_ID, SECRET = "scrsystem-test", "client-secret-for-tests"


@pytest.fixture
def council(db, oidc_provider):
    """The council's provider in the admin site's table, and this application registered with it."""
    oidc_provider.add_client(CLIENT_ID, SECRET, [CALLBACK], post_logout_redirect_uris=[BACK_AFTER_LOGOUT])
    return IdentityProvider.objects.create(
        name="Northbridge Council", issuer=oidc_provider.issuer, client_id=CLIENT_ID, client_secret=SECRET,
        email_domains=f"{DOMAIN}, schools.{DOMAIN}",
    )


def person(oidc_provider, username, *, amr=("pwd",), email_verified=True, email=None):
    return oidc_provider.add_user(username, email or f"{username}@{DOMAIN}", amr=amr, email_verified=email_verified)


def go_through(client, oidc_provider, provider, username, *, next_url=""):
    """Start at the application, sign in at the provider, come back: the application's answer to the callback."""
    query = f"?login_hint={username}@{DOMAIN}" + (f"&next={next_url}" if next_url else "")
    start = client.get(f"/accounts/sso/{provider.key}/start/{query}")
    assert start.status_code == 302, start.content.decode()[:500]
    back = oidc_provider.sign_in(requests.Session(), start["Location"], username)
    assert back.startswith(CALLBACK), back
    parts = urlsplit(back)
    return client.get(parts.path, parse_qs(parts.query)), parts


def refusals(**filters):
    return list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SINGLE_SIGN_ON_REFUSED, **filters)
                .values_list("detail", flat=True))


def signed_in_as(client):
    response = client.get("/accounts/password/")
    return response.context["user"].username if response.status_code == 200 else None


def test_an_invited_person_signs_in_and_their_account_is_unchanged(client, world, oidc_provider, council):
    account = factories.user(Role.AGENCY, username="k.doyle", agency=world.police, email=f"Karen.Doyle@{DOMAIN}")
    first_name, last_name = account.first_name, account.last_name
    person(oidc_provider, "karen.doyle")
    answer, _ = go_through(client, oidc_provider, council, "karen.doyle", next_url="/reviews/")
    assert answer.status_code == 302 and answer["Location"] == "/reviews/"
    assert client.get("/reviews/").status_code == 200
    assert signed_in_as(client) == "k.doyle"
    account.refresh_from_db()
    assert (account.role, account.agency, account.first_name, account.last_name) == (
        Role.AGENCY, world.police, first_name, last_name)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGNED_IN, user=account)
    assert event.detail.startswith("single sign-on with Northbridge Council; not multi-factor")
    assert client.session[sso.SIGNED_IN_WITH] == council.key
    assert "oidc_access_token" not in client.session and client.session[sso.ID_TOKEN].count(".") == 2


def test_the_authorization_request_uses_pkce_state_and_nonce(client, db, oidc_provider, council):
    start = client.get(f"/accounts/sso/{council.key}/start/")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    assert client.session[sso.STATES] == {query["state"][0]: council.key}


def test_a_person_without_an_account_is_refused_and_told_whom_to_ask(client, world, oidc_provider, council):
    world.admin.email = "board.admin@lscb.example"
    world.admin.save()
    person(oidc_provider, "stranger")
    answer, _ = go_through(client, oidc_provider, council, "stranger")
    assert answer.status_code == 403
    page = answer.content.decode()
    assert f"There is no scrsystem account for stranger@{DOMAIN}" in page
    assert "board.admin@lscb.example" in page
    assert signed_in_as(client) is None
    assert refusals() == [f"Northbridge Council: no account for stranger@{DOMAIN}"]


@pytest.mark.parametrize("case", ["inactive", "unverified", "other_domain"])
def test_an_account_the_token_may_not_open_is_refused(client, world, oidc_provider, council, case):
    email = f"sam@{DOMAIN}" if case != "other_domain" else "sam@police.example"
    factories.user(Role.AGENCY, username="sam", agency=world.police, email=email, is_active=case != "inactive")
    person(oidc_provider, "sam", email=email, email_verified=case != "unverified")
    answer, _ = go_through(client, oidc_provider, council, "sam")
    assert answer.status_code == 403
    assert signed_in_as(client) is None
    expected = {
        "inactive": f"no account for {email}",
        "unverified": f"{email} not verified",
        "other_domain": f"{email} is not of a domain it serves",
    }[case]
    assert refusals() == [f"Northbridge Council: {expected}"]


@pytest.mark.parametrize("misbehave, words", [("wrong_audience", "someone-else"), ("expired", "expired")])
def test_a_token_for_another_audience_or_expired_is_refused(client, world, oidc_provider, council, misbehave, words):
    oidc_provider.add_client(CLIENT_ID, SECRET, [CALLBACK], misbehave=misbehave)
    factories.user(Role.AGENCY, username="jo", agency=world.police, email=f"jo@{DOMAIN}")
    person(oidc_provider, "jo")
    try:
        answer, _ = go_through(client, oidc_provider, council, "jo")
    finally:
        oidc_provider.add_client(CLIENT_ID, SECRET, [CALLBACK], post_logout_redirect_uris=[BACK_AFTER_LOGOUT])
    assert answer.status_code == 400
    assert "did not give a sign-in scrsystem could trust" in answer.content.decode()
    assert signed_in_as(client) is None
    [detail] = refusals()
    assert words in detail.lower()


def test_a_replayed_or_foreign_state_is_refused(client, world, oidc_provider, council):
    factories.user(Role.AGENCY, username="lee", agency=world.police, email=f"lee@{DOMAIN}")
    person(oidc_provider, "lee")
    first, parts = go_through(client, oidc_provider, council, "lee")
    assert first.status_code == 302
    client.post("/accounts/logout/")
    again = client.get(parts.path, parse_qs(parts.query))
    assert again.status_code == 400 and "used already" in again.content.decode()
    assert signed_in_as(client) is None
    assert refusals() == ["unknown or replayed state"]


def go_through_with_session_changed(client, world, oidc_provider, provider, username, key, value):
    """A sign-in whose session entry (its nonce, its PKCE verifier) was changed between going and coming back."""
    factories.user(Role.AGENCY, username=username, agency=world.police, email=f"{username}@{DOMAIN}")
    person(oidc_provider, username)
    start = client.get(f"/accounts/sso/{provider.key}/start/")
    session = client.session
    [state] = session["oidc_states"]
    session["oidc_states"][state][key] = value
    session.save()
    back = urlsplit(oidc_provider.sign_in(requests.Session(), start["Location"], username))
    return client.get(back.path, parse_qs(back.query))


def test_a_nonce_that_does_not_match_is_refused(client, world, oidc_provider, council):
    answer = go_through_with_session_changed(client, world, oidc_provider, council, "ash", "nonce", "not-the-one-sent")
    assert answer.status_code == 400 and signed_in_as(client) is None
    [detail] = refusals()
    assert "Nonce" in detail


def test_a_code_without_its_pkce_verifier_is_refused(client, world, oidc_provider, council):
    # A verifier, but not the one whose challenge was sent: the provider refuses the code.
    answer = go_through_with_session_changed(client, world, oidc_provider, council, "max", "code_verifier", "x" * 64)
    assert answer.status_code == 400 and signed_in_as(client) is None
    [detail] = refusals()
    assert "400" in detail and "invalid_grant" in detail


def test_an_agency_that_requires_single_sign_on_refuses_the_password(client, world, oidc_provider, council):
    world.police.single_sign_on_required = True
    world.police.save()
    world.agency_user.email = f"police.user@{DOMAIN}"
    world.agency_user.save()
    refused = client.post("/accounts/login/", {"username": "police", "password": factories.PASSWORD})
    assert refused.status_code == 200
    assert "signs in with its own accounts" in refused.content.decode()
    assert signed_in_as(client) is None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN_FAILED, user=world.agency_user,
                                        detail__contains="requires single sign-on").exists()
    # Another agency's people keep their passwords; the police user signs in with the council's account.
    assert client.post("/accounts/login/", {"username": "health", "password": factories.PASSWORD}).status_code == 302
    client.post("/accounts/logout/")
    person(oidc_provider, "police.user")
    answer, _ = go_through(client, oidc_provider, council, "police.user")
    assert answer.status_code == 302 and signed_in_as(client) == "police"


@pytest.mark.parametrize("amr, counted, rule", [
    (("pwd", "mfa"), True, ["mfa"]),
    (("pwd",), False, ["mfa"]),
    (("pwd", "mfa"), False, []),
])
def test_the_provider_counts_as_the_second_factor_only_when_it_says_multi_factor(
    client, world, settings, oidc_provider, council, amr, counted, rule
):
    settings.SECOND_FACTOR_ROLES = ["consultant"]
    settings.SSO_SECOND_FACTOR_AMR = rule
    world.consultant.email = f"consultant@{DOMAIN}"
    world.consultant.save()
    person(oidc_provider, "consultant", amr=amr)
    answer, _ = go_through(client, oidc_provider, council, "consultant", next_url="/reviews/")
    assert answer.status_code == 302
    reviews = client.get("/reviews/")
    if counted:
        assert reviews.status_code == 200
    else:
        assert reviews.status_code == 302 and reviews["Location"].startswith("/accounts/two-factor/setup/")
    detail = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGNED_IN, user=world.consultant).detail
    assert ("counts as the second factor" in detail) is counted


def test_a_provider_that_is_down_is_a_clear_503(client, db, oidc_provider, council):
    with oidc_provider.down():
        answer = client.get(f"/accounts/sso/{council.key}/start/")
    assert answer.status_code == 503
    assert "The sign-in service of Northbridge Council is not answering" in answer.content.decode()
    assert refusals() == [f"Northbridge Council ({oidc_provider.issuer}) did not answer"]


def test_signing_out_ends_the_session_here_and_at_the_provider(client, world, oidc_provider, council):
    factories.user(Role.MEMBER, username="pat", email=f"pat@{DOMAIN}")
    person(oidc_provider, "pat")
    go_through(client, oidc_provider, council, "pat")
    id_token = client.session[sso.ID_TOKEN]
    out = client.post("/accounts/logout/")
    # A page that goes on to the provider (a form's answer may not redirect to another site: CSP form-action).
    assert out.status_code == 200
    [location] = re.findall(r'content="0;url=([^"]+)"', out.content.decode())
    location = html.unescape(location)
    assert f'href="{html.escape(location)}"' in out.content.decode()
    there = urlsplit(location)
    assert f"{there.scheme}://{there.netloc}{there.path}" == oidc_provider.discovery["end_session_endpoint"]
    query = parse_qs(there.query)
    assert query["id_token_hint"] == [id_token] and query["post_logout_redirect_uri"] == [BACK_AFTER_LOGOUT]
    assert signed_in_as(client) is None
    # The provider accepts it: it ends its session and sends the person back to the sign-in page.
    ended = requests.get(location, allow_redirects=False, timeout=10)
    assert ended.status_code == 302 and ended.headers["Location"].startswith(BACK_AFTER_LOGOUT)


def test_the_sign_in_page_offers_the_provider_by_e_mail_domain(client, db, settings, oidc_provider):
    assert "organisation's account" not in client.get("/accounts/login/").content.decode()  # off by default
    IdentityProvider.objects.create(name="Northbridge Council", issuer=oidc_provider.issuer, client_id=CLIENT_ID,
                                    client_secret=SECRET, email_domains=DOMAIN)
    assert "Sign in with your organisation's account" in client.get("/accounts/login/").content.decode()
    offered = client.get("/accounts/sso/", {"email": f"someone@{DOMAIN}"}).content.decode()
    assert "Sign in with Northbridge Council" in offered
    other = client.get("/accounts/sso/", {"email": "someone@elsewhere.example"}).content.decode()
    assert "There is no single sign-on for someone@elsewhere.example" in other
    assert "Sign in with Northbridge Council" not in other
    # One more from the environment.
    settings.SSO_PROVIDER_NAME, settings.SSO_ISSUER = "Northbridge Police", "https://login.police.example/v2.0"
    settings.SSO_CLIENT_ID, settings.SSO_CLIENT_SECRET = "id", "secret"
    settings.SSO_EMAIL_DOMAINS = ["police.example"]
    assert "Sign in with Northbridge Police" in client.get("/accounts/sso/", {"email": "pc@police.example"}).content.decode()


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_every_page_papers_included_answers_as_the_matrix_says_after_a_single_sign_on(
    client, w, oidc_provider, council, role  # noqa: F811 - the fixture imported above
):
    """Every page of the GET matrix gives a person signed in through their organisation exactly what it gives them
    signed in with a password (tests/test_permissions.py): the provider brings who they are, never what they may do."""
    account = getattr(w, role)
    account.email = f"{account.username}@{DOMAIN}"
    account.save()
    person(oidc_provider, account.username, amr=("pwd", "mfa"))
    answer, _ = go_through(client, oidc_provider, council, account.username)
    assert answer.status_code == 302 and signed_in_as(client) == account.username
    column = ROLES.index(role)
    checked = 0
    for url_name, obj, expectations in GET_MATRIX:
        response = client.get(matrix.url(w, url_name, obj))
        try:
            matrix.assert_outcome(response, expectations[column])
        except AssertionError as failure:
            raise AssertionError(f"{url_name} [{obj}] as {role}: {failure}") from None
        checked += 1
    assert checked == len(GET_MATRIX) > 100


def test_the_admin_site_keeps_the_secret_unless_a_new_one_is_given(client, world):
    client.force_login(world.admin)
    fields = {"name": "Northbridge Council", "issuer": "login.example/tenant/v2.0", "client_id": "abc",
              "email_domains": DOMAIN, "is_active": "on"}
    missing = client.post("/admin/accounts/identityprovider/add/", fields)
    assert missing.status_code == 200 and "Give the client secret" in missing.content.decode()
    assert not IdentityProvider.objects.exists()
    assert client.post("/admin/accounts/identityprovider/add/", {**fields, "client_secret": "s3cret"}).status_code == 302
    provider = IdentityProvider.objects.get()
    assert (provider.issuer, provider.client_secret) == ("https://login.example/tenant/v2.0", "s3cret")
    page = client.get(f"/admin/accounts/identityprovider/{provider.pk}/change/").content.decode()
    assert "s3cret" not in page
    changed = client.post(f"/admin/accounts/identityprovider/{provider.pk}/change/",
                          {**fields, "issuer": provider.issuer, "client_secret": "", "email_domains": "a.example"})
    assert changed.status_code == 302
    provider.refresh_from_db()
    assert (provider.client_secret, provider.email_domains) == ("s3cret", "a.example")
    nowhere = client.post(f"/admin/accounts/identityprovider/{provider.pk}/change/",
                          {**fields, "issuer": provider.issuer, "client_secret": "", "email_domains": " , "})
    assert nowhere.status_code == 200 and "at least one e-mail domain" in nowhere.content.decode()
