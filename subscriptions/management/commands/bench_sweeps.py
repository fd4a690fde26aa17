"""Issue 8: time the sweeps at scale against the raw-SQL floor and a naive per-object loop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_bench \\
        python manage.py migrate && python manage.py bench_sweeps --accounts 1000000 --write

It generates the data set (subscriptions/management/bench/data.py), then from the same starting
data: the naive loop on a sample (rolled back, extrapolated), and — each on its own fresh copy of
the database, committed — the floor (one SQL statement per sweep), the project's sweeps in this
process, and the same sweeps shared by two real Celery worker processes (their peak memory read
from /proc). It lives in subscriptions, the top app, because it drives every app's sweeps.
"""

from __future__ import annotations

import resource
import statistics
import time
from datetime import datetime
from datetime import time as clock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from subscriptions.management.bench import broker, data, floor, runs
from subscriptions.management.bench import sweeps_report as report


class Command(BaseCommand):
    help = "Benchmark the credit-hold, dunning and scheduled-change sweeps (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1_000_000)
        parser.add_argument(
            "--sample",
            type=int,
            default=50_000,
            help="accounts in the naive loop's sample (extrapolated)",
        )
        parser.add_argument("--slices", type=int, default=8, help="id ranges for the workers")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the account tables first (required if any exist)",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=3,
            help="turns of floor and sweeps, each on a fresh copy; the medians are compared",
        )
        parser.add_argument("--skip-workers", action="store_true")
        parser.add_argument(
            "--worker-timeout",
            type=float,
            default=broker.TASK_TIMEOUT_S,
            help="seconds each phase of the two-worker run may take before it is given up",
        )
        parser.add_argument("--write", action="store_true", help="write docs/PERFORMANCE.md")

    def handle(
        self, *args, accounts, sample, slices, reset, repeat, skip_workers, write, **options
    ):
        self.worker_timeout = options.get("worker_timeout") or broker.TASK_TIMEOUT_S
        self.prepare(accounts, sample, repeat, reset)
        today = timezone.localdate()
        now = timezone.make_aware(datetime.combine(today, clock(12)))
        self.say(f"Generating {accounts:,} accounts …")
        started = time.perf_counter()
        counts = data.generate(accounts, today, now)
        generated_in = time.perf_counter() - started
        self.say(f"  {counts} in {generated_in:.1f} s")
        naive = self.naive(accounts, sample, today, now)

        # The floor and the sweeps each run on their own fresh, checkpointed copy of the data and
        # commit, so both start from the same state and both pay for their commits. They take
        # turns, `repeat` times each, and the medians are compared: on a shared machine one pair
        # of runs can land 15% apart either way.
        source = settings.DATABASES["default"]["NAME"]
        copies = {run: f"{source}_{run}" for run in ("floor", "sweeps", "workers")}
        if skip_workers:
            del copies["workers"]
        try:
            turns = self.take_turns(source, copies, repeat, today, now)
            workers = None
            if "workers" in copies:
                workers = self.two_workers(source, copies["workers"], today, now, slices)
        finally:
            for name in copies.values():
                runs.drop_database(name)
        floor_s, floor_statements_s = report.median(turns["floor_runs"])
        sweep_s = statistics.median_low(turns["sweep_runs"])
        result = {
            "accounts": accounts,
            "counts": counts,
            "generated_s": generated_in,
            "floor_s": floor_s,
            "floor_statements_s": floor_statements_s,
            **turns,
            **naive,
            "sweep_s": sweep_s,
            "workers": workers,
        }
        self.say(report.summary(result))
        if write:
            self.write_report(result)

    def prepare(self, accounts: int, sample: int, repeat: int, reset: bool) -> None:
        """Refuse what cannot be measured; empty the tables with --reset."""
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_sweeps needs PostgreSQL: set DATABASE_URL to a bench database."
            )
        if accounts < 100 or sample < 1 or repeat < 1:
            raise CommandError("--accounts must be at least 100, --sample and --repeat at least 1.")
        settings.DEBUG = False  # no query log: memory must stay flat
        if Account.objects.exists():
            if not reset:
                raise CommandError("This database has accounts; use a bench database, or --reset.")
            data.reset()

    def naive(self, accounts: int, sample: int, today, now) -> dict:
        """The naive per-object loop on an evenly spread sample, rolled back and extrapolated."""
        step = max(1, accounts // sample)
        sample_ids = list(
            Account.objects.filter(pk__lte=step * sample).values_list("pk", flat=True)[::step][
                :sample
            ]
        )
        naive_s, _ = runs.timed_rollback(lambda: runs.naive_loop(sample_ids, today, now))
        naive_full = naive_s * accounts / len(sample_ids)
        self.say(
            f"Naive loop: {naive_s:.1f} s for {len(sample_ids):,} accounts → "
            f"{naive_full:,.0f} s extrapolated"
        )
        return {"naive_s": naive_s, "naive_sample": len(sample_ids), "naive_full_s": naive_full}

    def take_turns(self, source: str, copies: dict, repeat: int, today, now) -> dict:
        """Floor and sweeps, `repeat` turns each on fresh copies; every turn's history must agree."""
        floor_runs, sweep_runs, histories = [], [], []
        for turn in range(1, repeat + 1):
            runs.clone_database(source, copies["floor"])
            with runs.on_database(copies["floor"]):
                statements_s, total_s, floor_counts = runs.timed_commit(
                    lambda: floor.run(today, now)
                )
            runs.drop_database(copies["floor"])
            floor_runs.append((total_s, statements_s))
            self.say(
                f"Floor {turn} (raw SQL, committed): {total_s:.2f} s "
                f"({statements_s:.2f} s to the commit), {floor_counts}"
            )
            runs.clone_database(source, copies["sweeps"])
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            with runs.on_database(copies["sweeps"]):
                started = time.perf_counter()
                project = runs.project_sweeps(today, now)
                sweep_runs.append(time.perf_counter() - started)
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            histories.append(runs.history_by_rule(copies["sweeps"]))
            runs.drop_database(copies["sweeps"])
            self.say(f"Project sweeps {turn} (one process): {sweep_runs[-1]:.2f} s, {project}")
        in_process, doubled = histories[-1]
        if any(h != histories[-1] for h in histories):
            raise CommandError(f"The sweeps' history differed between turns: {histories}")
        return {
            "floor_runs": floor_runs,
            "sweep_runs": sweep_runs,
            "floor": floor_counts,
            "project": project,
            "history": in_process,
            "doubled": doubled,
            "rss_mb": (rss_before, rss_after),
        }

    def two_workers(self, source: str, copy: str, today, now, slices: int) -> dict:
        """The same sweeps shared by two real Celery worker processes, on their own copy."""
        runs.clone_database(source, copy)
        try:
            workers = runs.two_workers(copy, today, now, slices, self.worker_timeout)
        except broker.BenchError as exc:  # a wait ran out: say which, do not hang (issue 15)
            raise CommandError(str(exc)) from exc
        workers["history"], workers["doubled"] = runs.history_by_rule(copy)
        self.say(f"Two workers: {workers}")
        return workers

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def write_report(self, r: dict) -> None:
        path = settings.BASE_DIR / "docs" / "PERFORMANCE.md"
        report.write_section(path, report.render(r, report.summary(r)))
        self.say(f"Wrote {path}")
