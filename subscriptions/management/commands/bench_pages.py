"""Issue 8, parts 3–4: time the operator portal's pages and the control panel at scale.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lifecycle_pages'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_pages python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_pages \\
        python manage.py bench_pages --accounts 1000000 --reset --write

It generates the sweep benchmark's data set (subscriptions/management/bench/data.py), vacuums and
analyses it (what autovacuum does to a table at rest), creates an operator (superuser) and a
customer member of one Active account, then measures p50/p95 of each admin page and the
dashboard in this process with django.test.Client (warm-up excluded), and finally the dashboard
and the entitlement endpoint under a bounded load test against gunicorn on 127.0.0.1.
"""

from __future__ import annotations

import os
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from shutil import which

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models import Account, ServiceApiKey
from subscriptions.management.bench import data, export, load, pages, resellers
from subscriptions.management.bench import statistics as statistics_bench
from subscriptions.management.bench.sections import write_between

MARK_START, MARK_END = "<!-- bench_pages:start -->", "<!-- bench_pages:end -->"
WARMUP_SECONDS = 3
TARGETS = {
    "Admin account list": 150,
    "Account overview": 100,
    "Control-panel dashboard": 50,
}


class Command(BaseCommand):
    help = "Benchmark the admin's account pages and the control panel (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1_000_000)
        parser.add_argument(
            "--reset", action="store_true", help="empty the account tables first (if any exist)"
        )
        parser.add_argument("--runs", type=int, default=50, help="timed requests per page")
        parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page")
        parser.add_argument("--seconds", type=int, default=15, help="per load run; at most 20")
        parser.add_argument(
            "--connections", type=int, default=4, help="wrk connections: two per core saturate it"
        )
        parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
        parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
        parser.add_argument(
            "--export-only",
            action="store_true",
            help="only the account list's CSV export case (issue 18): 10,000 vs 100,000 rows",
        )
        parser.add_argument(
            "--statistics-only",
            action="store_true",
            help="only the Account Statistics page case (issue 18), cached and counted",
        )
        parser.add_argument(
            "--resellers-only",
            action="store_true",
            help="only the account list as a reseller operator, 50 resellers (issue 17)",
        )
        parser.add_argument(
            "--reuse-data",
            action="store_true",
            help="keep the accounts already in this bench database (an earlier run's data set)",
        )
        parser.add_argument("--write", action="store_true", help="write the table into --output")
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "docs" / "PERFORMANCE.md",
            help="the Markdown file whose bench_pages section --write replaces",
        )

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_pages needs PostgreSQL (a million accounts, EXPLAIN estimates, gunicorn "
                "workers): set DATABASE_URL to a bench database, e.g. "
                "postgres://postgres@127.0.0.1:5432/lifecycle_pages."
            )
        if opts["accounts"] < 100 or opts["runs"] < 2 or opts["warmup"] < 0:
            raise CommandError("--accounts must be at least 100, --runs at least 2.")
        seconds = max(1, min(opts["seconds"], load.MAX_SECONDS))
        settings.DEBUG = False  # no query log
        reuse = opts["reuse_data"] and Account.objects.exists()
        if Account.objects.exists() and not reuse:
            if not opts["reset"]:
                raise CommandError(
                    "This database has accounts; use a bench database, or --reset to empty it."
                )
            data.reset()
        result = {"accounts": opts["accounts"], "cpus": os.cpu_count()}
        if not reuse:
            result["counts"], result["generated_s"] = self.generate(opts["accounts"])
        operator, customer, account = pages.people()
        if opts["statistics_only"]:
            return self.statistics_case(operator, opts)
        if opts["resellers_only"]:
            return self.resellers_case(operator, opts)
        if opts["export_only"]:
            return self.export_case(operator, opts)
        result["load_before"] = os.getloadavg()
        self.say(f"Load average before the timings: {fmt_load(result['load_before'])}")
        result["pages"] = pages.in_process(
            operator, customer, account, runs=opts["runs"], warmup=opts["warmup"]
        )
        self.say(page_table(result["pages"]))
        result["load"] = self.load_test(customer, account, opts, seconds)
        result["load_after"] = os.getloadavg()
        self.say(load_table(result["load"]))
        self.say(f"Load average after: {fmt_load(result['load_after'])}")
        if opts["write"]:
            write_section(opts["output"], render(result))
            self.say(f"Wrote {opts['output']}")
        self.export_case(operator, opts)
        self.statistics_case(operator, opts)

    def export_case(self, operator, opts) -> None:
        """Issue 18: the list's CSV export of 10,000 and 100,000 filtered rows, memory compared."""
        runs = export.measure(operator)
        self.say(export.table(runs))
        searches = export.search_timings(operator)
        self.say(export.search_table(searches))
        filters = export.filter_timings(operator)
        self.say(export.filter_table(filters))
        if opts["write"]:
            count = Account.objects.count()
            section = export.render(runs, count, os.cpu_count(), searches, filters)
            export.write_section(opts["output"], section)
            self.say(f"Wrote the export section of {opts['output']}")

    def statistics_case(self, operator, opts) -> None:
        """Issue 18: the Account Statistics page with its charts, cached and counted."""
        today = timezone.localdate()
        now = timezone.make_aware(datetime.combine(today, clock(12)))
        counts = statistics_bench.add_history(today, now)
        load_before = os.getloadavg()
        timings = statistics_bench.measure(operator, runs=opts["runs"], warmup=opts["warmup"])
        self.say(statistics_bench.table(timings))
        if opts["write"]:
            accounts = Account.objects.count()
            section = statistics_bench.render(
                timings, accounts, counts, os.cpu_count(), load_before
            )
            statistics_bench.write_section(opts["output"], section)
            self.say(f"Wrote the statistics section of {opts['output']}")

    def resellers_case(self, operator, opts) -> None:
        """Issue 17: the account list as a reseller operator, accounts over 50 resellers."""
        load_before = os.getloadavg()
        timings = resellers.measure_list(operator, runs=opts["runs"], warmup=opts["warmup"])
        self.say(page_table(timings))
        if opts["write"]:
            section = resellers.render(timings, Account.objects.count(), load_before)
            resellers.write_section(opts["output"], section)
            self.say(f"Wrote the resellers section of {opts['output']}")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def generate(self, accounts: int) -> tuple[dict, float]:
        today = timezone.localdate()
        now = timezone.make_aware(datetime.combine(today, clock(12)))
        self.say(f"Generating {accounts:,} accounts …")
        started = timezone.now()
        counts = data.generate(accounts, today, now)
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(data.TABLES))
        seconds = (timezone.now() - started).total_seconds()
        self.say(f"  {counts} in {seconds:.0f} s (with VACUUM ANALYZE)")
        return counts, seconds

    def load_test(self, customer, account, opts, seconds) -> dict:
        client = opts["client"]
        if client == "auto":
            client = "wrk" if which("wrk") else "python"
        session = pages.client_for(customer).cookies[settings.SESSION_COOKIE_NAME].value
        _row, key = issue_service_api_key(
            f"bench-pages-{os.getpid()}", actor=Actor.system("bench_pages")
        )
        run = load.run_wrk if client == "wrk" else load.run_python
        port = load.free_port()
        gunicorn = load.start_gunicorn(port, opts["workers"])
        try:
            results = []
            for label, path, headers, high in self.load_targets(account, session, key):
                check(port, path, headers, label)
                # Untimed: every worker loads its templates and opens its database connection.
                run(label, port, path, headers, opts["connections"], WARMUP_SECONDS, high)
                results.append(run(label, port, path, headers, opts["connections"], seconds, high))
        finally:
            load.stop(gunicorn)
            ServiceApiKey.objects.filter(name__startswith="bench-pages-").delete()
        return {
            "client": client,
            "wrk": load.wrk_version() if client == "wrk" else "",
            "workers": opts["workers"],
            "connections": opts["connections"],
            "seconds": seconds,
            "results": results,
        }

    @staticmethod
    def load_targets(account, session, key) -> list[tuple[str, str, dict, int | None]]:
        """(label, path, headers, highest account id for a random number per request)."""
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
        bearer = {"Authorization": f"Bearer {key}"}
        entitlement = "/api/v1/accounts/{number}/entitlement"
        high = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
        return [
            (
                "Control-panel dashboard",
                reverse("panel:dashboard", args=[account.number]),
                cookie,
                None,
            ),
            (
                "Entitlement, one Active account",
                entitlement.format(number=account.number),
                bearer,
                None,
            ),
            ("Entitlement, a random account per request", entitlement, bearer, high),
        ]


def check(port: int, path: str, headers: dict, label: str) -> None:
    """One request before the run: a redirect to the login page would be timed as a success."""
    status, body = load.fetch(port, path.replace("{number}", "0000000001"), headers)
    if status != 200:
        raise CommandError(f"{label}: GET {path} answered {status}: {body[:300]}")


def fmt_load(avg) -> str:
    return " / ".join(f"{x:.2f}" for x in avg) + " (1 / 5 / 15 min)"


def page_table(timings: list[pages.Timing]) -> str:
    lines = [
        "| page | requests | p50 | p95 | target (p95) | queries per request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        target = TARGETS.get(t.page)
        verdict = f"≤ {target} ms {'✓' if t.p95 <= target else '✗'}" if target else "–"
        lines.append(
            f"| {t.page} (`{t.url}`) | {len(t.runs)} | {t.p50:.1f} ms | {t.p95:.1f} ms | "
            f"{verdict} | {t.queries} |"
        )
    return "\n".join(lines)


def load_table(run: dict) -> str:
    lines = [
        "| endpoint | requests | requests/s | p50 | p95 | p99 | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run["results"]:
        lines.append(
            f"| {r.label} | {r.requests:,} | {r.rate:.0f} | {r.p50:.1f} ms | {r.p95:.1f} ms | "
            f"{r.p99:.1f} ms | {r.errors} |"
        )
    return "\n".join(lines)


def render(r: dict) -> str:
    """The bench_pages section of docs/PERFORMANCE.md, markers included."""
    return (
        f"{MARK_START}\n{render_data_set(r)}\n\n{render_pages(r)}\n\n{render_load(r)}\n\n"
        f"{SCALE_NOTES}{MARK_END}"
    )


def render_data_set(r: dict) -> str:
    """How the numbers were taken: the command and the data set."""
    c = r["counts"]
    return f"""## Admin pages and control panel at {r["accounts"]:,} accounts

Command (PostgreSQL 15 on this machine, {r["cpus"]} cores shared with other work; one run, all
numbers from it):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lifecycle_pages'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_pages .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_pages .venv/bin/python manage.py \\
        bench_pages --accounts {r["accounts"]} --reset --write

Data set (`subscriptions/management/bench/data.py`, {r["generated_s"]:.0f} s to generate, vacuum and
analyse): {c["accounts_account"]:,} accounts, {c["subscriptions_subscription"]:,} subscriptions,
{c["billing_invoice"]:,} invoices, {c["billing_ledgerentry"]:,} ledger entries. An operator
(superuser) and a customer, member of one Active account."""


def render_pages(r: dict) -> str:
    """The pages timed in this process, with what they were before this work."""
    return f"""### Pages in one process (django.test.Client, {len(r["pages"][0].runs)} timed requests per page after a warm-up)

Load average before: {fmt_load(r["load_before"])}.

{page_table(r["pages"])}

The status filter cycles through Credit hold, Suspended and Cancelled; the searches use a
different random account number / name fragment ("account 4242") on each request; the overview
is a different account (of every status) on each request. "Counted" clears the cache before each
request, so Account Statistics run their GROUP BY every time; "cached" is the normal case (counts
at most `ACCOUNT_STATISTICS_MAX_AGE` = 60 s old).

Before this work (the same data set and client, 15 requests per page, load average about 5):
account list p95 311 ms (two full counts, then the rendering of a hundred gear menus), search by
number 1.0 s and by name fragment 1.8 s (sequential scans), admin index 0.4 s (statistics
counted with a join on every load), overview 43 ms, dashboard 12 ms."""


def render_load(r: dict) -> str:
    """The load test against gunicorn and how to read it."""
    load_run = r["load"]
    client = load_run["wrk"] or "a Python thread-pool client"
    return f"""### Load test: gunicorn on 127.0.0.1 ({load_run["workers"]} sync workers, production settings), {client}, {load_run["connections"]} connections, {load_run["seconds"]} s per run

{load_table(load_run)}

Load average after: {fmt_load(r["load_after"])}. The load generator, gunicorn and PostgreSQL
share the same {r["cpus"]} cores, so requests/s is a floor. wrk is closed-loop: each connection
sends its next request when the last one is answered, so {load_run["connections"]} connections (two
per core) keep both cores busy, and more connections only queue in front of the workers (latency
grows with the queue, throughput does not). Each run is preceded by an untimed
{WARMUP_SECONDS}-second run (templates loaded, connections opened in every worker)."""


# What the section explains after the numbers (no figures of the run in it).
SCALE_NOTES = """### What keeps the pages flat at this size

- **No full count per page.** Django's change list counts the filtered list and, with
  `show_full_result_count`, the whole table again. The account admin (and the other lists that
  grow with the accounts: users, memberships, status history, audit, unlock attempts, scheduled changes,
  outbox, deliveries) sets `show_full_result_count = False` and uses
  `accounts.admin_paging.EstimatedCountPaginator`: it counts at most `ADMIN_EXACT_COUNT_LIMIT` + 1
  rows (10,000 by default) and, above that, takes PostgreSQL's planner estimate for the list's
  own query (`EXPLAIN`; for the unfiltered table that is `pg_class.reltuples`). The page then
  says "about N accounts". Short lists (a search, a rare status) are counted exactly, and their
  pages are served by pk from the list's first 10,001 pks in order (see below).
- **Search by trigram index.** The admin searches `number` and `name` with `icontains`
  (`UPPER(col::text) LIKE UPPER('%term%')`); migration `accounts/0007_account_search_indexes`
  adds `pg_trgm` and a GIN index with `gin_trgm_ops` over each expression, built `CONCURRENTLY`
  (a no-op on SQLite), and `0008_account_search_statistics` gives both expressions a
  1,000-value histogram (the default 100 guesses that "1327" matches 1% of the names).
  Even so, `ORDER BY number LIMIT 100` for a fragment the planner overestimates walks the
  number index row by row (0.2–0.4 s when the 300 matches sit mid-table); reading the ordered
  pks with `LIMIT 10001` makes it take the trigram indexes and sort (1–10 ms), which is why an
  exactly counted list is paged by pk. A bulk load needs `ANALYZE` for any of this.
- **Filters.** A status filter joins the status types (a dozen rows) and walks the `number`
  index for its page; the rarest bucket of the data set (1%) finds a page of 100 within about
  10,000 index entries, so no index on (status_type_id, number) was added.
- **Rendering a hundred rows.** Each row's gear menu was seven `reverse()` calls and twenty
  escapes, and Django renders each row's checkbox through a widget template; the menu is now
  built once per distinct set of items per request with markers for the row's pk and name, and
  the checkbox is formatted directly (same markup). This took the plain list from ~100 ms to
  ~45 ms with the queries unchanged at ~5 ms.
- **Account Statistics** (R-E2) are one `GROUP BY status_type_id` (an index-only scan, ~0.1 s
  here), cached for `ACCOUNT_STATISTICS_MAX_AGE` seconds (60; the sidebar says so; 0 counts on
  every load, which the tests use).
- **The overview** reads the newest N rows of every list (status history 50, subscriptions 50,
  scheduled changes 20, ledger 25 with its total counted up to 1,000, unpaid invoices 10, users
  20, deliveries, unlock attempts and audit rows 20) with `select_related`: 21 queries for any
  account with subscriptions, however long its history (`tests/perf/test_query_bounds.py`).
- **The dashboard** reads the account row (balance, threshold, required payment R-CH4 computed
  from it), the switcher's memberships and the latest five ledger entries (index
  `ledger_account_time`): five queries with the session and the user.
"""


def write_section(path: Path, section: str) -> None:
    """Replace the bench_pages section of `path` (or append it), keeping everything else."""
    write_between(path, section, MARK_START, MARK_END)
