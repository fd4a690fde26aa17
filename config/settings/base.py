"""Settings shared by every environment. Values come from the environment (django-environ)."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "accounts",
    "billing",
    "subscriptions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Content Security Policy (django-csp 4), enforced: no inline script or style anywhere; status
# type images are operator data and may live on any HTTPS host; Bootstrap draws its form
# controls with data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "config.urls"
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
            ],
        },
    },
]


def database_from_env(default_url: str) -> dict:
    """Read DATABASE_URL; SQLite gets IMMEDIATE transactions so writers queue instead of failing."""
    try:
        db = env.db("DATABASE_URL", default=default_url)
    except (environ.ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL this project knows: {exc}"
        ) from exc
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    elif db["ENGINE"] == "django.db.backends.postgresql":
        db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
        # psycopg prepares no statement on its own (Django's choice, kept: the threshold is never
        # reached), but one asked for explicitly — accounts.sqlrow's few statements that every
        # API request runs (issue 19). Behind PgBouncer in transaction mode that needs
        # PgBouncer 1.21+ with max_prepared_statements set (docs/api-bench.md).
        db.setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL names {db['ENGINE']}; this project runs on PostgreSQL or SQLite only."
        )
    db["ATOMIC_REQUESTS"] = False
    return db


DATABASES = {"default": database_from_env(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# django-axes: lock a username+IP pair after repeated failures, for a cool-off period.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.panel.views.account.lockout"  # a readable 429 page

# --- Celery (STYLE.md: acks late, reject on worker lost, prefetch 1, time limits, UTC) ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# Redis redelivers a task a dead worker never acknowledged after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3 * 3600)
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker for first runs: messages are files under var/broker, no server needed.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's exchange table; its default is ./control, a folder in the project's top level
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
# Sweeps fan out over this many id ranges, so several workers share one sweep (issue 8).
SWEEP_SLICES = env.int("SWEEP_SLICES", default=4)
# Accounts per sweep transaction (billing.sweeps.BATCH_SIZE unless the environment says otherwise).
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=5000)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict = {
    # Sweeps read due work from the database, so a missed or doubled tick is harmless.
    "credit-hold-sweep": {"task": "billing.tasks.fan_out_credit_hold_sweep", "schedule": 300.0},
    "recurring-charges": {"task": "billing.tasks.run_recurring_charges", "schedule": 3600.0},
    "subscription-charges": {
        "task": "subscriptions.tasks.run_subscription_charges",
        "schedule": 3600.0,
    },
    "dunning-sweep": {"task": "billing.tasks.fan_out_dunning_sweep", "schedule": 900.0},
    "reminders": {"task": "billing.tasks.send_reminders", "schedule": 3600.0},  # R-D7, once/item
    "scheduled-status-changes": {
        "task": "accounts.tasks.apply_scheduled_status_changes",
        "schedule": 600.0,
    },
    "renewal-deadlines": {"task": "accounts.tasks.enforce_renewal_deadlines", "schedule": 3600.0},
    "webhook-dispatch": {"task": "accounts.tasks.dispatch_webhooks", "schedule": 30.0},
    # Issue 18: the statistics page's full count, before ACCOUNT_STATISTICS_MAX_AGE (60 s) ends.
    "account-statistics": {"task": "accounts.tasks.refresh_account_statistics", "schedule": 45.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Product settings ---
ORDERS_CONTACT = env("ORDERS_CONTACT", default="orders@example.com")
UNLOCK_WINDOW_DAYS = env.int("UNLOCK_WINDOW_DAYS", default=30)  # R-G2
RENEWAL_DEADLINE_DAYS = env.int("RENEWAL_DEADLINE_DAYS", default=3)  # R-G3
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="USD")
# Control panel: the card gateway (a dotted path; the test gateway needs no network) and the
# dashboard's low-balance warning (balance minus threshold below this amount).
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="billing.gateway.TestGateway")
PAYMENT_INTENT_MAX_AGE_SECONDS = env.int("PAYMENT_INTENT_MAX_AGE_SECONDS", default=3600)
PANEL_LOW_BALANCE_WARNING = env("PANEL_LOW_BALANCE_WARNING", default="10.00")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="billing@example.com")
# Notices and printable documents (issue 16): the links in emails, the provider on invoices.
PANEL_BASE_URL = env("PANEL_BASE_URL", default="http://localhost:8000")
PROVIDER_NAME = env("PROVIDER_NAME", default="Example Hosting Ltd")
PROVIDER_ADDRESS = env("PROVIDER_ADDRESS", default="1 Example Street, 10115 Berlin, Germany")
PROVIDER_TAX_ID = env("PROVIDER_TAX_ID", default="")
# Provisioning events (R-X6): signed POSTs, retried with exponential backoff, then failed.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=5)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_USE_ENV_PROXY = env.bool("WEBHOOK_USE_ENV_PROXY", default=True)

# --- Public REST API (issue 19): DRF + drf-spectacular, authenticated by service API keys ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.rest.auth.ServiceKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.rest.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.rest.throttling.KeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_THROTTLE_RATE", default="6000/minute")},
    "DEFAULT_PAGINATION_CLASS": "accounts.rest.paging.IdCursor",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accounts.rest.errors.handle",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Account lifecycle back office API",
    "DESCRIPTION": (
        "Accounts, status changes, money and subscriptions of the back office. Authenticate "
        "with a service API key (`Authorization: Bearer lsk_…`); each key holds scopes "
        "(read, write, payments, entitlement)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"BackendStatusEnum": "accounts.models.BackendStatus"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.rest.schema.add_error_responses",
        "accounts.rest.schema.add_links",
    ],
}
# The cache that counts requests per API key; CACHE_URL=redis://… shares it between processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
API_THROTTLE_CACHE = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="lifecycle-demo")
