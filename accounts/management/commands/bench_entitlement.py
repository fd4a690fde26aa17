"""Measure the entitlement API's throughput under gunicorn on this machine (loopback only).

Creates a fresh PostgreSQL database, migrates it, loads the demo data set and one service API key,
starts gunicorn on 127.0.0.1 with the production settings, sends a bounded load (wrk when it is
installed, else a thread pool of plain HTTP clients), prints requests/s and latency percentiles,
then stops gunicorn and drops the database.
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from shutil import which
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.management.bench import load

# Demo accounts (seed_demo): Active, Credit hold (its running subscriptions are looked up) and
# a number that does not exist (answered like a locked account).
ACCOUNTS = {"Active": "9000000001", "Credit hold": "9000000003", "unknown number": "0000000000"}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %.3f %.3f %.3f %d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


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
        env = self._env(db_url)
        try:
            self.stdout.write(f"Fresh database {name}; migrating and loading the demo data …")
            self._manage(env, "migrate", "--noinput", "-v0")
            self._manage(env, "seed_demo", "--password", secrets.token_urlsafe(12))
            key = self._manage(env, "create_service_api_key", "bench").strip().splitlines()[-1]
            port = load.free_port()
            gunicorn = load.start_gunicorn(port, opts["workers"], env=env)
            try:
                self._report_header(client, opts, seconds)
                for label, number in ACCOUNTS.items():
                    url = f"/api/v1/accounts/{number}/entitlement"
                    self._check(port, url, key, label)
                    run = self._wrk if client == "wrk" else self._python
                    result = run(port, url, key, opts["connections"], seconds, opts["requests"])
                    self._report(label, *result)
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

    def _env(self, db_url: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": db_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PAYMENT_GATEWAY": "billing.gateway.TestGateway",
            "LOG_LEVEL": "WARNING",
            # The demo data set sends dunning notices; no mail leaves a benchmark.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }

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

    def _check(self, port: int, url: str, key: str, label: str) -> None:
        status, body = load.fetch(port, url, {"Authorization": f"Bearer {key}"})
        if status != 200:
            raise CommandError(f"{label}: HTTP {status} {body}")
        self.stdout.write(f"{label}: GET {url} → {body}")

    # --- load --------------------------------------------------------------------------------

    def _wrk(self, port, url, key, connections, seconds, _cap):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        try:
            done = subprocess.run(  # noqa: S603 - wrk against 127.0.0.1 only
                [
                    which("wrk") or "wrk",
                    "-t2",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "-s",
                    script.name,
                    "-H",
                    f"Authorization: Bearer {key}",
                    f"http://127.0.0.1:{port}{url}",
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 30,
                check=True,
            )
        finally:
            os.unlink(script.name)
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH "))
        count, micros, p50, p95, p99, errors = line.split()[1:]
        return int(count), int(micros) / 1e6, float(p50), float(p95), float(p99), int(errors)

    def _python(self, port, url, key, connections, seconds, cap):
        deadline = time.monotonic() + seconds
        per_worker = max(1, cap // connections)

        def worker(_n):
            times, errors = [], 0
            for _i in range(per_worker):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                try:
                    conn = HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", url, headers={"Authorization": f"Bearer {key}"})
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                    ok = response.status == 200
                except OSError:
                    ok = False
                times.append((time.perf_counter() - started) * 1000)
                errors += not ok
            return times, errors

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=connections) as pool:
            results = list(pool.map(worker, range(connections)))
        elapsed = time.monotonic() - started
        times = sorted(t for r in results for t in r[0])
        cuts = statistics.quantiles(times, n=100)
        return len(times), elapsed, cuts[49], cuts[94], cuts[98], sum(r[1] for r in results)

    # --- output ------------------------------------------------------------------------------

    def _report_header(self, client, opts, seconds):
        self.stdout.write(
            f"gunicorn {opts['workers']} sync workers on 127.0.0.1, client {client}, "
            f"{opts['connections']} connections, {seconds} s per run, {os.cpu_count()} CPU(s), "
            f"load average before: {os.getloadavg()[0]:.2f}"
        )

    def _report(self, label, count, elapsed, p50, p95, p99, errors):
        self.stdout.write(
            f"{label}: {count} requests in {elapsed:.1f} s = {count / elapsed:.0f} req/s; "
            f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; errors {errors}"
        )
