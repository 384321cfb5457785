"""The pages around the REST API: a person's own tokens (made, listed, revoked), the schema and its docs."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from accounts import two_factor
from api import tokens
from api.authentication import BearerTokenAuthentication
from api.forms import TokenForm
from api.models import ApiToken


def _tokens_page(request, form, made=None, status=200):
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user).select_related("revoked_by"),
        "made": made,
        "needs_second_factor": two_factor.is_required(request.user),
        "rate_limit": settings.API_RATE_LIMIT,
    }
    return render(request, "api/tokens.html", context, status=status)


#: Where a new token waits in the session for the page that shows it, once (then it is gone from there too).
MADE = "api_token_made"


@require_http_methods(["GET", "POST"])
def tokens_page(request):
    """The person's own tokens: nobody else's can be reached here (administrators see all in the admin site). A new
    token is shown by the page the POST redirects to, and by no other: reloading that page makes no second token,
    and shows the token no more."""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _tokens_page(request, form, status=400)
        token, raw = tokens.make(user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                                 days=form.cleaned_data["days"], request=request)
        request.session[MADE] = (token.pk, raw)
        return redirect("api:tokens")
    made = request.session.pop(MADE, None)
    token = ApiToken.objects.filter(pk=made[0], user=request.user).first() if made else None
    return _tokens_page(request, form, made=(token, made[1]) if token else None)


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if tokens.revoke(token, actor=request.user, request=request):
        messages.success(request, f"Token “{token.name}” revoked: programs using it are refused from now on.")
    else:
        messages.info(request, f"Token “{token.name}” was revoked already.")
    return redirect("api:tokens")


def docs(request):
    """Browsable documentation of the API: Swagger UI (from drf-spectacular-sidecar, served by the app)."""
    return render(request, "api/docs.html", {"rate_limit": settings.API_RATE_LIMIT})


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for a program with a token or a person signed in (the docs page reads it)."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
