"""Issue 19's bench: payments through the REST API under wrk while the sweeps run.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lifecycle_bench_api'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_bench_api python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_bench_api \\
        python manage.py bench_api --accounts 20000 --reset

It generates the sweep benchmark's data set (subscriptions/management/bench/data.py: every
status, held and overdue accounts the sweeps act on), issues an API key with the read and
payments scopes, starts gunicorn on a free loopback port with the production settings (the
per-key throttle counting in Redis), and then, while the credit-hold and dunning sweeps run in a
loop on the same database: POST …/payments/ under wrk (wrk_api.lua: each request another account
and its own Idempotency-Key), then GET /api/v1/accounts/<number>/. Afterwards verify_ledger, the
accounts whose ledger sum is not their balance, and the payments recorded against the 2xx
answers. It exits with an error when a request failed or the ledger does not add up.
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time
from datetime import datetime
from datetime import time as clock
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models import Account, BackendStatus, ServiceApiKey
from subscriptions.management.bench import api, data, load

KEY_PREFIX = "bench-api-"
# The product's per-key rate (6000/minute) is below the target: the bench raises the limit, and
# the throttle still counts every request in Redis.
THROTTLE_RATE = "10000000/minute"
TARGET_PAYMENTS_PER_S, TARGET_ACCOUNT_P95_MS = 300, 60


class Command(BaseCommand):
    help = "Benchmark payments and GET account through the REST API while the sweeps run."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=20_000)
        parser.add_argument("--reset", action="store_true", help="empty the account tables first")
        parser.add_argument("--seconds", type=int, default=15, help="per run; at most 60")
        parser.add_argument("--warmup", type=int, default=3, help="untimed seconds per endpoint")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument(
            "--workers",
            type=int,
            # One per core, as the Procfile runs: a payment is CPU-bound in Python and in
            # PostgreSQL on the same cores, so more workers only take turns (docs/api-bench.md).
            default=os.cpu_count() or 1,
            help="gunicorn workers (default: one per CPU, as the Procfile)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=0,
            help="threads per gunicorn worker (gthread, as in the Procfile); 0: sync workers",
        )
        parser.add_argument(
            "--requests", type=int, default=0, help="stop each run after about this many (0: none)"
        )
        parser.add_argument(
            "--cache-url",
            default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11"),
            help="the Redis the per-key throttle counts in (gunicorn's CACHE_URL)",
        )
        parser.add_argument(
            "--sweep-pause",
            type=float,
            default=1.0,
            help="seconds between two rounds of the sweeps (0: back to back)",
        )
        parser.add_argument(
            "--cpu-requests", type=int, default=100, help="requests of each kind timed in-process"
        )
        parser.add_argument(
            "--no-sweeps", action="store_true", help="measure the API alone (no sweep loop)"
        )
        parser.add_argument(
            "--no-settle",
            action="store_true",
            help="start the timed runs with the day's sweep work still to do (see docs/api-bench.md)",
        )

    def handle(self, *args, **opts):
        self.check_arguments(opts)
        settings.DEBUG = False  # no query log in the sweeps' thread
        self.prepare(opts)
        if not opts["no_settle"]:
            self.settle()
        before = api.verify_ledger()
        _row, key = issue_service_api_key(
            f"{KEY_PREFIX}{os.getpid()}",
            actor=Actor.system("bench_api"),
            scopes=["read", "payments"],
        )
        nonce = f"bench-{secrets.token_hex(4)}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                numbers = self.numbers_file(Path(tmp))
                results, sweeps = self.measure(opts, numbers, key, nonce)
                listed = numbers.read_text().split()
                cpu = api.cpu_per_request(key, listed, nonce, opts["cpu_requests"])
        finally:
            ServiceApiKey.objects.filter(name__startswith=KEY_PREFIX).delete()
        self.report(opts, results, sweeps, api.checks(nonce, before), cpu)

    def check_arguments(self, opts) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_api needs PostgreSQL: set DATABASE_URL to a bench database, e.g. "
                "postgres://postgres@127.0.0.1:5432/lifecycle_bench_api."
            )
        if opts["accounts"] < 100 or opts["connections"] < 1 or opts["workers"] < 1:
            raise CommandError("--accounts must be at least 100; --connections, --workers ≥ 1.")
        if not 0 <= opts["threads"] <= 64:
            raise CommandError("--threads must be between 0 (sync workers) and 64.")
        if not opts["cache_url"].startswith("redis://127.0.0.1"):
            raise CommandError("--cache-url must be a Redis on 127.0.0.1 (redis://127.0.0.1…).")
        opts["seconds"] = max(1, min(opts["seconds"], 60))

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def prepare(self, opts) -> None:
        if Account.objects.exists():
            if not opts["reset"]:
                raise CommandError(
                    "This database has accounts; use a bench database, or --reset to empty it."
                )
            data.reset()
        today = timezone.localdate()
        now = timezone.make_aware(datetime.combine(today, clock(12)))
        self.say(f"Generating {opts['accounts']:,} accounts …")
        counts = data.generate(opts["accounts"], today, now)
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(data.TABLES))
        self.say(f"  {counts}")

    def settle(self) -> None:
        """The day's first round: the holds and dunning steps the data set leaves for today. A
        batch holds its accounts' rows until it commits, so payments to them wait for it; the
        timed runs meet the rounds after it (the loop), as a day's later beats would."""
        sweeps = api.SweepLoop()
        started = time.perf_counter()
        sweeps.run_once()
        self.say(f"The day's first sweep round (alone): {time.perf_counter() - started:.1f} s")
        if sweeps.errors:
            raise CommandError(f"The sweeps failed: {sweeps.errors[0]}")

    def numbers_file(self, folder: Path) -> Path:
        """The accounts that take payments (not Deleted), shuffled so that every status and id
        range is paid into, one number a line."""
        numbers = list(
            Account.objects.exclude(status_type__backend_status=BackendStatus.DELETED)
            .order_by("pk")
            .values_list("number", flat=True)
        )
        random.Random(19).shuffle(numbers)  # noqa: S311 - an order, not a secret
        path = folder / "numbers.txt"
        path.write_text("\n".join(numbers) + "\n")
        return path

    def measure(self, opts, numbers: Path, key: str, nonce: str):
        env = {
            **load.gunicorn_env(),
            "API_THROTTLE_RATE": THROTTLE_RATE,
            "CACHE_URL": opts["cache_url"],
        }
        port = load.free_port()
        kind = f"gthread workers × {opts['threads']} threads" if opts["threads"] else "sync workers"
        self.say(f"gunicorn: {opts['workers']} {kind} on 127.0.0.1:{port}")
        gunicorn = load.start_gunicorn(port, opts["workers"], env=env, threads=opts["threads"])
        sweeps = api.SweepLoop(pause=opts["sweep_pause"])
        try:
            api.wait_until_answering(port, key, numbers.read_text().split()[0])
            runs = [("POST payments", "payments"), ("GET account", "account")]
            kw = {"connections": opts["connections"], "max_requests": opts["requests"]}
            if opts["warmup"]:  # every worker loads its code and opens its connections
                for label, mode in runs:
                    api.run_wrk(label, mode, port, numbers, key, f"{nonce}w", **kw,
                                seconds=opts["warmup"])  # fmt: skip
            self.say(f"Load average before: {fmt_load(os.getloadavg())}")
            if not opts["no_sweeps"]:
                sweeps.start()
            results = [
                api.run_wrk(label, mode, port, numbers, key, nonce, **kw, seconds=opts["seconds"])
                for label, mode in runs
            ]
        finally:
            if not opts["no_sweeps"]:
                sweeps.stop()
            load.stop(gunicorn)
        self.say(f"Load average after: {fmt_load(os.getloadavg())}")
        return results, sweeps

    def report(self, opts, results, sweeps: api.SweepLoop, checks: api.Checks, cpu) -> None:
        payments, account = results
        self.say(
            f"\n{opts['accounts']:,} accounts, {opts['connections']} connections, "
            f"{opts['workers']} gunicorn workers"
            f"{f' × {t} threads' if (t := opts['threads']) else ' (sync)'}, "
            f"{opts['seconds']} s per run, "
            f"{os.cpu_count()} CPU(s)\n"
        )
        self.say(api.table(results))
        self.say(
            "\n"
            f"- payments/s: {payments.rate:.0f} (target ≥ {TARGET_PAYMENTS_PER_S}) "
            f"{'✓' if payments.rate >= TARGET_PAYMENTS_PER_S else '✗'}\n"
            f"- GET account p95: {account.p95:.1f} ms (target ≤ {TARGET_ACCOUNT_P95_MS} ms) "
            f"{'✓' if account.p95 <= TARGET_ACCOUNT_P95_MS else '✗'}\n"
            f"- this process's CPU per request, one at a time (no PostgreSQL, no Redis): "
            + ", ".join(f"{label} {ms:.1f} ms" for label, ms in cpu.items())
            + "\n"
            f"- sweep rounds during the runs: {sweeps.rounds} (credit hold + dunning, "
            f"{sweeps.mean_seconds:.2f} s each on average), errors: {len(sweeps.errors)}\n"
            f"- payments recorded with this run's keys: {checks.payments_recorded:,} "
            f"(2xx answers: {payments.requests - payments.non2xx:,}; wrk leaves up to one "
            "request per connection unanswered at the end)\n"
            f"- accounts whose ledger sum ≠ cached balance: {checks.ledger_mismatches}\n"
            "- verify_ledger findings before → after the runs (check:severity):\n  "
            + "\n  ".join(checks.lines() or ["none"])
        )
        problems = [r.sample_errors for r in results if r.non2xx or r.socket_errors]
        problems += sweeps.errors[:3]
        if checks.ledger_mismatches or checks.money_violations:
            problems.append("the ledger does not add up (verify_ledger's money checks)")
        # wrk stops with up to one request per connection unanswered, which the server records.
        answered = payments.requests - payments.non2xx
        if not answered <= checks.payments_recorded <= answered + opts["connections"]:
            problems.append("payments recorded ≠ 2xx answers (+ those in flight at the end)")
        if problems:
            raise CommandError("The bench saw errors:\n" + "\n".join(problems))


def fmt_load(avg) -> str:
    return " / ".join(f"{x:.2f}" for x in avg) + " (1 / 5 / 15 min)"
