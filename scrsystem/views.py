from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache


def home(request):
    # Agencies start from the actions they lead; everyone else (the chair first) from the dashboard.
    if request.user.is_agency_user:
        return redirect("actionplans:my_actions")
    return redirect("dashboard:index")


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
