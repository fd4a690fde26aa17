"""The timed runs of the sweep benchmark: the naive per-object loop, the project's sweeps in this
process, and the same sweeps fanned out to two real Celery worker processes."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management import CommandError
from django.db import connection, transaction

from accounts import scheduling
from accounts.models import Account, ScheduledStatusChange
from billing import ladder, sweeps
from billing import services as billing_services

from .broker import (
    CONNECT_TIMEOUT_S,
    TASK_TIMEOUT_S,
    broker_env,
    sender_app,
    stop_workers,
    wait_for_results,
    wait_for_workers,
)


class Rollback(Exception):
    """Undo a timed run so the next one starts from the same data."""


def timed_rollback(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = None
    try:
        with transaction.atomic():
            result = run()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def timed_commit(run) -> tuple[float, float, object]:
    """Run in one transaction and commit it: (seconds to the commit, seconds in all, result).
    The commit counts: it checks the deferred foreign keys of every row written."""
    started = time.perf_counter()
    with transaction.atomic():
        result = run()
        before_commit = time.perf_counter() - started
    return before_commit, time.perf_counter() - started, result


def naive_loop(sample_ids: list[int], today: date, now: datetime) -> int:
    """One account at a time, through the per-object services (the way a first version would)."""
    for pk in sample_ids:
        with transaction.atomic():
            billing_services.evaluate_credit(
                Account.objects.select_for_update().get(pk=pk), now=now
            )
        with transaction.atomic():
            ladder.apply_dunning(Account.objects.select_for_update().get(pk=pk), today)
    due = ScheduledStatusChange.objects.due(today).filter(account_id__in=sample_ids)
    for scheduled in due.select_related("account", "status_type", "reason", "author"):
        with transaction.atomic():
            scheduling._apply(scheduled)
    return len(sample_ids)


def project_sweeps(today: date, now: datetime) -> dict:
    """The three sweeps as beat runs them, one after the other, in this process."""
    return {
        "credit": sweeps.credit_hold_sweep(now=now),
        "dunning": sweeps.dunning_sweep(today),
        "scheduled": scheduling.apply_due_status_changes(today),
    }


def server_dsn(database: str) -> str:
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=database,
    )


def clone_database(source: str, target: str) -> None:
    """A copy of `source`, written to disk and checkpointed, so a timed run on it starts from the
    same data and the same (empty) WAL as every other run's copy."""
    connection.close()  # CREATE DATABASE … TEMPLATE needs the source without sessions
    gc.collect()  # a finished thread's connection (a worker thread's) closes when collected
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        # FILE_COPY: the default WAL_LOG strategy (PostgreSQL 15) would put the whole copy into
        # the WAL and have the next timed run pay for the checkpoints it causes.
        strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
        create = f'CREATE DATABASE "{target}" TEMPLATE "{source}"{strategy}'
        deadline = time.monotonic() + CLONE_WAIT_S
        while True:
            try:
                admin.execute(create)
                break
            except psycopg.errors.ObjectInUse:
                # A server process whose client just exited (gunicorn, a worker) leaves shortly.
                if time.monotonic() > deadline:
                    raise CommandError(in_use_message(admin, source)) from None
                time.sleep(0.2)
        admin.execute("CHECKPOINT")


CLONE_WAIT_S = 10


def in_use_message(admin, source: str) -> str:
    sessions = admin.execute(
        "SELECT coalesce(nullif(application_name, ''), client_addr::text, 'local'), state"
        " FROM pg_stat_activity WHERE datname = %s",
        [source],
    ).fetchall()
    listed = ", ".join(f"{app} ({state})" for app, state in sessions) or "none left"
    return (
        f"Database {source} still had other sessions after {CLONE_WAIT_S} s, so it cannot be "
        f"copied for a timed run: {listed}. Stop them (a web server, a worker) and run again."
    )


@contextmanager
def on_database(name: str):
    """Point this process's default connection at database `name` for a timed run."""
    connection.close()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def drop_database(name: str) -> None:
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def two_workers(
    database: str, today: date, now: datetime, slices: int, timeout: float = TASK_TIMEOUT_S
) -> dict:
    """Start two worker processes on `database`, fan the sweeps out over id ranges, wait —
    sender and workers on one broker, every wait bounded (bench/broker.py)."""
    queue = f"bench-{os.getpid()}"
    workers = [start_worker(database, queue, i) for i in (1, 2)]
    try:
        with sender_app() as sender:
            broker = sender.conf.broker_url
            wait_for_workers(sender, queue, workers, CONNECT_TIMEOUT_S)
            ranges = ranges_of(database, slices)
            started = time.perf_counter()
            for phase in sweep_phases(ranges, today, now):
                results = [sender.send_task(name, kwargs=kw, queue=queue) for name, kw in phase]
                wait_for_results(results, workers, timeout, broker)
            elapsed = time.perf_counter() - started
        memory = [peak_rss_mb(w.pid) for w in workers]
        by_worker = {f"worker {i + 1}": round(m, 1) for i, m in enumerate(memory)}
    finally:
        stop_workers(workers)
    return {"seconds": elapsed, "peak_rss_mb": by_worker, "ranges": len(ranges), "broker": broker}


def start_worker(database: str, queue: str, number: int) -> subprocess.Popen:
    """A real Celery worker process (solo pool) on `database`, consuming only `queue`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        **broker_env(),  # the same broker the sender publishes to
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(  # noqa: S603 - our own worker, loopback services only
        [
            celery,
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-n",
            f"{queue}-{number}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def sweep_phases(ranges, today: date, now: datetime) -> list[list[tuple[str, dict]]]:
    """The tasks beat sends, phase by phase: each phase ends before the next one starts."""
    return [
        [
            ("billing.tasks.credit_hold_sweep", {"now": now.isoformat(), "low": lo, "high": hi})
            for lo, hi in ranges
        ],
        [
            ("billing.tasks.dunning_sweep", {"today": today.isoformat(), "low": lo, "high": hi})
            for lo, hi in ranges
        ],
        [("accounts.tasks.apply_scheduled_status_changes", {"today": today.isoformat()})] * 2,
    ]


def ranges_of(database: str, slices: int) -> list[tuple[int, int]]:
    with psycopg.connect(server_dsn(database)) as conn:
        low, high = conn.execute("SELECT min(id), max(id) + 1 FROM accounts_account").fetchone()
    step = -(-(high - low) // slices)
    return [(start, min(start + step, high)) for start in range(low, high, step)]


def history_by_rule(database: str) -> tuple[dict[str, int], int]:
    """History rows per rule id, and how many accounts got two rows for the same rule."""
    with psycopg.connect(server_dsn(database)) as conn:
        rows = dict(
            conn.execute(
                "SELECT rule_id, count(*) FROM accounts_statuschange GROUP BY rule_id"
            ).fetchall()
        )
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT account_id, rule_id FROM accounts_statuschange "
            "GROUP BY account_id, rule_id HAVING count(*) > 1) AS d"
        ).fetchone()[0]
    return rows, doubled
