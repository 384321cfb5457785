"""Personal API tokens (api.tokens, api.authentication, api.permissions): which are refused and why, in words;
that each refusal is in the security log and each use in the token's log; the rate limit; that only a token's
hash is kept; revoking. The tokens page itself (making and revoking through it) is tested elsewhere."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SecondFactorRule, SecurityEvent
from api import tokens
from api.models import ApiToken, ApiTokenUse
from tests import api_helpers, factories
from tests.api_helpers import bearer, make_token

REFUSED = SecurityEvent.Kind.API_TOKEN_REFUSED


def _reviews(client, raw, **extra):
    return client.get(reverse("api:review-list"), **bearer(raw), **extra)


def _refused(response, words):
    """401, with the reason in words and the scheme to use."""
    assert response.status_code == 401, response.content[:500]
    assert words in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- refusals --------------------------------------------------------------------------------------------------


def test_no_token_is_401_with_the_scheme_to_use(client, world):
    response = client.get(reverse("api:review-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"]


def test_a_session_is_not_a_token(client, world):
    """A person signed in on the pages still needs a token: no cookie is read (so no CSRF to guard)."""
    client.force_login(world.member)
    assert client.get(reverse("api:review-list")).status_code == 401


def test_an_unknown_token_is_refused(client, world):
    make_token(world.member)
    _refused(_reviews(client, tokens.PREFIX + "A" * 43), "This token is not one of ours")


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("Bearer", "Send one token"),
        ("Bearer scr_one scr_two", "Send one token"),
        ("Bearer not-a-token-of-ours", "This token is not one of ours"),
        ("Bearer scr_" + "x" * 200, "This token is not one of ours"),
        ("Bearer scr_caf\u00e9", "This token is not one of ours"),  # not UTF-8 once sent as Latin-1
    ],
)
def test_a_garbled_header_is_refused_in_words(client, world, header, words):
    response = client.get(reverse("api:review-list"), HTTP_AUTHORIZATION=header)
    _refused(response, words)


def test_a_garbled_copy_of_a_real_token_is_refused(client, world):
    _, raw = make_token(world.member)
    _refused(_reviews(client, raw[:-1]), "Check it was copied whole")
    _refused(_reviews(client, raw + "x"), "Check it was copied whole")
    assert _reviews(client, raw).status_code == 200


def test_a_revoked_token_is_refused(client, world):
    token, raw = make_token(world.member)
    assert tokens.revoke(token, actor=world.member)
    _refused(_reviews(client, raw), "This token was revoked")


def test_an_expired_token_is_refused_with_the_day_it_expired(client, world):
    token, raw = make_token(world.member, days=1)
    assert _reviews(client, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=datetime.datetime(2025, 3, 4, 12, tzinfo=datetime.UTC))
    _refused(_reviews(client, raw), "This token expired on 4 Mar 2025")


def test_the_token_of_an_inactive_account_is_refused(client, world):
    _, raw = make_token(world.agency_user)
    world.agency_user.is_active = False
    world.agency_user.save()
    _refused(_reviews(client, raw), "not active")


@pytest.mark.parametrize("role", ["admin", "consultant", "chair"])
def test_a_role_with_a_second_factor_may_use_only_tokens_made_after_it(client, world, settings, role):
    settings.SECOND_FACTOR_ROLES = ["admin", "consultant", "chair"]
    user = getattr(world, role)
    without, raw_without = make_token(user, second_factor=False)
    after, raw_after = make_token(user, second_factor=True)
    assert (without.made_after_second_factor, after.made_after_second_factor) == (False, True)
    _refused(_reviews(client, raw_without), "Your role signs in with a second factor")
    assert _reviews(client, raw_after).status_code == 200


def test_a_role_without_a_second_factor_may_use_a_token_made_without_one(client, world, settings):
    settings.SECOND_FACTOR_ROLES = ["admin", "consultant", "chair"]
    _, raw = make_token(world.member, second_factor=False)
    assert _reviews(client, raw).status_code == 200


def test_the_administrators_rule_for_a_role_counts_over_the_setting(client, world, settings):
    """A SecondFactorRule set in the admin site decides, whatever SECOND_FACTOR_ROLES says."""
    settings.SECOND_FACTOR_ROLES = []
    _, raw = make_token(world.member, second_factor=False)
    assert _reviews(client, raw).status_code == 200
    SecondFactorRule.objects.create(role=Role.MEMBER, required=True)
    _refused(_reviews(client, raw), "Your role signs in with a second factor")


def test_a_read_only_token_is_refused_every_write(client, world):
    _, raw = make_token(world.agency_user, scope="read")
    action = world.multi_action
    before = factories.db_state()
    response = client.post(
        reverse("api:action-progress", args=[action.pk]),
        {"status": "completed", "note": "Done.", "seen_status": action.status, "seen_changed_at": "never"},
        content_type="application/json", **bearer(raw),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == ("This token may only read. Make a token that may read and write to change "
                                         "anything.")
    assert factories.db_state() == before


# --- the security log and the use log --------------------------------------------------------------------------


def _refusal_cases(world):
    """(label, the raw token to send, the user the refusal names or None)."""
    revoked, raw_revoked = make_token(world.member, name="revoked")
    tokens.revoke(revoked, actor=world.member)
    expired, raw_expired = make_token(world.member, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    _, raw_inactive = make_token(world.other, name="inactive")
    world.other.is_active = False
    world.other.save()
    return {
        "unknown": (tokens.PREFIX + "B" * 43, None),
        "revoked": (raw_revoked, world.member),
        "expired": (raw_expired, world.member),
        "inactive": (raw_inactive, world.other),
    }


# Real commits (as in production, where the request's transaction is the outermost): a refusal must be logged
# even though the request itself is refused.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["unknown", "revoked", "expired", "inactive"])
def test_every_refused_token_is_in_the_security_log(client, world, case):
    raw, user = _refusal_cases(world)[case]
    before = set(SecurityEvent.objects.filter(kind=REFUSED).values_list("pk", flat=True))
    response = _reviews(client, raw, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 401
    events = SecurityEvent.objects.filter(kind=REFUSED).exclude(pk__in=before)
    assert [(e.user, e.ip_address, e.path) for e in events] == [(user, "203.0.113.9", reverse("api:review-list"))]
    assert raw not in events.get().detail


@pytest.mark.django_db(transaction=True)
def test_a_refused_token_is_logged_on_a_write_endpoint_too(client, world):
    """A write endpoint's refusals are logged like every other's."""
    response = client.post(reverse("api:evidence_submit", args=[world.multi_action.pk]), {"description": "x"},
                           **bearer(tokens.PREFIX + "C" * 43))
    assert response.status_code == 401
    assert SecurityEvent.objects.filter(kind=REFUSED).count() == 1


def test_every_use_is_logged_with_path_method_and_address(client, world):
    token, raw = make_token(world.agency_user)
    assert token.last_used_at is None
    url = reverse("api:action-list") + "?ordering=review"
    assert client.get(url, REMOTE_ADDR="198.51.100.4", **bearer(raw)).status_code == 200
    use = ApiTokenUse.objects.get(token=token)
    assert (use.method, use.path, use.ip_address) == ("GET", url, "198.51.100.4")
    token.refresh_from_db()
    assert token.last_used_from == "198.51.100.4"
    assert token.last_used_at == use.at
    assert timezone.now() - token.last_used_at < datetime.timedelta(minutes=1)


def test_a_write_is_logged_as_a_use(client, world):
    token, raw = make_token(world.agency_user)
    action = world.multi_action
    url = reverse("api:action-progress", args=[action.pk])
    response = client.post(url, {"status": "completed", "note": "Done.", "seen_status": action.status},
                           content_type="application/json", REMOTE_ADDR="198.51.100.5", **bearer(raw))
    assert response.status_code == 201
    assert list(ApiTokenUse.objects.filter(token=token).values_list("method", "path", "ip_address")) == [
        ("POST", url, "198.51.100.5")
    ]


@pytest.mark.parametrize(
    ("url_name", "obj", "status"),
    [("api:plan-detail", "police_plan", 404), ("api:action-detail", "police_action", 404),
     ("api:concern-list", None, 403)],
)
def test_a_use_that_is_refused_an_object_is_still_logged_and_counted(client, world, url_name, obj, status):
    """A request that meets a 403 or 404 is a use of the token all the same: it is in the token's log (and so
    counts towards the rate limit: probing for objects is not free)."""
    user = world.consultant if status == 403 else world.other
    token, raw = make_token(user)
    url = reverse(url_name, args=[getattr(world, obj).pk]) if obj else reverse(url_name)
    assert client.get(url, **bearer(raw)).status_code == status
    assert list(ApiTokenUse.objects.filter(token=token).values_list("method", "path")) == [("GET", url)]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_refused_token_is_not_logged_as_a_use(client, world):
    token, raw = make_token(world.member)
    tokens.revoke(token, actor=world.member)
    assert _reviews(client, raw).status_code == 401
    assert not ApiTokenUse.objects.filter(token=token).exists()
    token.refresh_from_db()
    assert token.last_used_at is None


# --- the rate limit --------------------------------------------------------------------------------------------


def test_the_request_over_the_rate_limit_is_429_with_retry_after(client, world, settings):
    settings.API_RATE_LIMIT = 3
    token, raw = make_token(world.member)
    assert [_reviews(client, raw).status_code for _ in range(3)] == [200, 200, 200]
    response = _reviews(client, raw)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["detail"].startswith("Request was throttled.")
    # Another token, even the same person's, has its own count.
    _, other_raw = make_token(world.member, name="Another program")
    assert _reviews(client, other_raw).status_code == 200
    # A minute later the token works again.
    ApiTokenUse.objects.filter(token=token).update(at=timezone.now() - datetime.timedelta(seconds=61))
    assert _reviews(client, raw).status_code == 200


def test_the_rate_limit_counts_writes_and_reads_together(client, world, settings):
    settings.API_RATE_LIMIT = 2
    _, raw = make_token(world.agency_user)
    action = world.multi_action
    response = client.post(reverse("api:action-progress", args=[action.pk]),
                           {"status": "in_progress", "note": "Started.", "seen_status": action.status},
                           content_type="application/json", **bearer(raw))
    assert response.status_code == 201
    assert _reviews(client, raw).status_code == 200
    assert _reviews(client, raw).status_code == 429


def test_requests_refused_an_object_count_towards_the_rate_limit(client, world, settings):
    """Probing for another agency's plans is limited like any other use."""
    settings.API_RATE_LIMIT = 3
    _, raw = make_token(world.other)
    url = reverse("api:plan-detail", args=[world.police_plan.pk])
    assert [client.get(url, **bearer(raw)).status_code for _ in range(3)] == [404, 404, 404]
    assert client.get(url, **bearer(raw)).status_code == 429


# --- how a token is kept, and revoked --------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_hash_and_a_short_prefix(world):
    token, raw = make_token(world.member)
    assert raw.startswith(tokens.PREFIX) and len(raw) == len(tokens.PREFIX) + 43
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["token_hash"] == tokens.hash_of(raw) != raw
    assert stored["prefix"] == raw[: tokens.SHOWN_CHARACTERS]
    assert not any(raw in str(value) for value in stored.values())
    # Nowhere in the database: not in the security log that records the making either.
    for model in apps.get_models():
        for row in model.objects.values():
            assert not any(raw in str(value) for value in row.values()), model.__name__
    # Shown once: nothing kept can give it back.
    fresh = ApiToken.objects.get(pk=token.pk)
    assert raw not in str(fresh) and raw not in repr(vars(fresh))


def test_each_token_is_new(world):
    raws = {make_token(world.member)[1] for _ in range(5)}
    assert len(raws) == 5
    assert ApiToken.objects.filter(user=world.member).count() == 5


def test_making_a_token_is_in_the_security_log(world):
    token, _ = make_token(world.member)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.API_TOKEN_MADE)
    assert event.user == world.member and token.prefix in event.detail


def test_revoking_is_conditional_and_a_revoked_token_stops_at_once(client, world):
    token, raw = make_token(world.agency_user)
    assert _reviews(client, raw).status_code == 200
    assert tokens.revoke(token, actor=world.admin) is True
    _refused(_reviews(client, raw), "This token was revoked")
    first = ApiToken.objects.get(pk=token.pk)
    assert first.revoked_by == world.admin and first.state == "revoked"
    assert tokens.revoke(token, actor=world.agency_user) is False
    second = ApiToken.objects.get(pk=token.pk)
    assert (second.revoked_at, second.revoked_by) == (first.revoked_at, world.admin)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN_REVOKED).count() == 1


def test_revoking_one_token_leaves_the_others_working(client, world):
    token, raw = make_token(world.member)
    _, other = make_token(world.member, name="Power BI")
    tokens.revoke(token, actor=world.member)
    assert _reviews(client, raw).status_code == 401
    assert _reviews(client, other).status_code == 200


def test_the_states_of_a_token(world):
    token, _ = make_token(world.member, days=1)
    assert token.state == "live" and token.is_live()
    assert not token.is_live(now=timezone.now() + datetime.timedelta(days=2))
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    assert token.state == "expired"


def test_the_schema_takes_a_token(client, world):
    _, raw = make_token(world.agency_user, scope="read")
    response = client.get(reverse("api:schema"), **bearer(raw))
    assert response.status_code == 200
    assert b"personalToken" in response.content
    assert api_helpers.detail(client.get(reverse("api:schema"))) == "Authentication credentials were not provided."
