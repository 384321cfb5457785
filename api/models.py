from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A person's personal token for the REST API (api.tokens). The token is shown once when made; only its
    SHA-256 is kept, with its first characters (``prefix``) so that the person can tell their tokens apart."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “Power BI report”.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    #: Made in a session that passed the second factor: a role that must sign in with one may use only such tokens.
    made_after_second_factor = models.BooleanField(default=False, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_from = models.GenericIPAddressField("last used from", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…) of {self.user}"

    def is_live(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def state(self):
        if self.revoked_at:
            return "revoked"
        return "live" if self.is_live() else "expired"


class ApiTokenUse(models.Model):
    """One request made with a token: when, from where, what (the log behind the rate limit, too)."""

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "at"])]
        verbose_name = "API token use"

    def __str__(self):
        return f"{self.method} {self.path} at {self.at:%Y-%m-%d %H:%M}"
