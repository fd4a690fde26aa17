"""bench_pages' Account Statistics case (issue 18): the statistics page with its charts on the
bench data set, with a status history, a dunning ladder and payments in dunning added so each
chart has real rows to aggregate.

History added (INSERT … SELECT, by account id like data.py's buckets):
- every account's first history row (created 400 days ago);
- every account not Active or Prospect: its change from Active, on one of the last 80 days;
- churn, every 20th account in credit (3.5%): Active → "Suspended until Paid" on a day of the
  last 75, a dunning event of the Standard ladder's step 2 (anchor two days before), a charge of
  30.00 due that anchor day, its payment three days later settling it, and the change back to
  Active that day — so the funnel has accounts back to Active and money recovered;
- the Credit hold bucket (3%) stands on the Standard ladder's first step now (DunningState).

Each page is requested through django.test.Client as the operator after a warm-up: "cached" is
the normal case (figures reused until something they count changes), "counted" clears the cache
before every request, so every GROUP BY runs (what the first request after a change pays).
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.actors import Actor
from accounts.admin_statistics import refresh_figures
from accounts.models import Account, AccountStatusType, StatusReason
from billing.models import DunningPolicy, DunningStep

from . import pages
from .sections import write_between

MARK_START, MARK_END = "<!-- bench_statistics:start -->", "<!-- bench_statistics:end -->"
TARGET_P95_MS = 300

FIRST_ROWS = """
INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
  to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at,
  note)
SELECT a.id, NULL, CASE WHEN a.id %% 100 = 17 THEN %(t_prospect)s ELSE %(t_active)s END, '',
  CASE WHEN a.id %% 100 = 17 THEN 'prospect' ELSE 'active' END, %(r_new)s, 'system', NULL, '',
  a.created_at, a.created_at, 'bench'
FROM accounts_account a
"""

ENTERED_NOW = """
INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
  to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at,
  note)
SELECT a.id, %(t_active)s, a.status_type_id, 'active', t.backend_status, a.status_reason_id,
  'system', NULL, '', %(now)s::timestamptz - (1 + a.id %% 80) * interval '1 day',
  %(now)s::timestamptz - (1 + a.id %% 80) * interval '1 day', 'bench-entered'
FROM accounts_account a JOIN accounts_accountstatustype t ON t.id = a.status_type_id
WHERE t.backend_status NOT IN ('active', 'prospect')
"""

CHURN = """
WITH churn AS (
  SELECT a.id, a.balance, %(now)s::timestamptz - (5 + a.id %% 70) * interval '1 day' AS d1
  FROM accounts_account a WHERE a.id %% 100 >= 30 AND a.id %% 20 = 0
), changes AS (
  INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
    to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at,
    effective_at, note)
  SELECT id, %(t_active)s, %(t_sup)s, 'active', 'credit_hold', %(r_credit)s, 'system',
    NULL::integer, 'R-D1', d1, d1, 'bench-churn' FROM churn
  UNION ALL
  SELECT id, %(t_sup)s, %(t_active)s, 'credit_hold', 'active', %(r_credit)s, 'system',
    NULL::integer, 'R-D4', d1 + interval '3 days', d1 + interval '3 days', 'bench-churn'
  FROM churn
  RETURNING 1
), events AS (
  INSERT INTO billing_dunningevent (account_id, step_id, anchor, due_on, applied_on, fee_entry_id,
    notice_sent, created_at)
  SELECT id, %(step_2)s, (d1 - interval '2 days')::date, d1::date, d1::date, NULL, true, d1
  FROM churn RETURNING 1
), charges AS (
  INSERT INTO billing_ledgerentry (kind, amount, currency, balance_after, description,
    actor_kind, idempotency_key, created_at, account_id, actor_user_id, invoice_id, reverses_id)
  SELECT 'charge', -30, 'USD', balance - 30, 'Bench usage', 'system', NULL,
    d1 - interval '2 days', id, NULL, NULL, NULL FROM churn
  RETURNING id, account_id, created_at
), payments AS (
  INSERT INTO billing_ledgerentry (kind, amount, currency, balance_after, description,
    actor_kind, idempotency_key, created_at, account_id, actor_user_id, invoice_id, reverses_id)
  SELECT 'payment', 30, 'USD', balance, 'Bench payment', 'system', 'bench-pay-' || id,
    d1 + interval '3 days', id, NULL, NULL, NULL FROM churn
  RETURNING id, account_id, created_at
), items AS (
  INSERT INTO billing_openitem (account_id, entry_id, invoice_id, amount, settled, due_date,
    settled_at)
  SELECT account_id, id, NULL, 30, 30, created_at::date, created_at + interval '5 days'
  FROM charges RETURNING id, account_id
)
INSERT INTO billing_settlement (item_id, credit_id, amount, created_at, released_by_id)
SELECT i.id, p.id, 30, p.created_at, NULL FROM items i JOIN payments p USING (account_id)
"""

ON_LADDER = """
INSERT INTO billing_dunningstate (account_id, step_id, anchor_due_date, restart_on, updated_at)
SELECT a.id, %(step_1)s, %(today)s::date - 10, NULL, %(now)s
FROM accounts_account a WHERE a.id %% 100 BETWEEN 8 AND 10
ON CONFLICT (account_id) DO NOTHING
"""


# (the note its status changes carry, the statement); the ladder's states ride with the churn.
STEPS = (
    ("bench", (FIRST_ROWS,)),
    ("bench-entered", (ENTERED_NOW,)),
    ("bench-churn", (ON_LADDER, CHURN)),
)


def parameters(today: date, now: datetime) -> dict:
    types = dict(AccountStatusType.objects.values_list("name", "pk"))
    reasons = dict(StatusReason.objects.values_list("name", "pk"))
    ladder = DunningPolicy.objects.get(name="Standard ladder")
    steps = dict(DunningStep.objects.filter(policy=ladder).values_list("position", "pk"))
    return {
        "today": today,
        "now": now,
        "t_active": types["Active"],
        "t_prospect": types["Prospect"],
        "t_sup": types["Suspended until Paid"],
        "r_new": reasons["New account"],
        "r_credit": reasons["Credit limit reached"],
        "step_1": steps[1],
        "step_2": steps[2],
    }


def add_history(today: date, now: datetime) -> dict[str, int]:
    """Insert the history, ladder and payments above (each once per data set); the row counts."""
    p = parameters(today, now)
    with connection.cursor() as cursor:
        for note, statements in STEPS:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM accounts_statuschange WHERE note = %s)", [note]
            )
            if not cursor.fetchone()[0]:
                for statement in statements:
                    cursor.execute(statement, p)
        cursor.execute(
            "ANALYZE accounts_statuschange, billing_dunningevent, billing_dunningstate, "
            "billing_ledgerentry, billing_openitem, billing_settlement"
        )
        counts = {}
        for table in (
            "accounts_statuschange",
            "billing_dunningevent",
            "billing_dunningstate",
            "billing_settlement",
            "billing_openitem",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant names
            counts[table] = cursor.fetchone()[0]
    return counts


def measure(operator, *, runs: int, warmup: int) -> list[pages.Timing]:
    """The statistics page cached, after a status change before each request (the status chart
    is counted again, the billing charts are reused), and counted (the cache cleared)."""
    client = pages.client_for(operator)
    url = reverse("admin:accounts_account_statistics")
    account = (  # in credit, so Suspended → Active lands on Active (no R-CH2 credit hold)
        Account.objects.filter(status_type__name="Active", balance__gt=100, negative_since=None)
        .order_by("pk")
        .first()
    )
    actor = Actor.operator(operator)

    def status_change():
        target = "Suspended" if account.status_type.name == "Active" else "Active"
        reason = "Abuse" if target == "Suspended" else "Customer request"
        services.change_status(account, target, actor=actor, reason=reason)
        account.refresh_from_db()

    timings = [
        pages.measure("Account Statistics page (cached)", client, lambda i: url, runs, warmup),
        pages.measure(
            "Account Statistics page (after a status change)",
            client,
            lambda i: url,
            runs,
            warmup,
            status_change,
        ),
        pages.measure(
            "Account Statistics page (counted)", client, lambda i: url, runs, warmup, cache.clear
        ),
    ]
    # The beat task's full count (accounts.tasks.refresh_account_statistics), timed alike.
    refresh = pages.Timing("Beat task refresh_account_statistics (full count)", "-", [], 0)
    for _ in range(max(3, runs // 5)):
        started = time.perf_counter()
        refresh_figures()
        refresh.runs.append((time.perf_counter() - started) * 1000)
    return [*timings, refresh]


def table(timings: list[pages.Timing]) -> str:
    lines = [
        "| page | requests | p50 | p95 | target (p95) | queries per request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        if t.url == "-":  # the beat task: no page, no target
            lines.append(
                f"| {t.page} | {len(t.runs)} | {t.p50:.1f} ms | {max(t.runs):.1f} ms (max) | – | – |"
            )
            continue
        verdict = "✓" if t.p95 <= TARGET_P95_MS else "✗"
        lines.append(
            f"| {t.page} (`{t.url}`) | {len(t.runs)} | {t.p50:.1f} ms | {t.p95:.1f} ms | "
            f"≤ {TARGET_P95_MS} ms {verdict} | {t.queries} |"
        )
    return "\n".join(lines)


def render(timings, accounts: int, counts: dict, cpus: int | None, load) -> str:
    """The statistics section of docs/PERFORMANCE.md, markers included."""
    return f"""{MARK_START}
## Account Statistics page at {accounts:,} accounts (issue 18)

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lifecycle_pages .venv/bin/python manage.py \\
        bench_pages --accounts {accounts} --reset --statistics-only --write

The bench data set (`subscriptions/management/bench/data.py`) plus a status history, a ladder
and payments in dunning (`subscriptions/management/bench/statistics.py`):
{counts["accounts_statuschange"]:,} status changes, {counts["billing_dunningevent"]:,} dunning events,
{counts["billing_dunningstate"]:,} accounts on a ladder step, {counts["billing_settlement"]:,}
settlements, {counts["billing_openitem"]:,} open items. {cpus} cores shared with other work; load
average before: {" / ".join(f"{x:.2f}" for x in load)}.

{table(timings)}

"Cached": nothing changed since the last request. "After a status change": one account changes
status before each request, so the status chart (whose counts link to lists and must agree with
them, defect 6) is counted again — the accounts' GROUP BY and the history's — while the funnel
and aging, which link nowhere, are reused for up to `ACCOUNT_STATISTICS_MAX_AGE` seconds and say
"as of HH:MM". "Counted" clears the cache before every request: what the first request would pay if nothing
had counted ahead — but the beat task `accounts.tasks.refresh_account_statistics` counts every
chart again every 45 s, before `ACCOUNT_STATISTICS_MAX_AGE` (60 s) runs out, so with the worker
running no operator's request pays it (its time is the last row). Every aggregate runs — the counts per status
type (one GROUP BY over the accounts), the changes of the last 12 weeks (one GROUP BY by day and
pair of types, index `statuschange_effective_at`), the accounts on each step, the accounts that
reached the ladder or left it, the payments that settled what it chased (one EXISTS join), and the
aging buckets (one GROUP BY over the open items, by currency). None of them reads an account at a
time.
{MARK_END}"""


def write_section(path: Path, section: str) -> None:
    """Replace the statistics section of `path` (or append it), keeping everything else."""
    write_between(path, section, MARK_START, MARK_END)
