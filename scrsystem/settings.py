"""Settings for scrsystem, read from the environment.

Every variable is listed, with its default, in the "Settings reference" of README.md.
Without any of them set, the application runs on embedded defaults: SQLite and
files under ``var/``, a file-based e-mail outbox and a Celery broker that needs no server.
"""

import datetime
import secrets
from pathlib import Path

import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured

from scrsystem import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.get_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)  # STATIC_ROOT: WhiteNoise warns when it is missing

DEBUG = env.get_bool("DEBUG", True)
# With DEBUG on, a missing page shows the project's 404 page like production; true shows Django's technical one.
TECHNICAL_404 = env.get_bool("TECHNICAL_404", False)


def _key(name, file_name, why=""):
    """The key in the environment variable ``name``: required when DEBUG is off (``why`` ends the message)."""
    configured = env.get_str(name)
    if configured:
        return configured
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off{why}.")
    # Development only: a random key kept under var/ so that it survives restarts.
    key_file = VAR_DIR / file_name
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _key("SECRET_KEY", "secret_key")
# The key of the audit chain's HMACs (audit.chain; README "Security and trust"). Its own key, not SECRET_KEY: the
# two are kept and rotated apart, and whoever can change the database without it cannot re-forge the chain.
AUDIT_CHAIN_KEY = _key(
    "AUDIT_CHAIN_KEY",
    "audit_chain_key",
    ": it keys the audit chain (50 random characters, e.g. from "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'), kept apart from SECRET_KEY and the backups",
)
if len(AUDIT_CHAIN_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY is too short: use at least 32 random characters.")
if AUDIT_CHAIN_KEY == SECRET_KEY:
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY must not be the same as SECRET_KEY: give the audit chain its own key.")


def _allowed_hosts():
    hosts = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
    if not DEBUG and not hosts:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set when DEBUG is off: the host names this site answers to, comma-separated "
            "(e.g. ALLOWED_HOSTS=scr.example.org)."
        )
    if not DEBUG and "*" in hosts:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS=* is refused when DEBUG is off: name the hosts this site answers to (e.g. scr.example.org)."
        )
    return hosts


ALLOWED_HOSTS = _allowed_hosts()
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "scrsystem.apps.AdminConfig",  # Django's admin, the board's records first (scrsystem.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes (accounts.two_factor)
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the app itself (the API docs page)
    "accounts",
    "audit",
    "reviews",
    "actionplans",
    "evidence",
    "reminders",
    "dashboard",
    "learning",
    "concerns",
    "papers",
    "imports",
    "api",
]

# SERVER_TIMING=true adds a Server-Timing header (CPU and wall time of the request in Django) to every answer, for
# the load benchmark (scrsystem.middleware.ServerTimingMiddleware; README "Load"). Leave it off in production.
SERVER_TIMING = env.get_bool("SERVER_TIMING", False)

MIDDLEWARE = [
    # First, so that it times every other middleware too; removed from the chain unless SERVER_TIMING is on.
    "scrsystem.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body (SecurityMiddleware does not, and gives the answers their headers): 413 for a
    # body over the limit, 408 for one that is too slow to arrive.
    "evidence.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The project's 404 page with DEBUG on too (TECHNICAL_404 brings Django's back); before AccessRefusalLog, whose
    # process_exception logs the 404 first.
    "scrsystem.middleware.FriendlyNotFoundMiddleware",
    "scrsystem.middleware.StorageUnavailableMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.AccessRefusalLogMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.OwnPasswordMiddleware",  # after the second factor: who it is first, then their password
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "scrsystem.urls"
WSGI_APPLICATION = "scrsystem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.get_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'scrsystem.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE: a transaction takes SQLite's write lock when it begins, so two people saving at once queue
    # (up to the timeout) instead of one failing with "database is locked" when its read turns into a write.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
# Persistent connections (README "Load"): a gunicorn worker keeps its PostgreSQL connection for CONN_MAX_AGE
# seconds instead of opening one per request, and checks it is still alive before reusing it. Off by default under
# DEBUG (the development server starts a thread per request, so a kept connection is never reused) and on SQLite
# (opening a file costs nothing).
_keep_connections = not DEBUG and DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASES["default"]["CONN_MAX_AGE"] = env.get_int("CONN_MAX_AGE", 60 if _keep_connections else 0, minimum=0, maximum=3600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.sso.SingleSignOnBackend",  # only for the single sign-on callback (mozilla-django-oidc)
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotDemoPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.get_time_zone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the XStatic-Bootstrap package on PyPI, served by the app.
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]

# WhiteNoise serves static files from the app itself (gunicorn in production); hashed names when DEBUG is off,
# which needs `manage.py collectstatic` at deploy time.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Evidence and other uploads never go under a URL the web server serves.
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_URL = None

# Evidence files (evidence/; README "Evidence and file safety" and "Object storage"). They are kept in the
# "evidence" storage: by default under MEDIA_ROOT, owner-only; with EVIDENCE_STORAGE=s3, in an S3-compatible
# bucket (django-storages): server-side encrypted, private, never given out by URL (downloads go through the
# application's access check and SHA-256 re-check). EVIDENCE_STORAGES names both, for `manage.py move_evidence`.
EVIDENCE_STORAGE = env.get_str("EVIDENCE_STORAGE", "filesystem").lower()
S3_BUCKET = env.get_str("S3_BUCKET", "")
EVIDENCE_STORAGES = {"filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
if S3_BUCKET:
    import botocore.config

    _s3_endpoint = env.get_str("S3_ENDPOINT_URL", "") or None
    _s3_sse = env.get_str("S3_SSE", "AES256")
    if _s3_sse not in {"AES256", "aws:kms"}:
        raise ImproperlyConfigured(f"S3_SSE={_s3_sse!r} must be AES256 or aws:kms: evidence is always encrypted at rest.")
    _s3_object_parameters = {"ServerSideEncryption": _s3_sse}
    if _s3_sse == "aws:kms" and env.get_str("S3_SSE_KMS_KEY_ID", ""):
        _s3_object_parameters["SSEKMSKeyId"] = env.get_str("S3_SSE_KMS_KEY_ID")
    EVIDENCE_STORAGES["s3"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "location": env.get_str("S3_PREFIX", "").strip("/"),
            "endpoint_url": _s3_endpoint,
            "region_name": env.get_str("S3_REGION", "") or None,
            # Without keys, boto3 looks for credentials itself (an instance or task role, AWS_* variables).
            "access_key": env.get_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env.get_str("S3_SECRET_ACCESS_KEY", "") or None,
            "object_parameters": _s3_object_parameters,
            "default_acl": None,  # the bucket's own: private. Never public-read.
            "querystring_auth": True,  # no URL is ever made, but if one were, it would be signed
            "file_overwrite": False,  # a name already taken gets a new one: nothing is silently overwritten
            # MinIO and most S3-compatible stores want path-style addresses; AWS answers both.
            "addressing_style": "path" if _s3_endpoint else None,
            # Fail in seconds, not minutes, when the bucket cannot be reached: the person is told, nothing is kept.
            "client_config": botocore.config.Config(
                connect_timeout=3, read_timeout=60, retries={"max_attempts": 2, "mode": "standard"}
            ),
        },
    }
if EVIDENCE_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE={EVIDENCE_STORAGE!r} must be filesystem or s3.")
if EVIDENCE_STORAGE == "s3" and not S3_BUCKET:
    raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs S3_BUCKET: the name of the bucket that keeps the evidence.")
STORAGES["evidence"] = EVIDENCE_STORAGES[EVIDENCE_STORAGE]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
EVIDENCE_MAX_UPLOAD_MB = env.get_int("EVIDENCE_MAX_UPLOAD_MB", 25, minimum=1, maximum=1024)
EVIDENCE_MAX_UNPACKED_MB = env.get_int("EVIDENCE_MAX_UNPACKED_MB", 200, minimum=1, maximum=4096)
EVIDENCE_MAX_ARCHIVE_MEMBERS = env.get_int("EVIDENCE_MAX_ARCHIVE_MEMBERS", 2000, minimum=10, maximum=100000)
# How deep documents may be embedded in documents (a workbook in a Word file is 1); each is checked like the file.
EVIDENCE_MAX_NESTING_DEPTH = env.get_int("EVIDENCE_MAX_NESTING_DEPTH", 3, minimum=0, maximum=10)
# A request body still arriving after this long is answered 408 (evidence.middleware); keep it below gunicorn's
# --timeout (30 s by default), which kills a sync worker busy with one request for longer.
UPLOAD_TIMEOUT_SECONDS = env.get_int("UPLOAD_TIMEOUT_SECONDS", 25, minimum=5, maximum=3600)
# The size limit is enforced while the request is read (evidence.uploads.SizeLimitUploadHandler), before
# Django's own handlers keep a file in memory (up to 2.5 MB) or spool it to a private temporary file.
FILE_UPLOAD_HANDLERS = [
    "evidence.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the form fields other than files
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Optional virus scan by a ClamAV daemon: a Unix socket, or a host and port. When configured and not
# answering, uploads are refused.
CLAMAV_SOCKET = env.get_str("CLAMAV_SOCKET", "")
CLAMAV_HOST = env.get_str("CLAMAV_HOST", "")
CLAMAV_PORT = env.get_int("CLAMAV_PORT", 3310, minimum=1, maximum=65535)
CLAMAV_TIMEOUT = env.get_int("CLAMAV_TIMEOUT", 30, minimum=1, maximum=600)
# "auto": scan when ClamAV is configured, and `check --deploy` warns in production when it is not (evidence.W001);
# "clamav": scanning is required, so ClamAV not configured is an error (evidence.E001); "off": the operator has
# decided not to scan, so nothing is scanned and nothing warns.
EVIDENCE_SCANNING = env.get_str("EVIDENCE_SCANNING", "auto").lower()
if EVIDENCE_SCANNING not in {"auto", "clamav", "off"}:
    raise ImproperlyConfigured(f"EVIDENCE_SCANNING={EVIDENCE_SCANNING!r} must be auto, clamav or off.")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The cache (dashboard summaries and the action list's names, dashboard.versions): local memory in each process by
# default; CACHE_URL (redis://) shares one between every web server and worker. Either way an entry is keyed by the
# data's version, so it is never a figure a fresh computation would not give.
CACHE_URL = env.get_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// URL (or empty for local memory).")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "scrsystem",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

# Production hardening (DEBUG off): HTTPS only, HSTS, secure cookies. `manage.py check --deploy` passes.
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0, maximum=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.get_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
# Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after sign-in.
SESSION_IDLE_MINUTES = env.get_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
SESSION_MAX_HOURS = env.get_int("SESSION_MAX_HOURS", 12, minimum=1, maximum=24 * 7)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# Brute force (README "Security and trust", the sign-in and password policy): LOGIN_FAILURE_LIMIT wrong
# passwords for one account from one address lock that pair (django-axes) for LOGIN_COOLOFF_MINUTES;
# LOGIN_ADDRESS_FAILURE_LIMIT from one address, whatever the accounts, lock the address (accounts.throttle).
# A stranger's failures never lock the owner out from their own address, and a successful sign-in clears only
# its own pair's failures.
# X-Forwarded-For counts only behind TRUSTED_PROXY_COUNT proxies.
TRUSTED_PROXY_COUNT = env.get_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_FAILURE_LIMIT = env.get_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.get_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60))
LOGIN_ADDRESS_FAILURE_LIMIT = env.get_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1, maximum=10000)
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_ADDRESS_FAILURE_LIMIT must be at least LOGIN_FAILURE_LIMIT.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True  # only the failures of the pair that signed in
# Password reset: at most PASSWORD_RESET_LIMIT requests an hour from one address, and as many e-mails to one.
PASSWORD_RESET_LIMIT = env.get_int("PASSWORD_RESET_LIMIT", 3, minimum=1, maximum=100)
# An administrator's invitation (accounts.invitations): its link to choose a password works once, for this many days.
INVITATION_DAYS = env.get_int("INVITATION_DAYS", 7, minimum=1, maximum=90)
AXES_VERBOSE = False

# Two-factor sign-in (authenticator app). Roles that must use it unless an administrator sets a rule
# for the role in the admin site. Off in the demo; administrators, consultants and the chair in production.
SECOND_FACTOR_ROLES = env.get_list("SECOND_FACTOR_ROLES", [] if DEBUG else ["admin", "consultant", "chair"])
_unknown_roles = set(SECOND_FACTOR_ROLES) - {"member", "agency", "consultant", "chair", "admin"}
if _unknown_roles:
    raise ImproperlyConfigured(f"SECOND_FACTOR_ROLES has unknown roles: {', '.join(sorted(_unknown_roles))}.")
OTP_TOTP_ISSUER = env.get_str("OTP_TOTP_ISSUER", "scrsystem")

# Single sign-on (accounts.sso; README "Single sign-on"): OpenID Connect providers, each serving some e-mail domains.
# Off unless one is configured: in the admin site (identity providers), or one here from the environment.
SSO_PROVIDER_NAME = env.get_str("SSO_PROVIDER_NAME", "")
SSO_ISSUER = env.get_str("SSO_ISSUER", "")
SSO_CLIENT_ID = env.get_str("SSO_CLIENT_ID", "")
SSO_CLIENT_SECRET = env.get_str("SSO_CLIENT_SECRET", "")
SSO_EMAIL_DOMAINS = [domain.lower().lstrip("@") for domain in env.get_list("SSO_EMAIL_DOMAINS", [])]
_sso = [SSO_PROVIDER_NAME, SSO_ISSUER, SSO_CLIENT_ID, SSO_CLIENT_SECRET, SSO_EMAIL_DOMAINS]
if any(_sso) and not all(_sso):
    raise ImproperlyConfigured(
        "Single sign-on from the environment needs all of SSO_PROVIDER_NAME, SSO_ISSUER, SSO_CLIENT_ID, "
        "SSO_CLIENT_SECRET and SSO_EMAIL_DOMAINS (or none of them)."
    )
# A single sign-on counts as the second factor only when the ID token says the provider did multi-factor: one of
# these `amr` values (RFC 8176; Entra ID says "mfa"), or one of these `acr` values. Empty lists: never.
SSO_SECOND_FACTOR_AMR = env.get_list("SSO_SECOND_FACTOR_AMR", ["mfa"])
SSO_SECOND_FACTOR_ACR = env.get_list("SSO_SECOND_FACTOR_ACR", [])
# Cookies only over HTTPS in production. SECURE_COOKIES=false only for a plain-HTTP test rig (the load benchmark).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.get_bool("SECURE_COOKIES", not DEBUG)
X_FRAME_OPTIONS = "DENY"

# E-mail: files under var/mail by default; EMAIL_URL (smtp://user:pass@host:port) for a real server.
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "scrsystem <no-reply@scrsystem.invalid>")
_email = env.get_email("EMAIL_URL")
if _email is None:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    globals().update(_email)

# Celery: Redis when REDIS_URL or CELERY_BROKER_URL is set; otherwise kombu's filesystem
# transport under var/, which needs no server and still lets web, worker and beat talk.
CELERY_BROKER_URL = env.get_str("CELERY_BROKER_URL") or env.get_str("REDIS_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir),
    }
elif not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CELERY_BROKER_URL / REDIS_URL must be a redis:// or rediss:// URL.")
CELERY_TASK_ALWAYS_EAGER = env.get_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = None  # no results are kept, so beat has none to clean up (no celery.backend_cleanup job)
# Beat keeps its schedule state under var/, beside the embedded broker's queue; with a Redis broker, in Redis
# (celery-redbeat), so that beat can move to another machine without losing when each job last ran, and a second
# beat started by mistake waits for the first one's lock instead of starting every job twice.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
if CELERY_BROKER_URL != "filesystem://":
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_KEY_PREFIX = "scrsystem:redbeat:"
    # Beat renews its lock at least every minute; a beat that died without releasing it is replaced within 5.
    CELERY_BEAT_MAX_LOOP_INTERVAL = 60
    CELERY_REDBEAT_LOCK_TIMEOUT = 300
(VAR_DIR / "celery").mkdir(exist_ok=True)  # beat cannot start without it, whatever the broker

# Reminders (reminders/): who is written to, on which days and when; README "Reminders".
REMINDER_DUE_SOON_DAYS = sorted(
    set(env.get_int_list("REMINDER_DUE_SOON_DAYS", [30, 7, 1], minimum=1, maximum=365)), reverse=True
)
# The REST API (README, "REST API"): personal tokens, cursor pagination, an OpenAPI 3 schema. Only a personal token
# authenticates (api.authentication); every request is counted against API_RATE_LIMIT a minute, per token.
API_TOKEN_DAYS = env.get_int("API_TOKEN_DAYS", 90, minimum=1, maximum=3650)
API_TOKEN_MAX_DAYS = env.get_int("API_TOKEN_MAX_DAYS", 365, minimum=1, maximum=3650)
if API_TOKEN_DAYS > API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DAYS is more than API_TOKEN_MAX_DAYS.")
API_RATE_LIMIT = env.get_int("API_RATE_LIMIT", 120, minimum=1, maximum=100000)
API_PAGE_SIZE = env.get_int("API_PAGE_SIZE", 50, minimum=1, maximum=200)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.permissions.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPage",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "scrsystem API",
    "DESCRIPTION": "Reviews, action plans, actions, evidence, the dashboard's figures, learning events and board "
    "concerns, as the pages show them to the token's owner. Send `Authorization: Bearer <token>`; make a token on "
    "your API tokens page.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_refusals"],
    # One name for each set of statuses (several serializers share them).
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "api.schema.ACTION_STATUS",
        "WorkingStatusEnum": "api.schema.WORKING_STATUS",
        "EvidenceStatusEnum": "api.schema.EVIDENCE_STATUS",
        "ReviewStatusEnum": "api.schema.REVIEW_STATUS",
        "EventStatusEnum": "api.schema.EVENT_STATUS",
        "ConcernStatusEnum": "api.schema.CONCERN_STATUS",
    },
}

REMINDER_OVERDUE_REPEAT_DAYS = env.get_int("REMINDER_OVERDUE_REPEAT_DAYS", 7, minimum=1, maximum=365)
REMINDER_ESCALATION_DAYS = env.get_int("REMINDER_ESCALATION_DAYS", 28, minimum=1, maximum=3650)
REMINDER_EVIDENCE_WAITING_DAYS = env.get_int("REMINDER_EVIDENCE_WAITING_DAYS", 14, minimum=1, maximum=365)
REMINDER_EVIDENCE_DIGEST_WEEKDAY = env.get_int("REMINDER_EVIDENCE_DIGEST_WEEKDAY", 1, minimum=1, maximum=7)
REMINDER_ATTENDANCE_DAYS = sorted(
    set(env.get_int_list("REMINDER_ATTENDANCE_DAYS", [7, 14, 21, 28], minimum=1, maximum=365))
)
REMINDER_HOUR = env.get_int("REMINDER_HOUR", 7, minimum=0, maximum=23)
REMINDER_MINUTE = env.get_int("REMINDER_MINUTE", 0, minimum=0, maximum=59)
REMINDER_CLAIM_TIMEOUT = env.get_int("REMINDER_CLAIM_TIMEOUT", 1800, minimum=1, maximum=86400)
REMINDER_MAX_ATTEMPTS = env.get_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
REMINDER_RETRY_BACKOFF = env.get_int("REMINDER_RETRY_BACKOFF", 60, minimum=1, maximum=86400)
# Without SITE_URL, e-mailed links point at the development server on PORT (`PORT=8899 make run`). Only with DEBUG:
# honcho gives each process of the Procfile a PORT of its own, and production sets SITE_URL.
_DEV_PORT = env.get_int("PORT", 8000, minimum=1, maximum=65535) if DEBUG else 8000
SITE_URL = env.get_http_url("SITE_URL", f"http://127.0.0.1:{_DEV_PORT}")

# Demo data (manage.py seed_demo) is allowed only where the demo accounts are safe to exist.
ALLOW_DEMO_DATA = env.get_bool("ALLOW_DEMO_DATA", DEBUG)

# How many days ahead counts as "due soon" (Amber) is part of the domain rules, not a setting.
ACTIONS_PER_PAGE = env.get_int("ACTIONS_PER_PAGE", 25, minimum=5, maximum=500)

# Dashboard (dashboard/): how far back the trend charts reach, when the daily snapshot is taken, and the
# default "since" of the board report; README "Dashboard" and "Snapshots".
DASHBOARD_TREND_DAYS = env.get_int("DASHBOARD_TREND_DAYS", 182, minimum=14, maximum=3660)
# The life of a cached dashboard summary or trend (dashboard.versions): a new version of the data replaces it at once;
# this only bounds how long an entry nobody reads any more stays in memory.
DASHBOARD_CACHE_SECONDS = env.get_int("DASHBOARD_CACHE_SECONDS", 600, minimum=0, maximum=86400)
# Reviews per page of the dashboard's review table, the most overdue first unless the reader sorts it otherwise.
DASHBOARD_REVIEWS_PER_PAGE = env.get_int("DASHBOARD_REVIEWS_PER_PAGE", 50, minimum=10, maximum=1000)
SNAPSHOT_HOUR = env.get_int("SNAPSHOT_HOUR", 23, minimum=0, maximum=23)
SNAPSHOT_MINUTE = env.get_int("SNAPSHOT_MINUTE", 45, minimum=0, maximum=59)
REPORT_SINCE_DAYS = env.get_int("REPORT_SINCE_DAYS", 30, minimum=1, maximum=3660)
# How long after an action is verified its impact check falls due (DOMAIN.md, "Impact check"), in months.
IMPACT_CHECK_MONTHS = env.get_int("IMPACT_CHECK_MONTHS", 6, minimum=1, maximum=60)
# Board concerns (concerns/): when an indicator's data point is due after its period ends, and the RAG's margin.
INDICATOR_DUE_DAYS = env.get_int("INDICATOR_DUE_DAYS", 30, minimum=0, maximum=365)
INDICATOR_AMBER_PERCENT = env.get_int("INDICATOR_AMBER_PERCENT", 10, minimum=0, maximum=100)
CONCERN_UPDATE_DAYS = env.get_int("CONCERN_UPDATE_DAYS", 90, minimum=1, maximum=3650)
# Board papers (papers/): the month the annual report's year starts in (4, April to March, by default).
ANNUAL_REPORT_FIRST_MONTH = env.get_int("ANNUAL_REPORT_FIRST_MONTH", 4, minimum=1, maximum=12)

# When Celery beat anchors the audit chain: its head logged and e-mailed to the administrators (audit.anchors).
AUDIT_ANCHOR_HOUR = env.get_int("AUDIT_ANCHOR_HOUR", 6, minimum=0, maximum=23)
AUDIT_ANCHOR_MINUTE = env.get_int("AUDIT_ANCHOR_MINUTE", 30, minimum=0, maximum=59)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "INFO")},
}
