"""Forvalta settings, driven by environment variables.

Without DATABASE_URL Forvalta runs on SQLite (WAL) in ./var; with it, on PostgreSQL.
DEBUG is off unless FORVALTA_DEBUG=1, and without DEBUG a real FORVALTA_SECRET_KEY is required.
"""

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("FORVALTA_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("FORVALTA_DEBUG")
# Test runs (pytest, or FORVALTA_TESTING=1) get a throwaway key and fast password hashing.
TESTING = env_bool("FORVALTA_TESTING") or "pytest" in sys.modules

SECRET_KEY = os.environ.get("FORVALTA_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Development and test runs only: a key that is useless anywhere else.
        SECRET_KEY = "forvalta-insecure-development-key-not-for-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "FORVALTA_SECRET_KEY must be set when FORVALTA_DEBUG is not enabled."
        )

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FORVALTA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FORVALTA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # First, so that its management command createsuperuser replaces Django's.
    "forvalta.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "forvalta.core",
    "forvalta.audit",
    "forvalta.register",
    "forvalta.businesscalendar",
    "django_tasks",
    "django_tasks_db",
    "forvalta.background",
    "forvalta.workflow",
    "forvalta.processes",
    "forvalta.calendarfeed",
    "forvalta.notifications",
    "forvalta.governance",
    "forvalta.plans",
    "forvalta.access",
    "forvalta.compliance",
    "forvalta.logreview",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "forvalta.core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "forvalta.accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "forvalta.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "forvalta.urls"
WSGI_APPLICATION = "forvalta.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forvalta.core.context_processors.navigation",
                "forvalta.notifications.context_processors.inbox",
            ],
        },
    }
]

_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Page queries are short; PostgreSQL's JIT compiles any query whose estimate
        # passes jit_above_cost, and subqueries in a select list are estimated high:
        # it spent 0.7 s compiling the home page's 3 ms gaps query (bench/profile_page.py).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("FORVALTA_SQLITE_PATH", str(VAR_DIR / "forvalta.sqlite3")),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE avoids
                # lock upgrades failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

# Audit disposal runs as its own database role (forvalta_audit_disposer, docs/audit.md):
# the application's role cannot call the disposal function.
_disposal_url = os.environ.get("FORVALTA_AUDIT_DISPOSAL_DATABASE_URL", "").strip()
if _disposal_url:
    DATABASES["audit_disposal"] = {
        **dj_database_url.parse(_disposal_url),
        "TEST": {"MIRROR": "default"},
    }
# Chain staged audit events in a per-process background thread woken after each commit
# (PostgreSQL), so a request pays one INSERT for its event; off, the committing thread
# chains them itself after its commit (deterministic: the default under tests).
FORVALTA_AUDIT_CHAIN_IN_BACKGROUND = env_bool("FORVALTA_AUDIT_CHAIN_IN_BACKGROUND", not TESTING)
# Staged audit events older than this, still unchained, are named by verify.
FORVALTA_AUDIT_STAGING_BOUND_SECONDS = int(
    os.environ.get("FORVALTA_AUDIT_STAGING_BOUND_SECONDS", "900")
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "forvalta.accounts.backends.PasswordBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Login through django-allauth (docs/login.md): user name and password, then a second
# factor (TOTP, security key or passkey, recovery codes) for those who have one. Nobody
# signs up: organisation administrators add people.
ACCOUNT_ADAPTER = "forvalta.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"login": "forvalta.accounts.forms.LoginForm"}
# Forvalta's own throttling (forvalta.accounts.login_throttle) counts failures per
# account and address for every login path, in the database; allauth's cache-based
# limits are off so the two never disagree.
ACCOUNT_RATE_LIMITS = False
# Login through each organisation's own identity provider (OpenID Connect): the IdPs
# are Forvalta's rows (forvalta.accounts.models.IdentityProvider), served to allauth by
# the adapter; people are linked by IdP and subject, never by e-mail address, and are
# created with their membership at their first login (forvalta.accounts.sso).
SOCIALACCOUNT_ADAPTER = "forvalta.accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Strict ID-token checks, nonce and PKCE; its own login and callback views.
        "provider_class": "forvalta.accounts.oidc.provider.ForvaltaOIDCProvider",
    }
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
MFA_ADAPTER = "forvalta.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Forvalta"
MFA_FORMS = {"authenticate": "forvalta.accounts.forms.MFAAuthenticateForm"}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING
# Administrators (platform and organisation) must use a second factor for password
# logins; an organisation can require it of all its members (Organisation.require_mfa).
FORVALTA_REQUIRE_MFA_FOR_ADMINS = env_bool(
    "FORVALTA_REQUIRE_MFA_FOR_ADMINS", not DEBUG and not TESTING
)
# A session ends after this many minutes without a request, and this many hours after
# its login whatever happens (0: no limit).
FORVALTA_SESSION_IDLE_MINUTES = int(os.environ.get("FORVALTA_SESSION_IDLE_MINUTES", "60"))
FORVALTA_SESSION_MAX_HOURS = int(os.environ.get("FORVALTA_SESSION_MAX_HOURS", "12"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
FORMAT_MODULE_PATH = ["forvalta.formats"]  # one date format: "16 jan. 2027"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("FORVALTA_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("FORVALTA_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Signed agreements and other attachments: at most this many bytes each.
FORVALTA_MAX_DOCUMENT_BYTES = int(os.environ.get("FORVALTA_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("FORVALTA_SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS proxy: the header that tells Django the request came over https, e.g.
# FORVALTA_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set it and strip any
# value the client sent).
_proxy_ssl_header = os.environ.get("FORVALTA_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header and not _proxy_ssl_header.upper().startswith("HTTP_"):
    # Also accepted as the header's own name, X-Forwarded-Proto.
    _proxy_ssl_header = "HTTP_" + _proxy_ssl_header.upper().replace("-", "_")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
# HSTS on https responses: on (one year) whenever cookies are https-only.
SECURE_HSTS_SECONDS = int(
    os.environ.get("FORVALTA_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FORVALTA_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("FORVALTA_HSTS_PRELOAD")
SECURE_SSL_REDIRECT = env_bool("FORVALTA_SSL_REDIRECT")

# Content-Security-Policy (django-csp): only the app's own scripts, styles, images and
# fonts (htmx and Swagger UI are vendored); no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The cache holds the API's rate-limit counters, so it must be shared by every server
# process: Redis when FORVALTA_CACHE_URL is set (redis://host:6379/0), else a table in
# PostgreSQL, else (SQLite: one machine) files in var/cache, so that reading the API
# never waits for SQLite's single writer. Test runs use a per-process memory cache
# unless a test asks otherwise.
_cache_url = os.environ.get("FORVALTA_CACHE_URL", "").strip()
CACHES: dict[str, dict[str, Any]]
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "forvalta",
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif not _database_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "forvalta_cache",
        }
    }

# Failed logins (forvalta.core.login_throttle): after this many failures within the
# window, further attempts for the same user name, or from the same address, are refused
# until the window has passed.
FORVALTA_LOGIN_FAILURES_PER_ACCOUNT = int(
    os.environ.get("FORVALTA_LOGIN_FAILURES_PER_ACCOUNT", "5")
)
FORVALTA_LOGIN_FAILURES_PER_ADDRESS = int(
    os.environ.get("FORVALTA_LOGIN_FAILURES_PER_ADDRESS", "20")
)
FORVALTA_LOGIN_FAILURE_WINDOW_MINUTES = int(
    os.environ.get("FORVALTA_LOGIN_FAILURE_WINDOW_MINUTES", "15")
)
# How many proxies in front of Forvalta append to X-Forwarded-For: the client's address
# is taken that many places from the right (0: the connection's address).
FORVALTA_NUM_PROXIES = int(os.environ.get("FORVALTA_NUM_PROXIES", "0"))
# API rate limits (forvalta.core.api_throttle), "N/second|minute|hour|day"; empty: none.
# Test runs have none unless a test sets them (the suite makes thousands of requests).
FORVALTA_API_RATES = {
    "user": os.environ.get("FORVALTA_API_RATE_USER", "" if TESTING else "600/minute"),
    "address": os.environ.get("FORVALTA_API_RATE_ADDRESS", "" if TESTING else "1200/minute"),
}

WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "forvalta.core.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Per token or user; the per-address limit is checked before authentication (see
    # forvalta.core.api_throttle), so bad tokens and anonymous requests count too.
    "DEFAULT_THROTTLE_CLASSES": ["forvalta.core.api_throttle.UserRateThrottle"],
    "NUM_PROXIES": FORVALTA_NUM_PROXIES or None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "forvalta.core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "forvalta.core.api_base.ScopedAutoSchema",
    "EXCEPTION_HANDLER": "forvalta.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Forvalta API",
    "DESCRIPTION": "The system register of Forvalta, under the same rules as the web interface.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "forvalta.core.models.OrganisationKind",
        "EnvironmentKindEnum": "forvalta.register.models.EnvironmentKind",
        "AgreementKindEnum": "forvalta.register.models.AgreementKind",
        "FollowUpDecisionKindEnum": "forvalta.logreview.models.DecisionKind",
        "FollowUpStatusEnum": "forvalta.logreview.models.FollowUpStatus",
        "SuspicionCaseStatusEnum": "forvalta.logreview.models.SuspicionStatus",
    },
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}
# Imports: a file of more than FORVALTA_IMPORT_TASK_THRESHOLD rows is checked and
# imported by a background task with a progress page (register/imports/jobs.py); a
# smaller one inside the request, as before (about 2 ms a new row on SQLite).
FORVALTA_IMPORT_MAX_BYTES = int(os.environ.get("FORVALTA_IMPORT_MAX_BYTES", 10 * 1024 * 1024))
FORVALTA_IMPORT_MAX_ROWS = int(os.environ.get("FORVALTA_IMPORT_MAX_ROWS", "20000"))
FORVALTA_IMPORT_TASK_THRESHOLD = int(os.environ.get("FORVALTA_IMPORT_TASK_THRESHOLD", "300"))
# Ended import runs (their pages and error lists) are removed after this many days.
FORVALTA_IMPORT_JOBS_KEEP_DAYS = int(os.environ.get("FORVALTA_IMPORT_JOBS_KEEP_DAYS", "90"))
# Columns with a value in one row, and cells a file may list (an .xlsx sheet's empty
# formatted cells count too): reading stops and refuses the file at the first one past.
# Cells: 20 000 rows of 30 columns (a register file has 6-15).
FORVALTA_IMPORT_MAX_COLUMNS = int(os.environ.get("FORVALTA_IMPORT_MAX_COLUMNS", "60"))
FORVALTA_IMPORT_MAX_CELLS = int(os.environ.get("FORVALTA_IMPORT_MAX_CELLS", "600000"))
# Days before an agreement's renewal decision date that it is flagged as due.
FORVALTA_RENEWAL_WARNING_DAYS = int(os.environ.get("FORVALTA_RENEWAL_WARNING_DAYS", "90"))
# The host part of the calendar feed's UIDs (`process-step-<pk>@<host>`): keep it stable.
FORVALTA_CALENDAR_UID_HOST = os.environ.get("FORVALTA_CALENDAR_UID_HOST", "forvalta.local")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FORVALTA_LOG_LEVEL", "WARNING")},
}

# Background work: Django's Tasks API (the django-tasks backport). The database backend
# is the embedded default (`manage.py run_worker` runs it, scripts/demo starts one);
# FORVALTA_TASKS_BACKEND=rq moves the queue to Redis (FORVALTA_TASKS_REDIS_URL) and
# `manage.py rqworker` runs it. Tests run tasks immediately unless a test says otherwise.
# See docs/tasks.md.
FORVALTA_TASKS_BACKEND = os.environ.get(
    "FORVALTA_TASKS_BACKEND", "immediate" if TESTING else "database"
).strip()
FORVALTA_TASKS_QUEUES = ["default"]
TASKS: dict[str, dict[str, Any]]
if FORVALTA_TASKS_BACKEND == "database":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": FORVALTA_TASKS_QUEUES,
        }
    }
elif FORVALTA_TASKS_BACKEND == "rq":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": FORVALTA_TASKS_QUEUES,
        }
    }
elif FORVALTA_TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("FORVALTA_TASKS_BACKEND must be database, rq or immediate.")
FORVALTA_TASKS_REDIS_URL = os.environ.get("FORVALTA_TASKS_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    name: {"URL": FORVALTA_TASKS_REDIS_URL, "DEFAULT_TIMEOUT": 3600}
    for name in FORVALTA_TASKS_QUEUES
}
if FORVALTA_TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
# A database worker writes a heartbeat every FORVALTA_TASKS_HEARTBEAT_SECONDS; a task left
# running by a worker silent for FORVALTA_TASKS_STALE_SECONDS (killed, machine lost) is put
# back in the queue by the next worker. Tasks must therefore be idempotent.
FORVALTA_TASKS_HEARTBEAT_SECONDS = float(os.environ.get("FORVALTA_TASKS_HEARTBEAT_SECONDS", "10"))
FORVALTA_TASKS_STALE_SECONDS = float(os.environ.get("FORVALTA_TASKS_STALE_SECONDS", "120"))
# How often a worker (or `manage.py run_scheduler`) checks for due scheduled jobs.
FORVALTA_SCHEDULER_TICK_SECONDS = float(os.environ.get("FORVALTA_SCHEDULER_TICK_SECONDS", "30"))

# E-mail (notifications, forvalta/notifications). Links in e-mails start with
# FORVALTA_BASE_URL; e-mails carry only a neutral subject and a link (OSL).
FORVALTA_BASE_URL = os.environ.get("FORVALTA_BASE_URL", "http://127.0.0.1:8000").strip()
# A new person's invitation link (to choose their password) is valid this many days.
FORVALTA_INVITATION_DAYS = int(os.environ.get("FORVALTA_INVITATION_DAYS", "7"))
# Read notifications and sent e-mails are removed after this many days.
FORVALTA_NOTIFICATIONS_KEEP_DAYS = int(os.environ.get("FORVALTA_NOTIFICATIONS_KEEP_DAYS", "365"))
EMAIL_BACKEND = os.environ.get(
    "FORVALTA_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("FORVALTA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("FORVALTA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("FORVALTA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FORVALTA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("FORVALTA_EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
# The file-based backend (the demo) writes each e-mail to a file in this directory.
EMAIL_FILE_PATH = os.environ.get("FORVALTA_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("FORVALTA_EMAIL_FROM", "Forvalta <noreply@localhost>")
