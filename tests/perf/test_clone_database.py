"""The benches copy their data set for every timed run (CREATE DATABASE … TEMPLATE), which
PostgreSQL refuses while another session is on the source: a session that is just leaving (a
stopped web server's, a finished worker thread's) is waited for; one that stays is named."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.core.management import CommandError
from django.db import connection

from subscriptions.management.bench import runs

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def drop(name: str) -> None:
    with psycopg.connect(runs.server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_session_that_leaves_is_waited_for(on_postgres):
    source = connection.settings_dict["NAME"]
    other = psycopg.connect(runs.server_dsn(source), application_name="leaving soon")
    threading.Timer(1.0, other.close).start()
    try:
        runs.clone_database(source, f"{source}_copy")
    finally:
        drop(f"{source}_copy")


def test_a_session_that_stays_is_named_in_a_clear_error(on_postgres, monkeypatch):
    monkeypatch.setattr(runs, "CLONE_WAIT_S", 0.5)
    source = connection.settings_dict["NAME"]
    stays = r"still had other sessions.*stray worker \(idle\)"
    with (
        psycopg.connect(runs.server_dsn(source), application_name="stray worker"),
        pytest.raises(CommandError, match=stays),
    ):
        runs.clone_database(source, f"{source}_copy")
    drop(f"{source}_copy")
