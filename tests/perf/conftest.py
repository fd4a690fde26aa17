import psycopg
import pytest
from django.db import connection

from subscriptions.management.bench import runs
from tests.admin.conftest import billing_manager, support_agent  # noqa: F401 - operator fixtures


@pytest.fixture(autouse=True)
def no_idle_sessions_left_by_earlier_tests(django_db_setup):
    """The benches copy this test database (CREATE DATABASE … TEMPLATE), which PostgreSQL refuses
    while any other session is on it. An earlier test on this xdist worker can leave one behind
    for longer than the copy waits (a thread of its that is still alive keeps its own Django
    connection). Each worker has its own test database, so an idle session on it other than this
    thread's is this worker's leftover: ended before the test. A session a test opens itself
    still meets runs.clone_database's clear error."""
    if connection.vendor == "postgresql":
        own = connection.connection.info.backend_pid if connection.connection else 0
        with psycopg.connect(runs.server_dsn("postgres"), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND state = 'idle' AND pid <> %s",
                [connection.settings_dict["NAME"], own],
            )
    return
