"""Each pytest-xdist worker's Celery app talks to its own Redis database (config/settings/test.py):
a task one worker's test sends is never taken by another worker running on another database."""

from django.conf import settings

from config.celery import app


def test_the_celery_app_uses_this_workers_broker_database_not_a_shared_one():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.result_backend == settings.CELERY_RESULT_BACKEND
