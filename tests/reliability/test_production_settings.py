"""Production settings: secrets only from the environment, secure cookies and HTTPS, and
`manage.py check --deploy --fail-level WARNING` clean (run in a fresh process, as CI does)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "example.com",
    "PAYMENT_GATEWAY": "billing.gateway.TestGateway",
    "DATABASE_URL": "sqlite:////tmp/lifecycle-check-deploy.sqlite3",
}
READ = (
    "from django.conf import settings as s; import json; print(json.dumps({k: getattr(s, k) "
    "for k in %r}, default=str))"
)


def django(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**without_local_settings(), **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def without_local_settings() -> dict[str, str]:
    """The environment minus this machine's Django settings (the test runner sets a few)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PAYMENT_"))}


def test_check_deploy_reports_no_warning_with_production_settings():
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**without_local_settings(), **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_cookies_are_secure_and_https_is_enforced():
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECRET_KEY",
    ]
    import json

    done = django(READ % names)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert values["SECRET_KEY"] == PRODUCTION_ENV["DJANGO_SECRET_KEY"]


@pytest.mark.parametrize("secret", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PAYMENT_GATEWAY"])
def test_production_refuses_to_start_without_its_secrets_in_the_environment(secret, tmp_path):
    env = {**PRODUCTION_ENV}
    env.pop(secret)
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=tmp_path,  # no .env file to fall back on
        env={**without_local_settings(), **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert secret in done.stderr
