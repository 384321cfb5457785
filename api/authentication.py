"""How the REST API knows who is asking: ``Authorization: Bearer <personal token>`` (api.tokens), nothing else.
No session cookie is read, so a page open in a browser cannot be made to call the API (no CSRF to guard)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import tokens


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send one token: “Authorization: Bearer <token>”.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("This token is not one of ours. Check it was copied whole.") from None
        try:
            token = tokens.authenticate(raw, request._request)
        except tokens.Refused as refusal:
            raise exceptions.AuthenticationFailed(str(refusal)) from None
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema names the token (drf-spectacular finds this class by ``target_class``)."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token, made on your API tokens page."}
