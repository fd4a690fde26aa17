"""The pieces of `manage.py bench_api` (issue 19): wrk driving the REST API with wrk_api.lua, the
sweeps running in a loop beside it, and the checks afterwards (verify_ledger, every 2xx payment
recorded once). The command strings them together; nothing here knows the data set."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from shutil import which

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from billing import tasks
from billing.models import EntryKind, LedgerEntry

from . import load

LUA = Path(__file__).with_name("wrk_api.lua")
TIMEOUT_S = 10  # an answer slower than this is a socket error (wrk's default: 2 s)
THREADS = 2  # wrk threads: one per core; the connections are spread over them
MSG_NO_WRK = "bench_api needs wrk (Debian: apt-get install -y wrk)."


@dataclass
class WrkResult:
    label: str
    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50: float
    p95: float
    p99: float
    sample_errors: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(label, mode, port, numbers_file, key, nonce, *, connections, seconds, max_requests=0):
    """One bounded wrk run of wrk_api.lua in `mode` (payments or account)."""
    if not which("wrk"):
        raise CommandError(MSG_NO_WRK)
    threads = min(THREADS, connections)
    args = [mode, str(numbers_file), key, nonce, str(threads), str(max_requests), "1.00"]
    done = subprocess.run(  # noqa: S603 - wrk against 127.0.0.1 only, our own script
        [
            which("wrk") or "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            f"{TIMEOUT_S}s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode or line is None:
        raise CommandError(f"wrk failed ({done.returncode}): {done.stderr[-1500:]}")
    count, micros, non2xx, socket_errors, p50, p95, p99 = line.split()[1:]
    return WrkResult(
        label,
        int(count),
        int(micros) / 1e6,
        int(non2xx),
        int(socket_errors),
        float(p50),
        float(p95),
        float(p99),
        done.stderr.strip()[:1000],
    )


def wait_until_answering(port: int, key: str, number: str, timeout: float = 120.0) -> None:
    """gunicorn listens before its workers have loaded the project: wait for a first answer."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {key}"}
    answer = None
    while time.monotonic() < deadline:
        try:
            answer = load.fetch(port, f"/api/v1/accounts/{number}/", headers)
        except OSError as exc:
            answer = (0, str(exc))
        if answer[0] == 200:
            return
        time.sleep(0.5)
    raise CommandError(f"gunicorn did not answer GET account within {timeout:.0f} s: {answer}")


def cpu_per_request(key: str, numbers: list[str], nonce: str, n: int) -> dict[str, float]:
    """This process's CPU time per request (django.test.Client, one at a time, no sweeps): the
    application's own cost, which the machine's other load does not inflate the way it does
    latency. PostgreSQL's and Redis's CPU are not in it."""
    from django.test import Client, override_settings

    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"amount": "1.00", "description": "Bench payment"}

    def pay(i):
        return client.post(
            f"/api/v1/accounts/{numbers[i % len(numbers)]}/payments/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"{nonce}c-{i}",
            **auth,
        )

    def get(i):
        return client.get(f"/api/v1/accounts/{numbers[i % len(numbers)]}/", **auth)

    result = {}
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        for label, call in (("POST payments", pay), ("GET account", get)):
            for i in range(3):  # warm: imports, URL resolver, first queries
                call(-1 - i)
            started = time.process_time()
            statuses = {call(i).status_code for i in range(n)}
            if not statuses <= {200, 201}:
                raise CommandError(f"{label} in this process answered {sorted(statuses)}")
            result[label] = (time.process_time() - started) / n * 1000
    return result


@dataclass
class SweepLoop:
    """The credit-hold sweep (R-CH1, R-CH5) then the dunning sweep (R-D1…R-D3), again and again in
    a thread of this process on the same database, until stopped — the tasks Celery beat runs,
    called in-process (billing.tasks, the same code a worker runs)."""

    pause: float = 0.0
    rounds: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sweeps", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Let the round in progress finish, then stop."""
        self._stop.set()
        self._thread.join(timeout=600)

    def run_once(self) -> None:
        started = time.perf_counter()
        try:
            tasks.credit_hold_sweep()
            tasks.dunning_sweep()
        except Exception as exc:  # noqa: BLE001 - reported as a bench error, not hidden
            self.errors.append(f"{type(exc).__name__}: {exc}")
        self.seconds.append(time.perf_counter() - started)
        self.rounds += 1

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.run_once()
                self._stop.wait(self.pause)
        finally:
            connection.close()

    @property
    def mean_seconds(self) -> float:
        return sum(self.seconds) / len(self.seconds) if self.seconds else 0.0


MONEY_CHECKS = ("balance", "ledger", "invoices", "open_items")  # verify_ledger's R-B1, R-B3


def verify_ledger() -> dict[str, int]:
    """verify_ledger's findings per check (`check:severity` → count), from its JSON report."""
    out = io.StringIO()
    with contextlib.suppress(SystemExit):  # exit 1 on a violation: the report is printed
        call_command("verify_ledger", json=True, stdout=out)
    return dict(json.loads(out.getvalue())["counts"])


@dataclass
class Checks:
    before: dict[str, int]
    after: dict[str, int]
    ledger_mismatches: int
    payments_recorded: int

    @property
    def money_violations(self) -> int:
        return sum(self.after.get(f"{check}:violation", 0) for check in MONEY_CHECKS)

    def lines(self) -> list[str]:
        keys = sorted(set(self.before) | set(self.after))
        return [f"{key}: {self.before.get(key, 0)} → {self.after.get(key, 0)}" for key in keys]


def checks(nonce: str, before: dict[str, int]) -> Checks:
    """verify_ledger after the run (against `before`), the accounts whose ledger sum is not their
    cached balance (R-B1), and the payments this run's Idempotency-Keys recorded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM accounts_account a LEFT JOIN ("
            "  SELECT account_id, sum(amount) AS total FROM billing_ledgerentry"
            "  GROUP BY account_id) l ON l.account_id = a.id"
            " WHERE a.balance <> COALESCE(l.total, 0)"
        )
        mismatches = cursor.fetchone()[0]
    recorded = LedgerEntry.objects.filter(
        kind=EntryKind.PAYMENT, idempotency_key__startswith=f"api:{nonce}-"
    ).count()
    return Checks(before, verify_ledger(), mismatches, recorded)


def table(results: list[WrkResult]) -> str:
    lines = [
        "| run | requests | requests/s | p50 | p95 | p99 | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.requests:,} | {r.rate:.0f} | {r.p50:.1f} ms | {r.p95:.1f} ms | "
            f"{r.p99:.1f} ms | {r.non2xx} | {r.socket_errors} |"
        )
    return "\n".join(lines)
