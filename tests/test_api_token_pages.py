"""The API tokens page (each person's own tokens: made, shown once, listed, revoked), the administrators' view of
every token, and the API docs page served from the app's own files."""

import re

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from api import tokens
from api.models import ApiToken
from tests.matrix import db_state
from tests.test_two_factor import current_code, sign_in

TOKEN = re.compile(r"scr_[A-Za-z0-9_-]{43}")


def make_on_page(client, **data):
    """Post the form, and follow to the page that shows the new token."""
    return client.post(reverse("api:tokens"), {"name": "Power BI report", "scope": "read", "days": "30", **data},
                       follow=True)


def test_a_token_is_shown_once_kept_only_as_a_fingerprint_and_works(client, world):
    client.force_login(world.agency_user)
    response = make_on_page(client, scope="write")
    assert response.redirect_chain == [(reverse("api:tokens"), 302)]  # reloading the page makes no second token
    shown = TOKEN.findall(response.content.decode())
    assert len(shown) == 1
    raw = shown[0]
    token = ApiToken.objects.get(user=world.agency_user)
    assert (token.name, token.scope, token.prefix) == ("Power BI report", "write", raw[:8])
    assert token.token_hash == tokens.hash_of(raw) and raw not in str(ApiToken.objects.values().get())
    assert (token.expires_at - token.created_at).days == 30
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN_MADE, user=world.agency_user).exists()
    # Never shown again (nor kept in the session): the list gives its first characters only.
    assert "api_token_made" not in client.session
    listed = client.get(reverse("api:tokens")).content.decode()
    assert raw not in listed and f"{raw[:8]}…" in listed
    api = client.get(reverse("api:action-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200


def test_the_default_expiry_is_the_setting_and_the_maximum_is_enforced(client, world, settings):
    settings.API_TOKEN_DAYS, settings.API_TOKEN_MAX_DAYS = 45, 60
    client.force_login(world.member)
    page = client.get(reverse("api:tokens")).content.decode()
    assert 'value="45"' in page and 'max="60"' in page
    before = db_state()
    refused = make_on_page(client, days="61")
    assert refused.status_code == 400
    assert "less than or equal to 60" in refused.content.decode()
    assert db_state() == before and not ApiToken.objects.exists()


def test_a_person_sees_and_revokes_only_their_own_tokens(client, world):
    client.force_login(world.member)
    make_on_page(client, name="Member's report")
    client.force_login(world.agency_user)
    make_on_page(client, name="Police dashboard")
    page = client.get(reverse("api:tokens")).content.decode()
    assert "Police dashboard" in page and "Member&#x27;s report" not in page
    members = ApiToken.objects.get(user=world.member)
    assert client.post(reverse("api:token_revoke", args=[members.pk])).status_code == 404
    members.refresh_from_db()
    assert members.revoked_at is None
    own = ApiToken.objects.get(user=world.agency_user)
    assert client.post(reverse("api:token_revoke", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None and own.revoked_by == world.agency_user
    assert "Revoked" in client.get(reverse("api:tokens")).content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN_REVOKED, user=world.agency_user).count() == 1


def test_a_token_made_after_a_two_factor_sign_in_says_so(client, world, settings):
    settings.SECOND_FACTOR_ROLES = ["chair"]
    device = TOTPDevice.objects.create(user=world.chair, name="phone", confirmed=True)
    sign_in(client, "chair")
    assert client.post("/accounts/two-factor/verify/", {"token": current_code(device)}).status_code == 302
    raw = TOKEN.findall(make_on_page(client).content.decode())[0]
    assert ApiToken.objects.get(user=world.chair).made_after_second_factor
    assert Client().get(reverse("api:review-list"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_session_without_the_second_factor_makes_tokens_a_two_factor_role_cannot_use(client, world, settings):
    client.force_login(world.member)  # no second factor in this session
    raw = TOKEN.findall(make_on_page(client).content.decode())[0]
    assert not ApiToken.objects.get(user=world.member).made_after_second_factor
    program = Client()  # a program has the token, not the person's session
    assert program.get(reverse("api:review-list"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    settings.SECOND_FACTOR_ROLES = ["member"]  # the rule changes: the token no longer does
    refused = program.get(reverse("api:review-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 401 and "second factor" in refused.json()["detail"]


def test_administrators_see_every_token_and_revoke_them(client, world):
    client.force_login(world.member)
    make_on_page(client, name="Member's report")
    client.force_login(world.agency_user)
    raw = TOKEN.findall(make_on_page(client, name="Police dashboard").content.decode())[0]
    client.force_login(world.admin)
    changelist = reverse("admin:api_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert "Member&#x27;s report" in page and "Police dashboard" in page
    assert "token_hash" not in client.get(reverse("admin:api_apitoken_change",
                                                  args=[ApiToken.objects.first().pk])).content.decode()
    police = ApiToken.objects.get(user=world.agency_user)
    client.post(changelist, {"action": "revoke", "_selected_action": [police.pk]})
    police.refresh_from_db()
    assert police.revoked_by == world.admin
    refused = Client().get(reverse("api:review-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert ApiToken.objects.get(user=world.member).revoked_at is None
    assert not client.get(reverse("admin:api_apitoken_add")).status_code == 200  # tokens are made by their owners


def test_the_docs_page_serves_swagger_ui_from_the_app_and_reads_the_schema(client, world):
    client.force_login(world.agency_user)
    page = client.get(reverse("api:docs")).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(src.startswith("/static/") for src in scripts)  # no CDN
    bundle = next(src for src in scripts if "swagger-ui-bundle" in src)
    assert finders.find(bundle.removeprefix("/static/"))
    assert f'data-schema-url="{reverse("api:schema")}"' in page
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/actions/" in schema.content.decode()
