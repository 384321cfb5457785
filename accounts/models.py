from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from scrsystem import text


class Agency(models.Model):
    """A partner of the board. The board itself is an agency too, for multi-agency actions."""

    class Kind(models.TextChoices):
        BOARD = "board", "Safeguarding children board"
        POLICE = "police", "Police"
        HEALTH = "health", "Health"
        SOCIAL_CARE = "social_care", "Children's social care"
        EDUCATION = "education", "Education"
        PROBATION = "probation", "Probation"
        HOUSING = "housing", "Housing"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=40,
        unique=True,
        validators=[text.NoDirectionControls("Short names")],
        help_text="Used in lists and exports, e.g. “Police”.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    single_sign_on_required = models.BooleanField(
        "single sign-on required",
        default=False,
        db_default=False,  # also in the database: rows written by code that predates the column stay valid
        help_text="Its users sign in with their organisation's account only (an identity provider serving their "
        "e-mail domain): the password form refuses them.",
    )

    AUDITED_FIELDS = ["name", "short_name", "kind", "is_active", "single_sign_on_required"]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name

    @property
    def choice_label(self):
        """How a drop-down names it: the short name first, so that agencies whose full names begin alike
        ("Northbridge City Council …") differ in the part a narrow box shows."""
        return self.name if self.short_name == self.name else f"{self.short_name} ({self.name})"

    @staticmethod
    def label_choices(field):
        """Make a model choice field name agencies by choice_label, ordered by it."""
        field.queryset = field.queryset.order_by("short_name")
        field.label_from_instance = lambda agency: agency.choice_label


class Role(models.TextChoices):
    MEMBER = "member", "Sub-committee member"
    AGENCY = "agency", "Agency user"
    CONSULTANT = "consultant", "Consultant"
    CHAIR = "chair", "Board chair"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A person using scrsystem. Every user has exactly one role; agency users belong to an agency."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENCY)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Required for agency users; optional for others (e.g. a member who works for an agency).",
    )
    job_title = models.CharField(max_length=200, blank=True)
    must_set_password = models.BooleanField(
        default=False,
        help_text="Set when an administrator invites the user or sets their password; cleared when they choose "
        "their own. Until then every page sends them to choose one.",
    )

    objects = UserManager()

    AUDITED_FIELDS = ["username", "first_name", "last_name", "email", "role", "agency", "job_title", "is_active"]

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="agency") | models.Q(agency__isnull=False),
                name="agency_user_has_agency",
                violation_error_message="An agency user must belong to an agency.",
            ),
            models.UniqueConstraint(Lower("email"), name="unique_email_if_set", condition=~models.Q(email="")),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.role == Role.AGENCY and not self.agency_id:
            raise ValidationError({"agency": "An agency user must belong to an agency."})

    def save(self, *args, **kwargs):
        # The role alone decides who may enter the admin site; is_staff just mirrors it.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    @property
    def needs_own_password(self):
        """Until they choose a password of their own, every page sends them to choose one
        (accounts.middleware.OwnPasswordMiddleware)."""
        return self.must_set_password or not self.has_usable_password()

    @property
    def is_member(self):
        return self.role == Role.MEMBER

    @property
    def is_agency_user(self):
        """An agency's user, who sees only what DOMAIN.md lets agencies see. A superuser never is, whatever the
        role field says (accounts.access reads this, and nothing else, to decide)."""
        return self.role == Role.AGENCY and not self.is_superuser

    @property
    def is_consultant(self):
        return self.role == Role.CONSULTANT

    @property
    def is_chair(self):
        return self.role == Role.CHAIR

    @property
    def is_administrator(self):
        return self.role == Role.ADMIN or self.is_superuser


class SecurityEvent(models.Model):
    """Sign-ins, failures, lock-outs and refusals, for the board's auditors. Never holds a password or session key."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out after repeated failures"
        SIGNED_OUT = "signed_out", "Signed out"
        SESSION_EXPIRED = "session_expired", "Session expired"
        ACCESS_REFUSED = "access_refused", "Access refused"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_SET_BY_ADMINISTRATOR = "password_set_by_administrator", "Password set by an administrator"
        INVITATION_SENT = "invitation_sent", "Invitation sent"
        SECOND_FACTOR_ADDED = "second_factor_added", "Authenticator app linked"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Wrong authenticator code"
        SINGLE_SIGN_ON_REFUSED = "single_sign_on_refused", "Single sign-on refused"
        RECOVERY_CODES_MADE = "recovery_codes_made", "Recovery codes made"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used to sign in"
        API_TOKEN_MADE = "api_token_made", "API token made"
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
        API_TOKEN_REFUSED = "api_token_refused", "API token refused"

    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="The name given, for failed sign-ins.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user or self.username or 'anonymous'} at {self.at:%Y-%m-%d %H:%M}"


class SecondFactorRule(models.Model):
    """Whether a role must sign in with an authenticator app. Administrators set these in the admin site;
    a role with no rule follows the SECOND_FACTOR_ROLES setting."""

    role = models.CharField(max_length=20, choices=Role.choices, unique=True)
    required = models.BooleanField(default=True)

    AUDITED_FIELDS = ["role", "required"]

    class Meta:
        ordering = ["role"]
        verbose_name = "two-factor sign-in rule"

    def __str__(self):
        return f"{self.get_role_display()}: {'required' if self.required else 'optional'}"


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect provider (e.g. a council's Microsoft Entra ID), through which the people of
    its e-mail domains sign in (accounts.sso). Only to accounts an administrator made: it never makes one, and
    never sets a role or an agency. One more can come from the environment (SSO_* settings)."""

    name = models.CharField(max_length=100, unique=True, help_text="Shown on the button: “Sign in with …”.")
    issuer = models.URLField(
        "issuer", unique=True, help_text="The provider's issuer URL: its discovery document is at "
        "<issuer>/.well-known/openid-configuration (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0)."
    )
    client_id = models.CharField("client ID", max_length=200)
    client_secret = models.CharField(max_length=500, help_text="The secret the provider gave this application.")
    email_domains = models.CharField(
        max_length=500, help_text="The e-mail domains whose people sign in here, comma-separated "
        "(e.g. northbridge.gov.uk, northbridge-police.example). The provider is trusted for these only."
    )
    is_active = models.BooleanField(default=True)

    AUDITED_FIELDS = ["name", "issuer", "client_id", "email_domains", "is_active"]

    class Meta:
        ordering = ["name"]
        verbose_name = "identity provider (single sign-on)"

    def __str__(self):
        return self.name

    @property
    def key(self):
        return str(self.pk)

    @property
    def domains(self):
        return {domain.strip().lower().lstrip("@") for domain in self.email_domains.split(",") if domain.strip()}

    def clean(self):
        if not self.domains:
            raise ValidationError({"email_domains": "Give at least one e-mail domain this provider serves."})
