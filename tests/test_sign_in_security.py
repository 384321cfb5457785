"""Sign-in is protected against brute force, sessions end, and security events are recorded."""

import datetime
import re
import time
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
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


def test_a_sign_in_to_the_attackers_own_account_does_not_reset_the_victims_count(client, world):
    # The attack that worked: 4 guesses at the consultant, then a real sign-in as the attacker's own account.
    assert fail(client, "consultant", 4).status_code == 200
    assert client.post(LOGIN, {"username": "police", "password": factories.PASSWORD}).status_code == 302
    client.logout()
    assert fail(client, "consultant", 1).status_code == 429  # the fifth guess, whatever happened in between
    locked = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOCKED_OUT)
    assert (locked.username, locked.ip_address) == ("consultant", "127.0.0.1")
    assert locked.detail.startswith("account and address")
    right = client.post(LOGIN, {"username": "consultant", "password": factories.PASSWORD})
    assert right.status_code == 429
    assert "signing in to this account from here is paused for 15 minutes" in right.content.decode()


def test_the_owners_own_sign_in_clears_only_their_own_failures(client, world):
    fail(client, "chair", 4)
    fail(client, "consultant", 4)
    assert client.post(LOGIN, {"username": "chair", "password": factories.PASSWORD}).status_code == 302
    client.logout()
    assert fail(client, "chair", 4).status_code == 200  # the chair's count started again
    assert fail(client, "consultant", 1).status_code == 429  # the consultant's did not


def test_a_strangers_failures_never_lock_the_owner_out_from_their_own_address(client, world):
    stranger = {"REMOTE_ADDR": "203.0.113.5"}
    assert fail(client, "chair", 5, **stranger).status_code == 429
    assert client.post(LOGIN, {"username": "chair", "password": factories.PASSWORD}, **stranger).status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert owner.post(LOGIN, {"username": "chair", "password": factories.PASSWORD}).status_code == 302


def test_an_address_trying_many_accounts_is_throttled_on_its_own(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):  # three guesses at each of four accounts: no pair reaches five
        fail(client, ["a", "b", "c", "d"][n % 4], 1)
    response = client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "signing in from here is paused for 15 minutes" in response.content.decode()
    locked = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOCKED_OUT)
    assert (locked.username, locked.ip_address) == ("member", "127.0.0.1")
    assert locked.detail.startswith("address")
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(LOGIN, {"username": "member", "password": factories.PASSWORD}).status_code == 302


def test_a_successful_sign_in_does_not_lift_the_address_limit(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for name in ["a", "b", "c", "d"]:
        fail(client, name, 2)
    assert client.post(LOGIN, {"username": "police", "password": factories.PASSWORD}).status_code == 429
    assert fail(client, "e", 1).status_code == 429


def test_a_spoofed_x_forwarded_for_does_not_dodge_the_lock(client, world):
    for n in range(5):
        fail(client, "member", 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
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


RESET = "/accounts/password/reset/"


@pytest.fixture
def reset_tasks(world):
    """Reset requests as a worker would see them: the task is enqueued after the commit and run here."""
    world.member.email = "member@example.org"
    world.member.save()
    with mock.patch.object(tasks.send_password_reset, "delay") as delay:
        yield delay


def run_reset_tasks(delay):
    for call in delay.call_args_list:
        tasks.send_password_reset.apply(args=call.args)


@pytest.mark.parametrize("email", ["member@example.org", "nobody@example.org"])
def test_password_reset_reveals_nothing_about_whether_an_account_exists(
    client, reset_tasks, email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    page = client.get(response["Location"]).content.decode()
    assert "If that address belongs to an account" in page
    reset_tasks.assert_called_once_with(email)
    assert mail.outbox == []  # nothing is sent in the request
    run_reset_tasks(reset_tasks)
    assert len(mail.outbox) == (1 if email.startswith("member") else 0)


def shape(sql):
    tables = re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)
    return sql.split()[0], tables


def test_the_reset_request_does_the_same_work_for_known_and_unknown_addresses(client, reset_tasks):
    queries = {}
    for email in ["member@example.org", "nobody@example.org"]:
        with CaptureQueriesContext(connection) as captured:
            client.post(RESET, {"email": email})
        # Each statement as its kind and table, e.g. ('INSERT', 'accounts_securityevent').
        queries[email] = [shape(q["sql"]) for q in captured.captured_queries]
        assert not any("accounts_user" in sql for sql in queries[email]), "the request looked the address up"
    assert queries["member@example.org"] == queries["nobody@example.org"]


def test_a_reset_link_is_built_from_site_url_never_from_the_host_header(client, reset_tasks, settings):
    settings.ALLOWED_HOSTS = ["*"]  # even where a host header gets through
    settings.SITE_URL = "https://scr.example.org"
    with mock.patch.object(tasks.send_password_reset, "delay_on_commit", tasks.send_password_reset.delay):
        client.post(RESET, {"email": "member@example.org"}, HTTP_HOST="evil.example")
    run_reset_tasks(reset_tasks)
    body = mail.outbox[0].body
    assert "https://scr.example.org/accounts/password/reset/" in body
    assert "evil.example" not in body


def test_one_address_may_ask_for_three_resets_an_hour(client, reset_tasks):
    for n in range(3):
        assert client.post(RESET, {"email": f"person{n}@example.org"}).status_code == 302
    refused = client.post(RESET, {"email": "member@example.org"})
    assert refused.status_code == 429
    assert "Too many reset requests" in refused.content.decode()
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(RESET, {"email": "member@example.org"}).status_code == 302
    SecurityEvent.objects.update(at=timezone.now() - datetime.timedelta(minutes=61))
    assert client.post(RESET, {"email": "member@example.org"}).status_code == 302  # an hour later


def test_one_account_gets_at_most_three_reset_emails_an_hour_from_anywhere(reset_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            response = Client(REMOTE_ADDR=f"203.0.113.{n}").post(RESET, {"email": "Member@Example.org"})
            assert response.status_code == 302  # answered the same way: nothing said about the account
    assert reset_tasks.call_count == 3
    not_sent = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED).exclude(detail="")
    assert not_sent.count() == 2
    assert {event.username for event in not_sent} == {"member@example.org"}


def test_a_reset_link_sets_a_new_password_once(client, reset_tasks):
    client.post(RESET, {"email": "member@example.org"})
    tasks.send_password_reset.apply(args=["member@example.org"])
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split(settings.SITE_URL, 1)[1]
    form_page = client.get(path, follow=True)
    new = "another long passphrase for scrsystem"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.post(LOGIN, {"username": "member", "password": new}).status_code == 302
    assert "has been used already" in client.get(path, follow=True).content.decode()
