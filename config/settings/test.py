"""Tests: PostgreSQL and Redis on loopback unless DATABASE_URL / CELERY_BROKER_URL say otherwise."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lifecycle")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each pytest-xdist worker gets its own Redis database so real workers never take another's tasks.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
# TEST_REDIS_DB_BASE lets two suites run side by side on one Redis without sharing queues.
_redis_db = (env.int("TEST_REDIS_DB_BASE", default=1) + int(_worker.removeprefix("gw") or 0)) % 16
_broker = urlsplit(env("CELERY_BROKER_URL"))
CELERY_BROKER_URL = urlunsplit(_broker._replace(path=f"/{_redis_db}"))
# Celery reads the CELERY_BROKER_URL environment variable before Django's settings: without this
# every xdist worker's Celery app (and the worker processes tests start) shared one queue.
os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # The crash-safety test lowers these so a dead worker's task comes back within seconds.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_ALWAYS_EAGER = False
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tests wait on real task results from a real worker.
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = False
# Tests compare Account Statistics with the rows they have just written: count every time
# (tests/perf checks the cache on its own).
ACCOUNT_STATISTICS_MAX_AGE = 0
