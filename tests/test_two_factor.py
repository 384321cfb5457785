"""Two-factor sign-in: required roles cannot reach review data, or the admin site, without a code."""

import os
import subprocess
import sys

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, SecondFactorRule, SecurityEvent
from tests import factories
from tests.production import production_env

LOGIN = "/accounts/login/"


def current_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device):
    return "000000" if current_code(device) != "000000" else "111111"


def forget_failures(device):
    # A wrong code starts django-otp's throttle; the test's next, right code must not wait for it.
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def sign_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def required_for_chair(settings):
    settings.SECOND_FACTOR_ROLES = ["chair", "admin"]


def test_a_required_role_without_an_authenticator_reaches_no_review_data(client, world, required_for_chair):
    sign_in(client, "chair")
    for path in ["/reviews/", f"/reviews/{world.review.pk}/", "/actions/", world.multi_action.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/two-factor/setup/"), path


def test_the_admin_site_needs_the_second_factor_too(client, world, required_for_chair):
    sign_in(client, "admin")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_linking_an_authenticator_opens_the_way(client, world, required_for_chair):
    sign_in(client, "chair")
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=world.chair, confirmed=False)
    wrong = client.post("/accounts/two-factor/setup/", {"token": wrong_code(device)})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert client.get("/reviews/").status_code == 302
    forget_failures(device)
    done = client.post("/accounts/two-factor/setup/", {"token": current_code(device), "next": "/reviews/"})
    # The recovery codes, shown this once (tests/test_recovery_codes.py), then on to where the person was going.
    assert done.status_code == 200 and 'href="/reviews/"' in done.content.decode()
    assert client.get("/reviews/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SECOND_FACTOR_ADDED, user=world.chair).exists()


def test_a_user_with_an_authenticator_enters_a_code_at_each_sign_in(client, world):
    device = TOTPDevice.objects.create(user=world.member, name="phone", confirmed=True)
    sign_in(client, "member")
    assert client.get("/reviews/")["Location"].startswith("/accounts/two-factor/verify/")
    assert client.post("/accounts/two-factor/verify/", {"token": wrong_code(device)}).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED, user=world.member).exists()
    assert client.get("/reviews/").status_code == 302
    forget_failures(device)
    assert client.post("/accounts/two-factor/verify/", {"token": current_code(device)}).status_code == 302
    assert client.get("/reviews/").status_code == 200


def test_an_administrator_can_require_it_for_a_role(client, world):
    SecondFactorRule.objects.create(role=Role.MEMBER, required=True)
    sign_in(client, "member")
    assert client.get("/reviews/")["Location"].startswith("/accounts/two-factor/setup/")


def test_an_administrator_rule_can_also_lift_the_default(client, world, required_for_chair):
    SecondFactorRule.objects.create(role=Role.CHAIR, required=False)
    sign_in(client, "chair")
    assert client.get("/reviews/").status_code == 200


def test_production_defaults_require_it_for_admins_consultants_and_the_chair(tmp_path):
    env = {**os.environ, **production_env(), "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "scrsystem.settings"}
    code = "import django; django.setup(); from django.conf import settings as s; print(sorted(s.SECOND_FACTOR_ROLES))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "['admin', 'chair', 'consultant']", out.stderr
