"""The provider's OAuth2Validator: per-user claims in ID tokens and userinfo, and per-client misbehaviour."""

from datetime import timedelta

from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.models import ClientBehaviour, UserClaims

#: The claims the provider can assert besides "sub" (discovery's claims_supported).
CLAIMS = ["sub", "email", "email_verified", "preferred_username", "amr", "acr"]


class ProviderValidator(OAuth2Validator):
    # Which scope releases which claim (DOT drops the claims of scopes not granted). amr and acr come with "openid".
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid", "acr": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        extra = UserClaims.objects.filter(user=user).first() or UserClaims(user=user)
        claims = {
            "email": user.email,
            "email_verified": extra.email_verified,
            "preferred_username": user.get_username(),
            "amr": list(extra.amr),
        }
        if extra.acr:
            claims["acr"] = extra.acr
        return claims

    def get_discovery_claims(self, request):
        return list(CLAIMS)

    def get_id_token_dictionary(self, token, token_handler, request):
        """DOT's claims, which finalize_id_token lays over oauthlib's aud/iat/nonce before signing; a misbehaving
        client's get a foreign ``aud`` or an ``iat``/``exp`` in the past (still signed with the provider's key)."""
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        misbehave = (
            ClientBehaviour.objects.filter(application=request.client).values_list("misbehave", flat=True).first()
        )
        if misbehave == ClientBehaviour.Misbehaviour.WRONG_AUDIENCE:
            claims["aud"] = "someone-else"
        elif misbehave == ClientBehaviour.Misbehaviour.EXPIRED:
            now = timezone.now()
            issued = now - timedelta(hours=2)
            expiration_time = now - timedelta(hours=1)
            claims.update(
                iat=int(issued.timestamp()),
                exp=int(expiration_time.timestamp()),
                auth_time=int(issued.timestamp()),
            )
        return claims, expiration_time
