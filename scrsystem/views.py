from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from actionplans import rules
from dashboard import home as dashboard_home


def home(request):
    """Each person's work, by role (dashboard.home): what to do next, each list linked to all of it."""
    context = {"home": dashboard_home.home_of(request), "shown": dashboard_home.SHOWN, "today": rules.today()}
    return render(request, "dashboard/home.html", context)


@never_cache
@login_not_required
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers a query, 503 when it does not. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@transaction.non_atomic_requests
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to: send them to the icon among the static files."""
    return redirect(static("favicon.svg"))
