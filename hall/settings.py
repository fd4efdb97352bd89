"""Hall settings: one file, driven by the environment.

Development (the default) runs on the embedded servers that `./hallctl` starts and passes in as
DATABASE_URL / REDIS_URL. Production sets HALL_ENV=production, HALL_SECRET_KEY, HALL_ALLOWED_HOSTS
and its own DATABASE_URL / REDIS_URL (see docker-compose.yml).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import clock
from hall import jobs as _jobs

BASE_DIR = Path(__file__).resolve().parent.parent
HALL_ENV = os.environ.get("HALL_ENV", "development")
PRODUCTION = HALL_ENV == "production"
TESTING = os.environ.get("HALL_TESTING") == "1"


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("HALL_DEBUG") and not PRODUCTION
# The compose file's old fixed database password: production refuses it (see DATABASES below).
COMPOSE_DEFAULT_DB_PASSWORD = "hall"
if PRODUCTION:
    SECRET_KEY = os.environ["HALL_SECRET_KEY"]
    ALLOWED_HOSTS = [h.strip() for h in os.environ["HALL_ALLOWED_HOSTS"].split(",") if h.strip()]
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = _flag("HALL_SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # Behind the documented TLS-terminating proxy: trust its X-Forwarded-Proto, send plain HTTP to
    # HTTPS and pin HTTPS with HSTS. The health check is answered on plain HTTP inside the network.
    if _flag("HALL_BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = _flag("HALL_SSL_REDIRECT", True)
        SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
        SECURE_HSTS_SECONDS = int(os.environ.get("HALL_HSTS_SECONDS", "31536000"))
        SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("HALL_HSTS_INCLUDE_SUBDOMAINS", True)
        SECURE_HSTS_PRELOAD = _flag("HALL_HSTS_PRELOAD", False)
    CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("HALL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
else:
    SECRET_KEY = os.environ.get("HALL_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1", "testserver"]
# Production refuses simulated carrier systems (tenants.checks) unless a carrier opts in with
# gateways[system]["allow_in_production"], or this switch is on for a whole demo site.
HALL_ALLOW_SIMULATORS = _flag("HALL_ALLOW_SIMULATORS")
# How many reverse proxies in front of Hall append to X-Forwarded-For (0: use REMOTE_ADDR). The
# client is the address that many hops from the right; anything further left is the client's claim.
HALL_TRUSTED_PROXIES = int(os.environ.get("HALL_TRUSTED_PROXIES", "0"))
# The scheme and port of the carriers' public URLs (gateway callbacks and return links are built
# from the carrier's primary domain, never from a request's Host header).
HALL_PUBLIC_SCHEME = os.environ.get("HALL_PUBLIC_SCHEME", "https" if PRODUCTION else "http")
HALL_PUBLIC_PORT = os.environ.get("HALL_PUBLIC_PORT", "" if PRODUCTION else os.environ.get("HALL_PORT", "8000"))

# Apps in the public schema: carriers, their domains and groups, platform operators.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "realname.registry",  # one ID, five numbers: counted across a carrier group, so public
    "axes",  # platform operators' sign-in attempts (public schema)
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "operators",  # the public host and cross-carrier commands (no models)
    "demo",  # demo data and seed_demo (no models)
]
# Apps in every carrier's schema: accounts, the shop, catalogue, orders, real-name records.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "rest_framework.authtoken",
    "axes",  # each carrier's staff sign-in attempts, in its own schema
    "storefront",
    "storefront.decoration",
    "selfcare",
    "analytics",
    "catalog",
    "numberpool",
    "orders",
    "promotions",
    "realname",
    "subscribers",
    "integrations",
    "openapi_tmf",
    "tenants.simulators",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Carrier"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "hall.urls_public"
ROOT_URLCONF = "hall.urls_tenant"
DEFAULT_NOT_FOUND_TENANT_VIEW = "operators.errors.UnknownHostView"
# A migrated, empty carrier schema that new carriers are cloned from (fast creation); when it
# does not exist yet, a carrier's schema is migrated from scratch.
TENANT_BASE_SCHEMA = "carrier_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Seconds a web process remembers which carrier a host name belongs to (0: look up every time).
HALL_TENANT_CACHE_SECONDS = int(os.environ.get("HALL_TENANT_CACHE_SECONDS", "0" if TESTING else "10"))
# Number selection: how long a hold lasts, how many one visitor may hold, and rate limits.
HALL_NUMBER_HOLD_MINUTES = int(os.environ.get("HALL_NUMBER_HOLD_MINUTES", "15"))
HALL_NUMBER_MAX_HOLDS = int(os.environ.get("HALL_NUMBER_MAX_HOLDS", "1"))
# Different coupon codes one visitor may try an hour: enough for a person, not for guessing codes.
HALL_PROMO_CODES_PER_HOUR = int(os.environ.get("HALL_PROMO_CODES_PER_HOUR", "20"))
# A number given back by a cancelled or unpaid order returns to the pool after this cool-off.
HALL_NUMBER_COOLOFF_MINUTES = int(os.environ.get("HALL_NUMBER_COOLOFF_MINUTES", "30"))
# A recycled card's number (sold, never verified) rests this long before it is sold again.
HALL_RECYCLED_NUMBER_COOLOFF_DAYS = int(os.environ.get("HALL_RECYCLED_NUMBER_COOLOFF_DAYS", "30"))
# Fulfilment: an order that has not moved for this long is sent to a worker again (lost message,
# dead worker); parcels are tracked this often.
HALL_STUCK_AFTER_SECONDS = int(os.environ.get("HALL_STUCK_AFTER_SECONDS", "300"))
HALL_TRACKING_POLL_SECONDS = float(os.environ.get("HALL_TRACKING_POLL_SECONDS", "30"))
HALL_NUMBER_SEARCHES_PER_MINUTE = int(os.environ.get("HALL_NUMBER_SEARCHES_PER_MINUTE", "60"))
HALL_NUMBER_HOLDS_PER_MINUTE = int(os.environ.get("HALL_NUMBER_HOLDS_PER_MINUTE", "10"))
# Real-name data keys, "kid:base64(32 bytes)[,…]", the first one used for new values (see realname.crypto).
HALL_REALNAME_KEYS = os.environ.get("HALL_REALNAME_KEYS", "")
# Key of the ID hash behind the one-ID-five-numbers registry (base64); never rotated casually.
HALL_REALNAME_HASH_KEY = os.environ.get("HALL_REALNAME_HASH_KEY", "")
# In-house analytics: page views and business events go through a Redis list (database 2).
HALL_ANALYTICS = os.environ.get("HALL_ANALYTICS", "1") == "1"
HALL_HEALTH_CACHE_SECONDS = int(os.environ.get("HALL_HEALTH_CACHE_SECONDS", "0" if TESTING else "5"))
# The outbox (integrations.delivery): one POST's timeout, a scale for the retry back-off (tests shrink
# it), and whether callbacks may be loopback or private addresses (not in production unless set).
HALL_OUTBOX_TIMEOUT_SECONDS = float(os.environ.get("HALL_OUTBOX_TIMEOUT_SECONDS", "5"))
HALL_OUTBOX_BACKOFF_SCALE = float(os.environ.get("HALL_OUTBOX_BACKOFF_SCALE", "1"))
HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS = _flag("HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS", not PRODUCTION)
# One `SET search_path` per connection and tenant, not one per cursor (a fulfilment run sent 114).
# The backend forgets what it set on every rollback and savepoint rollback (PostgreSQL undoes a SET
# with them), so none leaves a stale search_path: tests/tenants/test_tenancy.py checks both.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "operators.probes.ProbeMiddleware",  # /livez and /readyz, before host routing (any Host)
    "tenants.middleware.CachedTenantMiddleware",
    "core.fragments.GenerationsMiddleware",  # after the carrier is known: its generations, once
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ShopLanguageMiddleware",
    "core.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "analytics.capture.AnalyticsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "storefront.context_processors.shop",
            ],
        },
    },
]

WSGI_APPLICATION = "hall.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql://hall@127.0.0.1:54329/hall"),
        engine="django_tenants.postgresql_backend",
        conn_max_age=0 if TESTING else 60,
        conn_health_checks=True,
    )
}
if PRODUCTION and DATABASES["default"].get("PASSWORD") == COMPOSE_DEFAULT_DB_PASSWORD:
    raise ImproperlyConfigured("DATABASE_URL uses the old compose default password; set HALL_DB_PASSWORD to a secret.")
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
# The cache gets its own Redis database: clearing it must never touch the Celery broker's queues.
CACHE_URL = os.environ.get("HALL_CACHE_URL") or REDIS_URL.rsplit("/", 1)[0] + "/1"
HALL_ANALYTICS_REDIS_URL = os.environ.get("HALL_ANALYTICS_REDIS_URL") or REDIS_URL.rsplit("/", 1)[0] + "/2"
CACHES = {
    "default": {
        "BACKEND": "core.cache_backend.RedisCache",  # one client per pool, not per call
        "LOCATION": CACHE_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": "hall",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator"},  # Django's rules, in our own words (core/passwords.py)
    {"NAME": "core.passwords.CommonPasswordValidator"},
    {"NAME": "core.passwords.NumericPasswordValidator"},
]
# Brute force on the staff and platform admin sign-in (django-axes): after this many failures per
# account or per client address, that account or address is locked for a while.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
HALL_ADMIN_SIGN_IN_FAILURES = int(os.environ.get("HALL_ADMIN_SIGN_IN_FAILURES", "5"))
HALL_ADMIN_LOCKOUT_MINUTES = int(os.environ.get("HALL_ADMIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = HALL_ADMIN_SIGN_IN_FAILURES
AXES_COOLOFF_TIME = HALL_ADMIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
# A success does not wipe the failures: axes would also clear that address's failures against other
# accounts, so one valid login could reset a guesser's count. Failures age out with the lockout time.
AXES_RESET_ON_SUCCESS = False
AXES_ONLY_ADMIN_SITE = True  # the shop's sign-in has its own limit (core.ratelimit)
AXES_HANDLER = "core.admin.lockout.AdminSignInHandler"
AXES_LOCKOUT_CALLABLE = "core.admin.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

LOGIN_URL = "account-login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = clock.TIME_ZONE  # Asia/Shanghai; core.clock stamps every log line with it
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only production collects static files; development serves them from the finders (whitenoise).
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
DATA_DIR = Path(os.environ.get("HALL_DATA_DIR") or BASE_DIR / ".hall")
MEDIA_ROOT = Path(os.environ.get("HALL_MEDIA_ROOT") or DATA_DIR / "media")
# Staff uploads (logos, banners) land in MEDIA_ROOT/<schema>/: one carrier never sees another's.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Content-Security-Policy: no inline script or style except with the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api_auth.CsrfSessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",  # subscribers' apps on the shop's /api/
    ],  # partners' bearer tokens open /tmf-api/ only, whose views name them and check scopes
    "DEFAULT_PAGINATION_CLASS": "core.api.Pages",
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "300/min"},
    # DRF's default (None) would believe a client's own X-Forwarded-For: count as core.ratelimit does.
    "NUM_PROXIES": HALL_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hall API",
    "DESCRIPTION": "A carrier's online business hall: catalogue and cart (per carrier host). Partners and "
    "carrier systems use the TM Forum Open APIs instead: [/tmf-api/docs](/tmf-api/docs) "
    "(TMF620, 622, 685, 637, 654, 621 with bearer tokens).",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,  # the schema documents the API, not itself
    "COMPONENT_SPLIT_PATCH": False,  # PATCH bodies are validated whole (their fields stay required)
    "ENUM_NAME_OVERRIDES": {"OfferKindEnum": "catalog.kinds.KIND_CHOICES", "OrderKindEnum": "orders.models.OrderKind"},
    "PREPROCESSING_HOOKS": ["core.api.api_endpoints_only"],
    # The shared error answers (400, 401, 403, 404, 405, 429, 413 with a body) and the one Error shape.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.document_errors"],
}

# Celery: tenant-aware app in hall/celery.py; every message carries its carrier's schema.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacknowledged messages after this; tasks re-check state, so it is only latency.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TASK_TENANT_CACHE_SECONDS = 30
# With the broker down, sending gives up within a second (the caller carries on; sweepers re-send).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# The result backend (Redis too) would otherwise retry 20 times, a second apart, per task sent.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
HALL_JOBS = _jobs.JOBS  # read by `manage.py sweep` (operators), which may not import the project
CELERY_BEAT_SCHEDULE = _jobs.beat_schedule()  # every periodic job, declared once in hall/jobs.py
# Each due job is claimed in Redis before it is sent: two beats never send it twice (hall/beat.py).
CELERY_BEAT_SCHEDULER = "hall.beat:OnceScheduler"

# One clock in every log line (core.clock: the platform's zone, with its offset). Under `hallctl up`
# the supervisor stamps each line already, so the processes leave their own time out.
_STAMP = "" if os.environ.get("HALL_SUPERVISED") == "1" else "%(asctime)s "
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "tenant": {
            "()": "core.clock.ClockFormatter",
            "format": _STAMP + "%(levelname)s [%(schema_name)s:%(domain_url)s] %(name)s: %(message)s",
        },
        # runserver's request lines, otherwise "[01/Dec/2026 23:40:01]" in a format of their own
        "server": {"()": "core.clock.ClockFormatter", "format": _STAMP + "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant_context"], "formatter": "tenant"},
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HALL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}
# Celery's own handlers (worker and beat) take these formats; hall.celery gives them the clock.
CELERY_WORKER_LOG_FORMAT = "[" + _STAMP + "%(levelname)s/%(processName)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = "[" + _STAMP + "%(levelname)s/%(processName)s] %(task_name)s[%(task_id)s]: %(message)s"
