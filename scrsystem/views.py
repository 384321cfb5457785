import logging
import os
import secrets

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from actionplans import rules
from dashboard import home as dashboard_home
from evidence import storage

logger = logging.getLogger(__name__)

#: Seconds each service of /healthz/?full=1 has to answer: a load balancer's probe must not hang.
HEALTH_TIMEOUT = 2


def home(request):
    """Each person's work, by role (dashboard.home): what to do next, each list linked to all of it."""
    context = {"home": dashboard_home.home_of(request), "shown": dashboard_home.SHOWN, "today": rules.today()}
    return render(request, "dashboard/home.html", context)


@never_cache
@login_not_required
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers a query, 503 when it does not. With ``?full=1`` (for a load balancer or a
    monitor) also the Celery broker, the evidence storage and, when CACHE_URL shares one, the cache: each has its
    own status, and one down makes the answer 503. Reveals nothing but "ok" or "unavailable"."""
    checks = {"database": _database_answers}
    if request.GET.get("full") == "1":
        checks.update(broker=_broker_answers, storage=storage.check)
        if settings.CACHE_URL:
            checks["cache"] = _cache_answers
    result = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.warning("Health check: the %s is unavailable", name, exc_info=True)
            result[name] = "unavailable"
        else:
            result[name] = "ok"
    healthy = all(status == "ok" for status in result.values())
    return JsonResponse({"status": "ok" if healthy else "error", **result}, status=200 if healthy else 503)


def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_answers():
    """The Celery broker: Redis answers PING within the timeout; the embedded one's queue folder can be written."""
    url = settings.CELERY_BROKER_URL
    if url == "filesystem://":
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OSError(f"{folder} cannot be written")
        return
    client = redis.Redis.from_url(url, socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def _cache_answers():
    """The shared cache (CACHE_URL): a value written can be read back."""
    probe = secrets.token_hex(8)
    cache.set("healthz", probe, 30)
    if cache.get("healthz") != probe:
        raise RuntimeError("the cache did not give back what was written")


@login_not_required
@transaction.non_atomic_requests
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to: send them to the icon among the static files."""
    return redirect(static("favicon.svg"))


def bad_request(request, exception=None):
    """A request Django refuses before any view (a body it will not parse, e.g. too many files or fields): the REST
    API answers in JSON, as it answers everything; pages get Django's own 400 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "The request could not be read: too many fields or files, or a body that "
                                       "is not well formed."}, status=400)
    return defaults.bad_request(request, exception)
