"""Settings for the clinic portal, read from the environment.

With nothing set the portal runs as a self-contained demo: SQLite, the in-memory
channel layer, django-q2's ORM broker and console email/SMS. Production and the test
suite set DATABASE_URL and REDIS_URL (PostgreSQL, Redis); PRODUCTION=1 turns on the
hardening that `manage.py check --deploy` asks for.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
else:
    # Only ever used by the local demo and the tests; production refuses to start without one.
    SECRET_KEY = env.str(
        "SECRET_KEY", default="demo-only-secret-key-never-used-in-production-0123456789abcdef"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_q",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Sign-in with a clinic's own identity provider; no provider is offered until OIDC_SERVER_URL
    # is set (below).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "simple_history",
    "django_htmx",
    "template_partials",
    "phonenumber_field",
    "import_export",
    "axes",
    "django_prometheus",
    "clinics",
    "protocols",
    "patients",
    # Reads, exports and erasure of patient records; its admin extends the patients' admin.
    "audit",
    "sessions",
    "scheduling",
    "notifications",
    "feedback",
    "portal",
    "console",
    "integrations",
    # The protocol-aware waitlist: above scheduling and notifications, beside portal/console.
    "waitlist",
    "observability",
    "demo",
]

MIDDLEWARE = [
    # django-prometheus times requests between its Before (first) and After (near last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: sends staff without TOTP to set it up first.
    "clinics.mfa.StaffMfaRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "clinics.context_processors.portal",
            ],
        },
    }
]

# --- Data stores -------------------------------------------------------------------

try:
    DATABASES = {
        "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    }
except ImproperlyConfigured as error:
    sys.exit(f"Cannot start the clinic portal: DATABASE_URL is not usable ({error}).")
# django-environ passes an unknown scheme through as the ENGINE name instead of refusing it.
if not DATABASES["default"]["ENGINE"].startswith("django.db.backends."):
    sys.exit(
        "Cannot start the clinic portal: database: DATABASE_URL must start with "
        "postgres:// (or sqlite:// for the demo)."
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded demo has the web server and the job worker writing to one file. Waiting
    # for the lock (not SQLite's 5 s), taking it when a transaction begins (a read upgraded
    # to a write cannot wait, it fails at once with "database is locked") and write-ahead
    # logging (pages read while a waitlist match or a scheduling run writes) keep either side
    # from failing the other's request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", 0 if DEBUG else 60)
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# The same backends wrapped by django-prometheus, which counts queries and their errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    sys.exit(
        "Cannot start the clinic portal: REDIS_URL must start with redis://, rediss:// or unix://."
    )

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 gives up on a read after 5 s by default, the same 5 s that
                # channels-redis blocks waiting for a message: idle consumers then crash and
                # drop their WebSocket. Reads here wait longer than the blocking pop.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": env.str("CHANNEL_PREFIX", "portal"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# My day and the board keep their drawing until something they show changes (sessions/
# floor_cache.py). The job worker's changes must reach the web server's cache, so without a
# shared one (Redis) nothing is kept.
FLOOR_PAGE_CACHE_SECONDS = env.int("FLOOR_PAGE_CACHE_SECONDS", default=600 if REDIS_URL else 0)
FLOOR_CACHE_NAMESPACE = "floor"
# The dashboards keep their figures until what they count changes (console/dashboard_cache.py),
# under the same condition: a cache shared with the job worker.
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=600 if REDIS_URL else 0)
ANALYTICS_CACHE_NAMESPACE = "analytics"

Q_CLUSTER = {
    "name": "portal",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "label": _("Background jobs"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth --------------------------------------------------------------------------

AUTH_USER_MODEL = "clinics.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 for every new password; the others still verify older hashes, which Django
# re-hashes with Argon2 at the user's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# Open sign-up makes patients only (a patient record at the chosen center), never staff.
ACCOUNT_ADAPTER = "clinics.adapters.ClinicAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "patients.forms.PatientSignupForm"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# A patient signs in with a one-time code sent to their email and needs no password;
# staff keep their passwords (and MFA). Codes live 5 minutes with 3 tries each.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
# Staff (admins, directors, practitioners, Django-admin users) must have a TOTP authenticator
# (clinics.mfa); on in production, off by default so the demo's and tests' sign-ins stay one step.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=PRODUCTION)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Panchakarma clinic portal")

# django-axes alone counts failed sign-ins and locks out (with its own message);
# allauth's per-email limit of 5 would otherwise answer first and axes never would.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# Sign-in with the clinic's own identity provider (OpenID Connect), off unless OIDC_SERVER_URL is
# set. It only ever signs in an existing active account whose email the provider says it has
# verified, never makes one, never grants a role, and staff still give their TOTP code
# (clinics.adapters.ClinicSocialAccountAdapter, README "Sign in with your clinic's identity
# provider").
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
SOCIALACCOUNT_ADAPTER = "clinics.adapters.ClinicSocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if OIDC_SERVER_URL:
    OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
    OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
    if not OIDC_CLIENT_ID or not OIDC_CLIENT_SECRET:
        sys.exit(
            "Cannot start the clinic portal: OIDC_SERVER_URL is set, so OIDC_CLIENT_ID and "
            "OIDC_CLIENT_SECRET must be set too."
        )
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": env.str("OIDC_PROVIDER_ID", default="clinic"),
            "name": env.str("OIDC_PROVIDER_NAME", default="your clinic account"),
            "client_id": OIDC_CLIENT_ID,
            "secret": OIDC_CLIENT_SECRET,
            "settings": {
                "server_url": OIDC_SERVER_URL,
                # The provider is the clinic's own, trusted to vouch for an email it calls
                # verified: that is what lets its sign-in open the account with that email.
                "email_authentication": True,
                "oauth_pkce_enabled": True,
            },
        }
    )
AXES_FAILURE_LIMIT = 8
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- Languages and time ------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Messages out --------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Panchakarma clinic <care@example.org>")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
# Where patients reach this portal, for links in SMS and email (a session's feedback page).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_BASE_URL = env.str("TWILIO_BASE_URL", default="")
# Where Twilio posts delivery reports: this portal's /notifications/twilio/status/, absolute.
TWILIO_STATUS_CALLBACK_URL = env.str("TWILIO_STATUS_CALLBACK_URL", default="")
# With Twilio's keys set SMS goes through Twilio; without them it is printed (console).
SMS_BACKEND = env.str("SMS_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
# Web Push to patients' phones: a VAPID key pair (`manage.py vapid_keys` makes one; the public
# key base64url, uncompressed; the private key base64url, raw). Without both, push is off.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:care@example.org")
WEB_PUSH_ENABLED = bool(VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY)
if SMS_BACKEND not in ("twilio", "console"):
    raise ImproperlyConfigured(f"SMS_BACKEND must be twilio or console, not {SMS_BACKEND!r}.")

# --- PHI encryption --------------------------------------------------------------------

# "key_id:base64-32-bytes" pairs; the first encrypts, all decrypt (rotation by key id).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=[] if PRODUCTION else ["demo:ZGVtby1vbmx5LWtleS1kZW1vLW9ubHkta2V5LTAwMDA="],
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")
# How long a patient's record is kept after their last contact (registration or latest
# session) before `anonymise_expired_records` anonymises it; 8 years by default.
PATIENT_RECORD_RETENTION_DAYS = env.int("PATIENT_RECORD_RETENTION_DAYS", default=8 * 365)

# --- API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Per-user API tokens for integrations (clinics.models.ApiToken, stored hashed). First,
        # so that a request without credentials answers 401 with WWW-Authenticate: Bearer.
        "clinics.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # No HTTP Basic: a password alone would skip the TOTP code staff give at sign-in
        # (tests/security/test_api_passwords.py); scripts use a token.
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error shape for every API failure: {"message": ..., "extra": {...}}.
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Panchakarma clinic portal API",
    "DESCRIPTION": "Scheduling and clinic operations for Panchakarma centers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes the API, not clinic data: integrators may read it signed out.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several fields share (a session's status and the
    # status a caller expects it to have).
    "ENUM_NAME_OVERRIDES": {"SessionStatusEnum": "sessions.models.SessionStatus"},
}

# --- Content-Security-Policy: everything from our own origin, no CDN ------------------

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"] if not PRODUCTION else ["'self'", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
if OIDC_SERVER_URL:
    # The "Sign in with ..." button's POST is answered with a redirect to the clinic's identity
    # provider, and browsers hold that redirect to form-action too.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        "{0.scheme}://{0.netloc}".format(urlsplit(OIDC_SERVER_URL))
    )

# --- Hardening (PRODUCTION=1) ----------------------------------------------------------

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Said outright rather than left to defaults: cookies go with links from other sites, never
# with their forms or scripts' requests.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Metrics (/metrics) ------------------------------------------------------------------

# Addresses or networks that may read /metrics (REMOTE_ADDR); anyone else needs the token
# as "Authorization: Bearer <METRICS_TOKEN>". Without a token only these addresses may.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Tracing and error reporting (observability.tracing), each off until its address is set --

# OTLP/HTTP collector, e.g. http://collector:4318; requests and django-q2 jobs are traced.
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="clinic-portal")
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str(
    "SENTRY_ENVIRONMENT", default="production" if PRODUCTION else "development"
)

# --- Logging: structured lines on stdout ------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "filters": {"refusals": {"()": "config.logging.RefusalWithoutTraceback"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Horizons on dates people type (issue 15) --------------------------------------------
# A care plan starts at most this many days ahead (about 18 months); a leave or closure lasts
# at most this many days. Beyond them a typed date is far more likely a slip than a plan, and
# the scheduler's calendar cannot hold it.
CARE_PLAN_START_HORIZON_DAYS = env.int("CARE_PLAN_START_HORIZON_DAYS", default=548)
LEAVE_MAX_DAYS = env.int("LEAVE_MAX_DAYS", default=365)
# Front desks type local numbers; stored in E.164 all the same.
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="IN")
