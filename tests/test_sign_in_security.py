"""Sign-in is protected against brute force, sessions end, and security events are recorded."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent
from tests import factories

LOGIN = "/accounts/login/"


def fail(client, username, times, **extra):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password"}, **extra)
    return response


def test_five_failures_for_an_account_lock_it_for_the_cool_off_with_429(client, world):
    assert fail(client, "member", 4).status_code == 200
    assert fail(client, "member", 1).status_code == 429
    right = client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    assert right.status_code == 429
    assert "Too many sign-in attempts" in right.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, username="member").exists()


def test_the_lock_ends_after_the_cool_off_so_a_real_user_is_never_locked_out_for_good(client, world):
    fail(client, "member", 5)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    response = client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    assert response.status_code == 302


def test_five_failures_from_one_address_lock_that_address_whatever_the_usernames(client, world):
    for name in ["a", "b", "c", "d", "e"]:
        fail(client, name, 1)
    response = client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    assert response.status_code == 429


def test_a_spoofed_x_forwarded_for_does_not_dodge_the_address_lock(client, world):
    for n, name in enumerate(["a", "b", "c", "d", "e"]):
        fail(client, name, 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = client.post(
        LOGIN, {"username": "member", "password": factories.PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 429
    assert set(SecurityEvent.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_configured_proxy_the_forwarded_address_is_the_clients(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    fail(client, "nobody", 1, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGN_IN_FAILED)
    assert event.ip_address == "203.0.113.9"


def test_sign_ins_and_failures_are_recorded_without_the_password(client, world):
    client.post(LOGIN, {"username": "member", "password": "my-secret-guess-123"})
    client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [SecurityEvent.Kind.SIGN_IN_FAILED, SecurityEvent.Kind.SIGNED_IN]
    for event in SecurityEvent.objects.values():
        assert "my-secret-guess-123" not in str(event)
        assert factories.PASSWORD not in str(event)
        assert client.session.session_key not in str(event)


def test_an_access_refusal_is_recorded_with_user_and_address(client, world):
    client.force_login(world.other)
    assert client.get(world.police_action.get_absolute_url()).status_code == 404
    client.force_login(world.chair)
    assert client.get(reverse("reviews:edit", args=[world.review.pk])).status_code == 403
    refusals = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_REFUSED).order_by("id")
    assert [(e.user, e.path, e.detail) for e in refusals] == [
        (world.other, world.police_action.get_absolute_url(), "404 GET"),
        (world.chair, reverse("reviews:edit", args=[world.review.pk]), "403 GET"),
    ]
    assert refusals[0].ip_address == "127.0.0.1"


def _age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_a_session_ends_after_30_idle_minutes(client, world):
    client.force_login(world.member)
    assert client.get("/reviews/").status_code == 200
    _age_session(client, last_seen=31 * 60)
    response = client.get("/reviews/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/reviews/").status_code == 302  # really signed out
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_EXPIRED, user=world.member).exists()


def test_an_active_session_still_ends_12_hours_after_sign_in(client, world):
    client.force_login(world.member)
    client.get("/reviews/")
    _age_session(client, signed_in_at=12 * 3600 + 60, last_seen=10)
    assert client.get("/reviews/").status_code == 302


def test_changing_the_password_ends_the_users_other_sessions(world):
    laptop, tablet = Client(), Client()
    for device in (laptop, tablet):
        device.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
        assert device.get("/reviews/").status_code == 200
    new = "a brand new passphrase for the board"
    response = laptop.post(
        "/accounts/password/", {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert laptop.get("/reviews/").status_code == 200
    assert tablet.get("/reviews/").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=world.member).exists()


@pytest.mark.parametrize("email", ["member@example.org", "nobody@example.org"])
def test_password_reset_reveals_nothing_about_whether_an_account_exists(client, world, email):
    world.member.email = "member@example.org"
    world.member.save()
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    page = client.get(response["Location"]).content.decode()
    assert "If that address belongs to an account" in page
    assert len(mail.outbox) == (1 if email.startswith("member") else 0)


def test_a_reset_link_sets_a_new_password_once(client, world):
    world.member.email = "member@example.org"
    world.member.save()
    client.post("/accounts/password/reset/", {"email": "member@example.org"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    new = "another long passphrase for scrsystem"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.post(LOGIN, {"username": "member", "password": new}).status_code == 302
    assert "has been used already" in client.get(path, follow=True).content.decode()
