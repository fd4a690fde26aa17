"""A bounded load test on loopback: gunicorn on 127.0.0.1 with the production settings, driven by
wrk (a Lua script sets the headers and reports the percentiles) or, without wrk, by a thread pool
of plain HTTP clients. Fixed duration (at most MAX_SECONDS) and a fixed number of connections."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from shutil import which

from django.conf import settings
from django.core.management.base import CommandError

MAX_SECONDS = 20
# {headers} sets wrk.headers; {request} optionally replaces the request (random paths).
WRK_SCRIPT = """
{headers}
{request}
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %.3f %.3f %.3f %d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
RANDOM_PATH = """
math.randomseed(8)
request = function()
  return wrk.format("GET", string.format("{prefix}%010d{suffix}", math.random(1, {high})))
end
"""


@dataclass
class LoadResult:
    label: str
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def gunicorn_env(db_url: str | None = None, secret_key: str | None = None) -> dict:
    """Production settings on `db_url` (this process's database unless given); this process's
    SECRET_KEY unless given, so that a session made here (force_login) is valid there."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": db_url or database_url(),
        "DJANGO_SECRET_KEY": secret_key or settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PAYMENT_GATEWAY": "billing.gateway.TestGateway",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(
    port: int, workers: int, env: dict | None = None, threads: int = 0
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port` (production settings on this database unless `env` is
    given); sync workers, or gthread workers of `threads` threads each (the Procfile's kind,
    which keeps connections alive); returns once it accepts connections."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    kind = ["--worker-class", "gthread", "--threads", str(threads)] if threads else []
    proc = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, loopback only
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *kind,
        ],
        env=env or gunicorn_env(),
        cwd=settings.BASE_DIR,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise CommandError("gunicorn did not start listening within 30 s.")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def fetch(port: int, path: str, headers: dict) -> tuple[int, str]:
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def run_wrk(label, port, path, headers, connections, seconds, random_high=None) -> LoadResult:
    header_lines = "\n".join(
        f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()
    )
    request = ""
    if random_high:  # one random account number per request: no single hot row
        prefix, suffix = path.split("{number}")
        request = RANDOM_PATH.format(prefix=prefix, suffix=suffix, high=random_high)
        path = prefix + "0" * 10 + suffix
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(headers=header_lines, request=request))
    try:
        done = subprocess.run(  # noqa: S603 - wrk against 127.0.0.1 only
            [
                which("wrk") or "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
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
    return LoadResult(
        label, int(count), int(micros) / 1e6, float(p50), float(p95), float(p99), int(errors)
    )


def run_python(
    label, port, path, headers, connections, seconds, random_high=None, max_requests=None
) -> LoadResult:
    """The same load without wrk; `max_requests` (spread over the connections) bounds it too."""
    deadline = time.monotonic() + seconds
    per_worker = max(1, max_requests // connections) if max_requests else None

    def worker(n):
        times, errors, i = [], 0, 0
        while time.monotonic() < deadline and (per_worker is None or i < per_worker):
            i += 1
            number = f"{(n * 7919 + i * 104729) % random_high + 1:010d}" if random_high else ""
            started = time.perf_counter()
            try:
                status, _body = fetch(port, path.replace("{number}", number), headers)
                ok = status == 200
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
    if len(times) < 2:
        times = times * 2 or [0.0, 0.0]
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return LoadResult(
        label, len(times), elapsed, cuts[49], cuts[94], cuts[98], sum(r[1] for r in results)
    )


def wrk_version() -> str:
    if not which("wrk"):
        return ""
    done = subprocess.run(  # noqa: S603 - `wrk -v` prints its version
        [which("wrk") or "wrk", "-v"], capture_output=True, text=True, check=False, timeout=10
    )
    return (done.stdout or done.stderr).split("[")[0].strip()
