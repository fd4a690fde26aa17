"""A real Celery worker (celery.contrib.testing) on the Redis broker, in this process."""

import pytest
from celery.contrib.testing.worker import start_worker

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
