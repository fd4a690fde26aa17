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
from subscriptions.management.bench import data, floor, runs


def median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run with the (low) median total, with its own second figure."""
    ordered = sorted(pairs)
    return ordered[(len(ordered) - 1) // 2]


MARK_START, MARK_END = "<!-- bench_sweeps:start -->", "<!-- bench_sweeps:end -->"


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
        parser.add_argument("--write", action="store_true", help="write docs/PERFORMANCE.md")

    def handle(
        self, *args, accounts, sample, slices, reset, repeat, skip_workers, write, **options
    ):
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
        today = timezone.localdate()
        now = timezone.make_aware(datetime.combine(today, clock(12)))
        self.say(f"Generating {accounts:,} accounts …")
        started = time.perf_counter()
        counts = data.generate(accounts, today, now)
        generated_in = time.perf_counter() - started
        self.say(f"  {counts} in {generated_in:.1f} s")

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

        # The floor and the sweeps each run on their own fresh, checkpointed copy of the data and
        # commit, so both start from the same state and both pay for their commits. They take
        # turns, `repeat` times each, and the medians are compared: on a shared machine one pair
        # of runs can land 15% apart either way.
        source = settings.DATABASES["default"]["NAME"]
        copies = {run: f"{source}_{run}" for run in ("floor", "sweeps", "workers")}
        if skip_workers:
            del copies["workers"]
        floor_runs, sweep_runs, histories = [], [], []
        try:
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

            workers = None
            if "workers" in copies:
                runs.clone_database(source, copies["workers"])
                workers = runs.two_workers(copies["workers"], today, now, slices)
                workers["history"], workers["doubled"] = runs.history_by_rule(copies["workers"])
                self.say(f"Two workers: {workers}")
        finally:
            for name in copies.values():
                runs.drop_database(name)
        floor_s, floor_statements_s = median(floor_runs)
        sweep_s = statistics.median_low(sweep_runs)
        result = {
            "accounts": accounts,
            "counts": counts,
            "generated_s": generated_in,
            "floor_s": floor_s,
            "floor_statements_s": floor_statements_s,
            "floor_runs": floor_runs,
            "sweep_runs": sweep_runs,
            "floor": floor_counts,
            "naive_s": naive_s,
            "naive_sample": len(sample_ids),
            "naive_full_s": naive_full,
            "sweep_s": sweep_s,
            "project": project,
            "history": in_process,
            "doubled": doubled,
            "rss_mb": (rss_before, rss_after),
            "workers": workers,
        }
        self.say(self.summary(result))
        if write:
            self.write_report(result)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    @staticmethod
    def summary(r: dict) -> str:
        moved_floor = sum(r["floor"].values())
        moved = sum(r["history"].values())
        lines = [
            f"Accounts: {r['accounts']:,}; transitions: floor {moved_floor:,}, sweeps {moved:,}",
        ]
        if r["workers"]:
            lines.append(
                "Sweep / floor, fanned out to two worker processes as beat runs it: "
                f"{r['workers']['seconds'] / r['floor_s']:.2f}× (target ≤ 3×)"
            )
        lines += [
            f"Sweep / floor, all in one process: {r['sweep_s'] / r['floor_s']:.2f}× "
            f"({r['sweep_s'] / r['floor_statements_s']:.2f}× the floor's statements alone)",
            f"Naive / sweep (one process): {r['naive_full_s'] / r['sweep_s']:.0f}× (target ≥ 100×)",
            f"Accounts with two rows for one rule: {r['doubled']}",
        ]
        if r["workers"]:
            w = r["workers"]
            same = "identical" if w["history"] == r["history"] else "DIFFERENT"
            lines.append(
                f"Two workers: {w['seconds']:.2f} s over {w['ranges']} ranges, history "
                f"{same} to the one-process run, doubled rows {w['doubled']}, peak RSS "
                f"{w['peak_rss_mb']} MB"
            )
        return "\n".join(lines)

    def write_report(self, r: dict) -> None:
        path = settings.BASE_DIR / "docs" / "PERFORMANCE.md"
        path.parent.mkdir(exist_ok=True)
        text = path.read_text() if path.exists() else "# Performance\n"
        section = render(r, self.summary(r))
        if MARK_START in text:
            head, rest = text.split(MARK_START, 1)
            text = head + section + rest.split(MARK_END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
        path.write_text(text)
        self.say(f"Wrote {path}")


def seconds(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def render(r: dict, summary: str) -> str:
    w = r["workers"] or {}
    return f"""{MARK_START}
## Sweeps at {r["accounts"]:,} accounts

Command (PostgreSQL on this machine, 2 cores; one run, all numbers from it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_bench .venv/bin/python manage.py \\
        bench_sweeps --accounts {r["accounts"]} --sample {r["naive_sample"]} --reset --write

Data set ({r["generated_s"]:.0f} s to generate): {r["counts"]["accounts_account"]:,} accounts,
{r["counts"]["subscriptions_subscription"]:,} subscriptions, {r["counts"]["billing_invoice"]:,}
invoices, {r["counts"]["billing_ledgerentry"]:,} ledger entries,
{r["counts"]["accounts_scheduledstatuschange"]:,} scheduled changes due (mix in
`subscriptions/management/bench/data.py`: ~5% cross their threshold, ~3% are past a dunning step).

| run | seconds | transitions |
|---|---|---|
| floor: one raw SQL statement per sweep (UPDATE … RETURNING + history insert), committed; median of {seconds(t for t, _ in r["floor_runs"])} | {r["floor_s"]:.2f} | {sum(r["floor"].values()):,} |
| the floor's statements alone, before their commit (same run) | {r["floor_statements_s"]:.2f} | – |
| project sweeps, one process (credit hold + dunning + scheduled changes); median of {seconds(r["sweep_runs"])} | {r["sweep_s"]:.2f} | {sum(r["history"].values()):,} |
| project sweeps, two Celery worker processes, {w.get("ranges", "–")} id ranges | {w.get("seconds", 0):.2f} | {sum(w.get("history", {}).values()):,} |
| naive per-object loop, {r["naive_sample"]:,}-account sample | {r["naive_s"]:.1f} | – |
| naive loop extrapolated to every account | {r["naive_full_s"]:,.0f} | – |

```
{summary}
```

Each timed run starts from its own copy of the generated data (`CREATE DATABASE … TEMPLATE`,
then `CHECKPOINT`); the floor and the one-process sweeps take turns ({len(r["sweep_runs"])} each) and
their medians are compared. The floor commits, like the sweeps: the commit is where PostgreSQL checks the
deferred foreign keys Django declares for every row written (and flushes the WAL). The time the
floor's statements took up to that commit is shown as well; the ratio is floor to sweeps, both
committed.

The project's sweeps also do what the floor leaves out: the subscriptions of accounts entering
credit hold stop (R-CH7, history rows and outbox events in bulk), an outbox event per account
change (R-X6), dunning events per passed step (R-X3), row locks with SKIP LOCKED per batch.
Memory: peak RSS of each worker process (VmHWM) {w.get("peak_rss_mb", "–")} MB; this process
{r["rss_mb"][1]:.0f} MB. "Exactly once": the history rows per rule id of the two-worker run equal
the one-process run's, and no account has two rows for one rule.
{MARK_END}"""
