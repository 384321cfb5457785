"""The favicon is the app's own, and a missing page is the friendly 404 page with DEBUG on too, unless
TECHNICAL_404 asks for Django's technical one (issue 12)."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from accounts.models import SecurityEvent

TECHNICAL_MARKS = ("Using the URLconf defined in", "Django tried these URL patterns", "Raised by:")


def is_technical(response):
    html = response.content.decode()
    return any(mark in html for mark in TECHNICAL_MARKS)


# --- favicon ---------------------------------------------------------------------------------------------------


def test_favicon_ico_sends_browsers_to_the_apps_own_icon_without_signing_in(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    icon = finders.find("favicon.svg")
    assert icon is not None
    with open(icon, encoding="utf-8") as svg:
        assert svg.read().lstrip().startswith("<svg")


def test_every_page_links_the_icon_instead_of_an_empty_one(client, world):
    for path in ("/accounts/login/", "/reviews/"):
        if path == "/reviews/":
            client.force_login(world.member)
        html = client.get(path).content.decode()
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html, path
        assert 'href="data:,"' not in html, path


# --- 404 ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.TECHNICAL_404 = False
    return settings


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_url_that_matches_nothing_shows_the_friendly_page_with_debug_on(client, world, debug, signed_in):
    if signed_in:
        client.force_login(world.member)
    response = client.get("/no-such-page/at-all/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert "Page not found" in response.content.decode()
    assert not is_technical(response)


def test_an_object_that_does_not_exist_shows_the_friendly_page_with_debug_on_and_is_still_logged(client, world, debug):
    client.force_login(world.member)
    response = client.get(reverse("reviews:detail", args=[999999]))
    assert response.status_code == 404
    assert "There is nothing here, or nothing you are allowed to see." in response.content.decode()
    assert not is_technical(response)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_REFUSED, user=world.member,
                                        detail="404 GET").exists()


def test_another_agencys_plan_is_the_same_friendly_404_with_debug_on(client, world, debug):
    client.force_login(world.other)
    response = client.get(reverse("actionplans:plan_detail", args=[world.police_plan.pk]))
    assert response.status_code == 404
    assert not is_technical(response)
    assert "Page not found" in response.content.decode()


def test_technical_404_true_brings_back_djangos_technical_page(client, world, debug):
    debug.TECHNICAL_404 = True
    client.force_login(world.member)
    unmatched = client.get("/no-such-page/at-all/")
    assert unmatched.status_code == 404
    assert "Django tried these URL patterns" in unmatched.content.decode()
    raised = client.get(reverse("reviews:detail", args=[999999]))
    assert raised.status_code == 404
    assert is_technical(raised)


def test_with_debug_off_the_friendly_page_is_djangos_own_choice(client, world, settings):
    settings.DEBUG = False
    settings.TECHNICAL_404 = True  # means nothing without DEBUG: production never shows the technical page
    client.force_login(world.member)
    response = client.get("/no-such-page/at-all/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert not is_technical(response)


def test_a_missing_slash_is_still_added_with_debug_on(client, world, debug):
    client.force_login(world.member)
    response = client.get("/reviews")
    assert response.status_code == 301
    assert response["Location"] == "/reviews/"
