"""bench_sweeps' report: the summary it prints and the docs/PERFORMANCE.md section --write puts
between its markers."""

from __future__ import annotations

from .sections import write_between

MARK_START, MARK_END = "<!-- bench_sweeps:start -->", "<!-- bench_sweeps:end -->"


def median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run with the (low) median total, with its own second figure."""
    ordered = sorted(pairs)
    return ordered[(len(ordered) - 1) // 2]


def summary(r: dict) -> str:
    """The ratios and checks the command prints last (and the report quotes)."""
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


def write_section(path, section: str) -> None:
    """Replace the section between the markers of `path` (or append it)."""
    write_between(path, section, MARK_START, MARK_END)


def seconds(values) -> str:
    """Each turn's time, as the report lists them."""
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def render(r: dict, summary: str) -> str:
    """The Markdown section of docs/PERFORMANCE.md, markers included."""
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
