"""Middleware of the project as a whole (the apps keep their own in their middleware.py)."""

import logging
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404
from django.shortcuts import render
from django.urls import get_resolver, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from evidence.storage import StorageUnavailable

logger = logging.getLogger(__name__)


class ServerTimingMiddleware:
    """With SERVER_TIMING on, every answer carries ``Server-Timing: cpu;dur=<ms>, app;dur=<ms>``: the CPU time the
    request's thread spent in Django (every middleware, the view and the template; not PostgreSQL's, nor the time
    waiting for it) and the wall time from first middleware to last. The load benchmark reads it per page (README
    "Load"). ``time.thread_time`` is the thread's own CPU, so it stays right under gunicorn's threaded workers, where
    the process's CPU would count the other threads' requests too. A streamed answer's body is produced after it
    returns, so is not counted.

    With SERVER_TIMING off (the default) Django drops this middleware when it loads the chain: no header, and
    nothing timed. Timings help an attacker (a sign-in that checks a password takes longer), so keep it off in
    production."""

    def __init__(self, get_response):
        if not settings.SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        cpu, wall = time.thread_time(), time.perf_counter()
        response = self.get_response(request)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        response["Server-Timing"] = f"cpu;dur={cpu * 1000:.1f}, app;dur={wall * 1000:.1f}"
        return response


class FriendlyNotFoundMiddleware:
    """The project's 404 page (templates/404.html) with DEBUG on too, as `make run` has it, instead of Django's
    technical page that lists every URL pattern. TECHNICAL_404=true brings the technical page back.

    With DEBUG off Django renders the project's page by itself, and this does nothing. A 404 comes two ways: a
    view raises Http404 (process_exception), or no URL pattern matches, which Django answers before any
    middleware sees an exception, so it is recognised by the request having no resolved view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and self._active() and request.resolver_match is None:
            return self._not_found(request, Http404(request.path))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and self._active():
            return self._not_found(request, exception)
        return None

    @staticmethod
    def _active():
        return settings.DEBUG and not settings.TECHNICAL_404

    @staticmethod
    def _not_found(request, exception):
        return get_resolver().resolve_error_handler(404)(request, exception)


class StorageUnavailableMiddleware:
    """The evidence storage not answering (evidence.storage.StorageUnavailable: a bucket unreachable, a disk gone)
    is a 503 page saying nothing was saved, not a server error. The request's transaction was rolled back before
    this runs (ATOMIC_REQUESTS), and a file stored before the failure was removed (evidence.services.store_then),
    so the page is true. Logged with the cause for the administrator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, StorageUnavailable):
            return None
        logger.error("%s %s: the evidence storage is unavailable: %s", request.method, request.path, exception)
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
            back = reverse("home")
        response = render(request, "storage_unavailable.html", {"back": back}, status=503)
        response["Retry-After"] = "60"
        return response
