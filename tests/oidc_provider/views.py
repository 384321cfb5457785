"""The provider's own pages: a home page (where logout without post_logout_redirect_uri lands) and /control/, the
JSON API through which tests/oidc.py creates users and clients (POST, ``Authorization: Bearer <control token>``)."""

import hmac
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model

from tests.oidc_provider.models import ClientBehaviour, UserClaims


def home(request):
    who = f"Signed in as {request.user.get_username()}." if request.user.is_authenticated else "Not signed in."
    return HttpResponse(
        f"<!DOCTYPE html><html lang='en'><head><title>Test OIDC provider</title></head>"
        f"<body><h1>Test OIDC provider</h1><p>{who}</p></body></html>"
    )


def _control(view):
    """POST only, no CSRF, the control token required (404 without one configured or given), JSON in and out."""

    @csrf_exempt
    @require_POST
    def wrapped(request):
        expected = settings.CONTROL_TOKEN
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise Http404
        try:
            data = json.loads(request.body)
        except ValueError:
            return JsonResponse({"error": "The body is not JSON."}, status=400)
        try:
            with transaction.atomic():
                return JsonResponse(view(data))
        except (KeyError, TypeError, ValueError) as error:
            return JsonResponse({"error": f"Bad request: {error!r}"}, status=400)
        except ValidationError as error:
            return JsonResponse({"error": error.messages}, status=400)

    return wrapped


@_control
def control_users(data):
    """Create or update a user and their claims: username, email, password, email_verified, amr, acr."""
    user, _ = get_user_model().objects.get_or_create(username=data["username"])
    user.email = data["email"]
    user.is_active = True
    user.set_password(data["password"])
    user.save()
    UserClaims.objects.update_or_create(
        user=user,
        defaults={
            "email_verified": bool(data.get("email_verified", True)),
            "amr": list(data.get("amr", ["pwd"])),
            "acr": data.get("acr") or "",
        },
    )
    return {"sub": str(user.pk), "username": user.username, "email": user.email}


@_control
def control_clients(data):
    """Create or update a confidential authorization-code client signing with RS256, with no consent page."""
    Application = get_application_model()
    application = Application.objects.filter(client_id=data["client_id"]).first() or Application(
        client_id=data["client_id"]
    )
    application.name = data["client_id"]
    application.client_secret = data["client_secret"]
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = True
    application.redirect_uris = " ".join(data["redirect_uris"])
    application.post_logout_redirect_uris = " ".join(data.get("post_logout_redirect_uris") or [])
    application.clean()
    application.save()
    misbehave = data.get("misbehave") or ""
    if misbehave not in {"", *ClientBehaviour.Misbehaviour.values}:
        raise ValueError(f"misbehave must be None or one of {ClientBehaviour.Misbehaviour.values}")
    ClientBehaviour.objects.update_or_create(application=application, defaults={"misbehave": misbehave})
    return {
        "client_id": application.client_id,
        "redirect_uris": application.redirect_uris.split(),
        "post_logout_redirect_uris": application.post_logout_redirect_uris.split(),
        "misbehave": misbehave or None,
    }
