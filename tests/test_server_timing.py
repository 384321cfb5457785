"""SERVER_TIMING: a Server-Timing header with the request's CPU and wall time, only when the setting is on."""

import re

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import Client

from accounts.models import Role
from scrsystem import middleware
from tests import factories

HEADER = re.compile(r"^cpu;dur=(\d+\.\d), app;dur=(\d+\.\d)$")


def answers(user):
    """A page for a signed-in person, a missing page and /healthz/, each from a client made now (which loads the
    middleware chain with the settings in force)."""
    client = Client()
    client.force_login(user)
    return [client.get("/actions/"), client.get("/no-such-page/"), client.get("/healthz/")]


@pytest.mark.django_db
def test_every_answer_is_timed_when_server_timing_is_on(settings):
    settings.SERVER_TIMING = True
    responses = answers(factories.user(role=Role.MEMBER))
    assert [r.status_code for r in responses] == [200, 404, 200]
    for response in responses:
        cpu, wall = (float(n) for n in HEADER.match(response["Server-Timing"]).groups())
        assert 0 <= cpu
        assert 0 < wall


@pytest.mark.django_db
def test_nothing_is_timed_or_told_when_server_timing_is_off(settings):
    settings.SERVER_TIMING = False
    for response in answers(factories.user(role=Role.MEMBER)):
        assert "Server-Timing" not in response
        assert "dur=" not in str(response.headers)
    # Django drops the middleware from the chain: nothing is timed at all.
    with pytest.raises(MiddlewareNotUsed):
        middleware.ServerTimingMiddleware(lambda request: HttpResponse())


def test_the_header_is_the_thread_cpu_and_the_wall_time_in_milliseconds(settings, monkeypatch, rf):
    settings.SERVER_TIMING = True
    cpu = iter([10.0, 10.2504])
    wall = iter([100.0, 100.75])
    monkeypatch.setattr(middleware.time, "thread_time", lambda: next(cpu))
    monkeypatch.setattr(middleware.time, "perf_counter", lambda: next(wall))
    response = middleware.ServerTimingMiddleware(lambda request: HttpResponse("page"))(rf.get("/"))
    assert response["Server-Timing"] == "cpu;dur=250.4, app;dur=750.0"
    assert response.content == b"page"
