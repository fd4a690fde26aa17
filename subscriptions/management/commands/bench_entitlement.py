"""Measure the entitlement API's throughput under gunicorn on this machine (loopback only).

Creates a fresh PostgreSQL database, migrates it, loads the demo data set and one service API key,
starts gunicorn on 127.0.0.1 with the production settings, sends a bounded load (wrk when it is
installed, else a thread pool of plain HTTP clients), prints requests/s and latency percentiles,
then stops gunicorn and drops the database.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from shutil import which
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from subscriptions.management.bench import load

# Demo accounts (seed_demo): Active, Credit hold (its running subscriptions are looked up) and
# a number that does not exist (answered like a locked account).
ACCOUNTS = {"Active": "9000000001", "Credit hold": "9000000003", "unknown number": "0000000000"}


class Command(BaseCommand):
    help = "Benchmark GET /api/v1/accounts/<number>/entitlement under gunicorn on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument(
            "--server-url",
            default=os.environ.get(
                "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
            ),
            help="A PostgreSQL server on this machine; a fresh database is created on it.",
        )
        parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--seconds", type=int, default=15, help="per run; at most 60")
        parser.add_argument("--requests", type=int, default=20000, help="cap for the Python client")
        parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")

    def handle(self, *args, **opts):
        seconds = max(1, min(opts["seconds"], 60))
        server = urlsplit(opts["server_url"])
        if server.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise CommandError("The benchmark runs against this machine only (127.0.0.1).")
        client = opts["client"]
        if client == "auto":
            client = "wrk" if which("wrk") else "python"
        name = f"lifecycle_bench_{os.getpid()}"
        db_url = urlunsplit(server._replace(path=f"/{name}"))
        self._create_db(opts["server_url"], name)
        env = load.gunicorn_env(db_url, secret_key=secrets.token_urlsafe(40))
        try:
            self.stdout.write(f"Fresh database {name}; migrating and loading the demo data …")
            self._manage(env, "migrate", "--noinput", "-v0")
            self._manage(env, "seed_demo", "--password", secrets.token_urlsafe(12))
            key = self._manage(env, "create_service_api_key", "bench").strip().splitlines()[-1]
            port = load.free_port()
            gunicorn = load.start_gunicorn(port, opts["workers"], env=env)
            try:
                self._report_header(client, opts, seconds)
                headers = {"Authorization": f"Bearer {key}"}
                for label, number in ACCOUNTS.items():
                    url = f"/api/v1/accounts/{number}/entitlement"
                    self._check(port, url, headers, label)
                    if client == "wrk":
                        result = load.run_wrk(
                            label, port, url, headers, opts["connections"], seconds
                        )
                    else:
                        result = load.run_python(
                            label,
                            port,
                            url,
                            headers,
                            opts["connections"],
                            seconds,
                            max_requests=opts["requests"],
                        )
                    self._report(result)
            finally:
                load.stop(gunicorn)
        finally:
            self._drop_db(opts["server_url"], name)

    # --- setup -------------------------------------------------------------------------------

    def _create_db(self, server_url: str, name: str) -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def _drop_db(self, server_url: str, name: str) -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _manage(self, env: dict, *args: str) -> str:
        manage = Path(settings.BASE_DIR) / "manage.py"
        done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(manage), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            raise CommandError(f"manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def _check(self, port: int, url: str, headers: dict, label: str) -> None:
        status, body = load.fetch(port, url, headers)
        if status != 200:
            raise CommandError(f"{label}: HTTP {status} {body}")
        self.stdout.write(f"{label}: GET {url} → {body}")

    # --- output ------------------------------------------------------------------------------

    def _report_header(self, client, opts, seconds):
        self.stdout.write(
            f"gunicorn {opts['workers']} sync workers on 127.0.0.1, client {client}, "
            f"{opts['connections']} connections, {seconds} s per run, {os.cpu_count()} CPU(s), "
            f"load average before: {os.getloadavg()[0]:.2f}"
        )

    def _report(self, r: load.LoadResult) -> None:
        self.stdout.write(
            f"{r.label}: {r.requests} requests in {r.seconds:.1f} s = {r.rate:.0f} req/s; "
            f"latency p50 {r.p50:.1f} ms, p95 {r.p95:.1f} ms, p99 {r.p99:.1f} ms; "
            f"errors {r.errors}"
        )
