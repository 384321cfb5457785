"""Recovery codes for two-factor sign-in (accounts.two_factor): made when the app is linked and shown once, each
usable once (also when two sign-ins give the same code at once), made anew only by someone signed in with their
second factor who gives their password again, every making and use in the security log."""

import re
import threading

import pytest
from django.db import connection
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import SecurityEvent
from tests import factories
from tests.test_races import concurrent_db  # noqa: F401 - a fixture
from tests.test_two_factor import current_code, forget_failures, sign_in

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
RECOVERY = "/accounts/two-factor/recovery/"
NEW_CODES = "/accounts/two-factor/recovery-codes/"


def codes_on(page):
    return re.findall(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>", page)


def events(kind, user):
    return list(SecurityEvent.objects.filter(kind=kind, user=user).values_list("detail", flat=True))


@pytest.fixture
def linked(client, world):
    """The member links an authenticator app through the set-up page: (the codes the page showed, the device)."""
    sign_in(client, "member")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.member, confirmed=False)
    page = client.post(SETUP, {"token": current_code(device), "next": "/reviews/"})
    assert page.status_code == 200
    codes = codes_on(page.content.decode())
    client.logout()
    return codes, device


def test_linking_the_app_shows_ten_codes_once(client, world):
    sign_in(client, "member")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.member, confirmed=False)
    page = client.post(SETUP, {"token": current_code(device), "next": "/reviews/"})
    text = page.content.decode()
    codes = codes_on(text)
    assert len(codes) == len(set(codes)) == two_factor.RECOVERY_CODES == 10
    assert "This is the only time they are shown" in text
    assert 'href="/reviews/"' in text
    assert "no-store" in page["Cache-Control"]
    stored = set(StaticToken.objects.filter(device__user=world.member).values_list("token", flat=True))
    assert stored == {code.replace(" ", "") for code in codes}
    assert events(SecurityEvent.Kind.RECOVERY_CODES_MADE, world.member) == ["10 codes"]
    # Nowhere again: the password page says how many are left, not what they are.
    later = client.get("/accounts/password/").content.decode()
    assert "10 recovery codes" in later and not any(code in later for code in codes)


def test_a_recovery_code_signs_in_once(client, world, linked):
    codes, _ = linked
    sign_in(client, "member")
    assert client.get("/reviews/")["Location"].startswith(VERIFY)
    assert RECOVERY in client.get(VERIFY).content.decode()
    used = client.post(RECOVERY, {"code": codes[3].upper().replace(" ", "-"), "next": "/reviews/"})
    assert used.status_code == 302 and used["Location"] == "/reviews/"
    assert client.get("/reviews/").status_code == 200
    assert two_factor.codes_left(world.member) == 9
    assert events(SecurityEvent.Kind.RECOVERY_CODE_USED, world.member) == ["9 codes left"]

    client.logout()
    sign_in(client, "member")
    again = client.post(RECOVERY, {"code": codes[3]})
    assert again.status_code == 200
    assert "has been used already" in again.content.decode()
    assert client.get("/reviews/").status_code == 302
    assert events(SecurityEvent.Kind.SECOND_FACTOR_FAILED, world.member) == ["recovery code"]
    assert two_factor.codes_left(world.member) == 9


def test_wrong_codes_are_throttled_like_the_apps(client, world, linked):
    codes, _ = linked
    sign_in(client, "member")
    assert client.post(RECOVERY, {"code": "aaaa aaaa"}).status_code == 200
    # django-otp's throttle now makes the next try wait, right code or not; nothing is used up meanwhile.
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 200
    assert two_factor.codes_left(world.member) == 10
    forget_failures(StaticDevice.objects.get(user=world.member))
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 302


def test_new_codes_need_the_second_factor_and_the_password_again(client, world, linked):
    codes, _ = linked
    sign_in(client, "member")
    # Signed in with the password only: the page (under the two-factor prefix the middleware lets through) refuses.
    refused = client.get(NEW_CODES)
    assert refused.status_code == 302 and refused["Location"].startswith(VERIFY)
    assert client.post(NEW_CODES, {"password": factories.PASSWORD}).status_code == 302
    assert two_factor.codes_left(world.member) == 10

    # Verified (with a recovery code: the app's current code was used at set-up, and django-otp takes each once).
    assert client.post(RECOVERY, {"code": codes[5]}).status_code == 302
    codes = codes[:5] + codes[6:]
    wrong = client.post(NEW_CODES, {"password": "not the password"})
    assert wrong.status_code == 200 and "Nothing was changed" in wrong.content.decode()
    assert set(StaticToken.objects.filter(device__user=world.member).values_list("token", flat=True)) == {
        code.replace(" ", "") for code in codes
    }
    assert two_factor.codes_left(world.member) == 9
    made = client.post(NEW_CODES, {"password": factories.PASSWORD})
    new = codes_on(made.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    assert "Your earlier codes no longer work" in made.content.decode()
    assert events(SecurityEvent.Kind.RECOVERY_CODES_MADE, world.member) == ["10 codes", "10 codes"]

    client.logout()
    sign_in(client, "member")
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 200  # an old one
    forget_failures(StaticDevice.objects.get(user=world.member))
    assert client.post(RECOVERY, {"code": new[0]}).status_code == 302


def test_an_administrator_resetting_the_app_leads_to_new_codes(client, world, linked, settings):
    codes, device = linked
    settings.SECOND_FACTOR_ROLES = ["member"]
    TOTPDevice.objects.filter(user=world.member).delete()  # what the admin site's delete does
    sign_in(client, "member")
    # Codes without an app are no way in: the person links a new app, which replaces them.
    assert client.get("/reviews/")["Location"].startswith(SETUP)
    assert client.get(RECOVERY)["Location"].startswith(SETUP)
    client.get(SETUP)
    fresh = TOTPDevice.objects.get(user=world.member, confirmed=False)
    page = client.post(SETUP, {"token": current_code(fresh)})
    new = codes_on(page.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    assert StaticDevice.objects.filter(user=world.member).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_code_given_by_two_sign_ins_at_once_works_once(concurrent_db):  # noqa: F811
    member = factories.user("member", username="racer")
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    for attempt in range(8):
        code = two_factor.new_recovery_codes(member)[0]
        device = two_factor.recovery_device(member)
        barrier = threading.Barrier(2)
        results = []

        def use(device=device, code=code, barrier=barrier, results=results):
            try:
                connection.ensure_connection()
                barrier.wait(timeout=30)
                results.append(two_factor.use_recovery_code(type(device).objects.get(pk=device.pk), code))
            finally:
                connection.close()

        threads = [threading.Thread(target=use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results) == [False, True], (attempt, results)
        assert two_factor.codes_left(member) == 9
