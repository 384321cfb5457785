from django.conf import settings
from django.db import models
from oauth2_provider.settings import oauth2_settings


class UserClaims(models.Model):
    """What the provider asserts about a user beyond Django's User: verified email, how they authenticated."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_claims")
    email_verified = models.BooleanField(default=True)
    #: Authentication methods references (RFC 8176), e.g. ["pwd"] or ["pwd", "mfa"].
    amr = models.JSONField(default=list)
    #: Authentication context class reference; "" leaves ``acr`` out of the tokens.
    acr = models.CharField(max_length=200, blank=True, default="")

    def __str__(self):
        return f"claims of {self.user}"


class ClientBehaviour(models.Model):
    """A client for which the provider deliberately issues bad (but correctly signed) ID tokens."""

    class Misbehaviour(models.TextChoices):
        WRONG_AUDIENCE = "wrong_audience", "aud is someone else"
        EXPIRED = "expired", "exp is in the past"

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="oidc_behaviour"
    )
    misbehave = models.CharField(max_length=20, choices=Misbehaviour.choices, blank=True, default="")

    def __str__(self):
        return f"{self.application}: {self.misbehave or 'well behaved'}"
