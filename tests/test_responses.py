"""What every response says about caching, and how a refusal is logged (issue 11, "Responses and text")."""

import logging

import pytest
from django.urls import reverse

from tests import evidence_samples as samples


def _no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_every_signed_in_page_and_export_answers_no_store(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.member)
    paths = [
        "/",
        "/reviews/",
        reverse("reviews:detail", args=[world.review.pk]),
        "/actions/",
        world.multi_action.get_absolute_url(),
        reverse("actionplans:action_edit", args=[world.multi_action.pk]),
        "/dashboard/",
        reverse("dashboard:export_csv"),
        reverse("dashboard:export_xlsx"),
        reverse("dashboard:report"),
        reverse("evidence:detail", args=[item.pk]),
        reverse("evidence:download", args=[item.pk]),
        reverse("reminders:preferences"),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in {200, 302}, path
        assert _no_store(response), (path, response.get("Cache-Control"))


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz/"])
def test_pages_before_sign_in_are_not_stored_either(client, db, path):
    assert _no_store(client.get(path))


def test_refusals_are_not_stored(client, world):
    client.force_login(world.chair)
    assert _no_store(client.get(reverse("reviews:edit", args=[world.review.pk])))


def test_a_403_is_logged_as_one_line_with_who_and_what(client, world, caplog):
    client.force_login(world.chair)
    path = reverse("reviews:edit", args=[world.review.pk])
    with caplog.at_level(logging.INFO):
        response = client.get(path)
    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1, [r.getMessage() for r in refusals]
    line = refusals[0]
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert line.getMessage() == f"Forbidden: GET {path} refused to chair (chair) from 127.0.0.1"
