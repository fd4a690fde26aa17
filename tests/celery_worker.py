"""Real Celery workers on the Redis broker: a thread in this process (the `celery_worker`
fixture), or a separate `celery worker` process (`worker_process`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app


@pytest.fixture
def celery_worker(transactional_db):
    """Start a worker thread for the project's app; the test's data must be committed."""
    app.loader.import_default_modules()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=20,
    ) as worker:
        yield worker


def worker_process(queue: str, name: str, *, pool: str = "solo", **env) -> subprocess.Popen:
    """`celery -A config worker` as its own process group, on this test's database and Redis DB,
    taking only `queue`; `env` adds environment variables (SWEEP_BATCH_SIZE, …)."""
    db = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        **env,
    }
    concurrency = ["-c", "1"] if pool == "prefork" else []
    return subprocess.Popen(  # noqa: S603 - our own worker command
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "-P",
            pool,
            *concurrency,
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        start_new_session=True,  # its own process group: killpg takes the whole worker
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
