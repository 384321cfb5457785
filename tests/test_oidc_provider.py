"""The test OpenID Connect provider itself (tests/oidc.py, tests/oidc_provider/), without the application: what
the single sign-on tests rely on it to do, and to refuse."""

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from tests.oidc import OIDCProviderError, pkce_pair

CALLBACK = "http://127.0.0.1:8765/oidc/callback/"
SIGNED_OUT = "http://127.0.0.1:8765/signed-out/"


def query(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def signing_key(provider, token):
    jwks = requests.get(provider.discovery["jwks_uri"], timeout=10).json()
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [key for key in jwks["keys"] if key["kid"] == kid]
    return jwt.PyJWK(key)


def code_flow(provider, client, username, nonce="the-nonce"):
    """Sign ``username`` in for ``client`` with PKCE and a nonce; the token endpoint's JSON."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(8)
    url = provider.authorize_url(client.client_id, CALLBACK, state=state, nonce=nonce, code_challenge=challenge)
    back = provider.sign_in(requests.Session(), url, username)
    assert back.startswith(CALLBACK + "?")
    assert query(back)["state"] == state
    response = provider.exchange_code(client.client_id, client.client_secret, query(back)["code"], CALLBACK, verifier)
    assert response.status_code == 200, response.text
    return response.json()


def test_discovery_names_the_issuer_and_every_endpoint(oidc_provider):
    issuer = oidc_provider.issuer
    assert issuer == f"http://127.0.0.1:{oidc_provider.port}/o"
    document = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert document == oidc_provider.discovery
    assert document["issuer"] == issuer
    assert document["authorization_endpoint"] == f"{issuer}/authorize/"
    assert document["token_endpoint"] == f"{issuer}/token/"
    assert document["userinfo_endpoint"] == f"{issuer}/userinfo/"
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert document["end_session_endpoint"] == f"{issuer}/logout/"
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"sub", "email", "email_verified", "amr", "acr"} <= set(document["claims_supported"])
    keys = requests.get(document["jwks_uri"], timeout=10).json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]


def test_code_flow_with_pkce_gives_a_signed_id_token_with_the_users_claims(oidc_provider):
    user = oidc_provider.add_user("alice", "alice@example.org", amr=("pwd", "mfa"), acr="urn:test:mfa")
    client = oidc_provider.add_client("flow-client", "flow-secret", [CALLBACK])

    tokens = code_flow(oidc_provider, client, "alice", nonce="n-0S6_WzA2Mj")

    id_token = tokens["id_token"]
    assert jwt.get_unverified_header(id_token)["alg"] == "RS256"
    claims = jwt.decode(
        id_token, signing_key(oidc_provider, id_token), algorithms=["RS256"], audience="flow-client",
        issuer=oidc_provider.issuer,
    )
    assert claims["sub"] == user.sub
    assert claims["email"] == "alice@example.org"
    assert claims["email_verified"] is True
    assert claims["amr"] == ["pwd", "mfa"]
    assert claims["acr"] == "urn:test:mfa"
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["aud"] == "flow-client"
    assert claims["iss"] == oidc_provider.issuer
    assert claims["iat"] <= time.time() + 5 < claims["exp"]

    userinfo = requests.get(
        oidc_provider.discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo["sub"] == user.sub
    assert userinfo["email"] == "alice@example.org"
    assert userinfo["amr"] == ["pwd", "mfa"]


def test_claims_are_per_user_and_updated_by_add_user(oidc_provider):
    client = oidc_provider.add_client("claims-client", "claims-secret", [CALLBACK])
    oidc_provider.add_user("bob", "bob@example.org", email_verified=False)

    claims = jwt.decode(code_flow(oidc_provider, client, "bob")["id_token"], options={"verify_signature": False})
    assert (claims["email"], claims["email_verified"], claims["amr"]) == ("bob@example.org", False, ["pwd"])
    assert "acr" not in claims

    oidc_provider.add_user("bob", "robert@example.org", password="new-password", amr=("pwd", "otp"))
    with pytest.raises(OIDCProviderError, match="didn't match"):
        code_flow(oidc_provider, client, "bob")  # the old password
    verifier, challenge = pkce_pair()
    url = oidc_provider.authorize_url("claims-client", CALLBACK, state="s", code_challenge=challenge)
    back = oidc_provider.sign_in(requests.Session(), url, "bob", password="new-password")
    tokens = oidc_provider.exchange_code("claims-client", "claims-secret", query(back)["code"], CALLBACK, verifier)
    claims = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert (claims["email"], claims["email_verified"], claims["amr"]) == ("robert@example.org", True, ["pwd", "otp"])
    assert "nonce" not in claims


def test_an_authorization_request_without_pkce_is_refused(oidc_provider):
    oidc_provider.add_user("carol", "carol@example.org")
    oidc_provider.add_client("pkce-client", "pkce-secret", [CALLBACK])

    url = oidc_provider.authorize_url("pkce-client", CALLBACK, state="no-pkce", nonce="n")
    back = oidc_provider.sign_in(requests.Session(), url, "carol")

    assert back.startswith(CALLBACK + "?")
    assert query(back)["error"] == "invalid_request"
    assert query(back)["state"] == "no-pkce"
    assert "code" not in query(back)


def test_the_code_is_not_exchanged_without_its_verifier(oidc_provider):
    oidc_provider.add_user("carol", "carol@example.org")
    oidc_provider.add_client("pkce-client", "pkce-secret", [CALLBACK])
    verifier, challenge = pkce_pair()
    url = oidc_provider.authorize_url("pkce-client", CALLBACK, state="s", nonce="n", code_challenge=challenge)
    code = query(oidc_provider.sign_in(requests.Session(), url, "carol"))["code"]

    without = oidc_provider.exchange_code("pkce-client", "pkce-secret", code, CALLBACK)
    assert without.status_code == 400
    assert without.json()["error"] in {"invalid_request", "invalid_grant"}

    other_verifier, _ = pkce_pair()
    wrong = oidc_provider.exchange_code("pkce-client", "pkce-secret", code, CALLBACK, other_verifier)
    assert wrong.status_code == 400

    wrong_secret = oidc_provider.exchange_code("pkce-client", "not-the-secret", code, CALLBACK, verifier)
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"


def test_redirect_uris_must_match_exactly_and_add_client_replaces_them(oidc_provider):
    oidc_provider.add_user("dave", "dave@example.org")
    oidc_provider.add_client("uri-client", "uri-secret", [CALLBACK])
    _, challenge = pkce_pair()
    elsewhere = "http://127.0.0.1:8765/elsewhere/"

    for wrong in (elsewhere, CALLBACK.rstrip("/"), CALLBACK + "?extra=1", CALLBACK.replace("127.0.0.1", "localhost")):
        url = oidc_provider.authorize_url("uri-client", wrong, state="s", nonce="n", code_challenge=challenge)
        with pytest.raises(OIDCProviderError, match="400.*(invalid_request|Mismatching redirect URI)"):
            oidc_provider.sign_in(requests.Session(), url, "dave")

    # Loopback IP redirect URIs match on any port (RFC 8252 section 7.3).
    any_port = CALLBACK.replace(":8765", ":9876")
    url = oidc_provider.authorize_url("uri-client", any_port, state="s", nonce="n", code_challenge=challenge)
    assert "code" in query(oidc_provider.sign_in(requests.Session(), url, "dave"))

    oidc_provider.add_client("uri-client", "uri-secret", [elsewhere])
    url = oidc_provider.authorize_url("uri-client", elsewhere, state="s", nonce="n", code_challenge=challenge)
    assert oidc_provider.sign_in(requests.Session(), url, "dave").startswith(elsewhere + "?code=")
    url = oidc_provider.authorize_url("uri-client", CALLBACK, state="s", nonce="n", code_challenge=challenge)
    with pytest.raises(OIDCProviderError, match="400"):
        oidc_provider.sign_in(requests.Session(), url, "dave")


def test_an_unknown_client_or_a_wrong_password_raises_with_the_providers_page(oidc_provider):
    oidc_provider.add_user("erin", "erin@example.org")
    _, challenge = pkce_pair()
    url = oidc_provider.authorize_url("nobody", CALLBACK, state="s", nonce="n", code_challenge=challenge)
    with pytest.raises(OIDCProviderError, match="invalid_client_id|Invalid client_id"):
        oidc_provider.sign_in(requests.Session(), url, "erin")

    oidc_provider.add_client("password-client", "password-secret", [CALLBACK])
    url = oidc_provider.authorize_url("password-client", CALLBACK, state="s", nonce="n", code_challenge=challenge)
    with pytest.raises(OIDCProviderError, match="Your username and password didn't match"):
        oidc_provider.sign_in(requests.Session(), url, "erin", password="wrong")


def test_a_wrong_audience_client_gets_correctly_signed_tokens_for_someone_else(oidc_provider):
    oidc_provider.add_user("frank", "frank@example.org")
    client = oidc_provider.add_client("aud-client", "aud-secret", [CALLBACK], misbehave="wrong_audience")
    assert client.misbehave == "wrong_audience"

    id_token = code_flow(oidc_provider, client, "frank")["id_token"]

    key = signing_key(oidc_provider, id_token)
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(id_token, key, algorithms=["RS256"], audience="aud-client", issuer=oidc_provider.issuer)
    claims = jwt.decode(id_token, key, algorithms=["RS256"], audience="someone-else", issuer=oidc_provider.issuer)
    assert claims["aud"] == "someone-else"
    assert claims["email"] == "frank@example.org"


def test_an_expired_client_gets_correctly_signed_tokens_that_have_expired(oidc_provider):
    oidc_provider.add_user("grace", "grace@example.org")
    client = oidc_provider.add_client("exp-client", "exp-secret", [CALLBACK], misbehave="expired")

    id_token = code_flow(oidc_provider, client, "grace")["id_token"]

    key = signing_key(oidc_provider, id_token)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(id_token, key, algorithms=["RS256"], audience="exp-client", issuer=oidc_provider.issuer)
    claims = jwt.decode(
        id_token, key, algorithms=["RS256"], audience="exp-client", issuer=oidc_provider.issuer,
        options={"verify_exp": False},
    )
    assert claims["iat"] < claims["exp"] < time.time() - 3000

    # Behaving again: the same client's next token is fine.
    oidc_provider.add_client("exp-client", "exp-secret", [CALLBACK])
    id_token = code_flow(oidc_provider, client, "grace")["id_token"]
    jwt.decode(id_token, key, algorithms=["RS256"], audience="exp-client", issuer=oidc_provider.issuer)


def test_rp_initiated_logout_with_id_token_hint_ends_the_providers_session(oidc_provider):
    oidc_provider.add_user("heidi", "heidi@example.org")
    client = oidc_provider.add_client(
        "logout-client", "logout-secret", [CALLBACK], post_logout_redirect_uris=[SIGNED_OUT]
    )
    browser = requests.Session()
    verifier, challenge = pkce_pair()
    url = oidc_provider.authorize_url("logout-client", CALLBACK, state="s", nonce="n", code_challenge=challenge)
    code = query(oidc_provider.sign_in(browser, url, "heidi"))["code"]
    id_token = oidc_provider.exchange_code(
        client.client_id, client.client_secret, code, CALLBACK, verifier
    ).json()["id_token"]

    # Signed in at the provider: a second authorization needs no password.
    again = oidc_provider.sign_in(browser, url, "heidi", password="not-asked-for")
    assert "code" in query(again)

    # A post_logout_redirect_uri that is not registered is refused, and the session goes on.
    refused = browser.get(
        oidc_provider.discovery["end_session_endpoint"],
        params={"id_token_hint": id_token, "post_logout_redirect_uri": CALLBACK}, allow_redirects=False, timeout=10,
    )
    assert refused.status_code == 400

    response = browser.get(
        oidc_provider.discovery["end_session_endpoint"],
        params={"id_token_hint": id_token, "post_logout_redirect_uri": SIGNED_OUT, "state": "bye"},
        allow_redirects=False, timeout=10,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{SIGNED_OUT}?state=bye"

    # Signed out at the provider: the password is asked for again.
    with pytest.raises(OIDCProviderError, match="didn't match"):
        oidc_provider.sign_in(browser, url, "heidi", password="not-asked-for")


def test_stop_makes_the_provider_unreachable_and_start_brings_it_back(oidc_provider):
    oidc_provider.add_user("ivan", "ivan@example.org")
    client = oidc_provider.add_client("restart-client", "restart-secret", [CALLBACK])
    discovery_url = f"{oidc_provider.issuer}/.well-known/openid-configuration"
    port = oidc_provider.port

    oidc_provider.stop()
    try:
        assert not oidc_provider.running
        with pytest.raises(requests.ConnectionError):
            requests.get(discovery_url, timeout=5)
        with pytest.raises(OIDCProviderError, match="not running"):
            oidc_provider.add_user("ivan", "ivan@example.org")
    finally:
        oidc_provider.start()

    assert oidc_provider.running and oidc_provider.port == port
    assert requests.get(discovery_url, timeout=5).json()["issuer"] == oidc_provider.issuer
    # Users and clients outlive the restart (the database is the same).
    assert "email" in jwt.decode(code_flow(oidc_provider, client, "ivan")["id_token"],
                                 options={"verify_signature": False})

    with oidc_provider.down():
        with pytest.raises(requests.ConnectionError):
            requests.get(discovery_url, timeout=5)
    assert requests.get(discovery_url, timeout=5).status_code == 200
