"""A realistic data set for the sweep benchmark, generated server-side with INSERT … SELECT.

Buckets by account id (i % 100), so the mix is exact and repeatable:
  0–4   Active, balance below the threshold            → R-CH1 (a) holds them   (~5%)
  5–7   Active, arrears threshold, invoice overdue      → a dunning step applies (~3%)
  8–10  Credit hold, still below the threshold          → stays held
  11–12 Suspended (abuse), 13 Administrative hold, 14–16 Cancelled, 17 Prospect, 18–19 Deleted
  20–29 Active, negative within threshold and period    → checked, unchanged
  30–99 Active, in credit                               → unchanged
Every account has ~3 subscriptions, a ledger entry for a non-zero balance (ledger sum equals the
balance), every tenth a paid invoice; 0.5% have a scheduled status change due today.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import connection

from accounts.models import AccountStatusType, StatusReason
from subscriptions.models import Plan

TABLES = [
    "billing_dunningevent",
    "billing_dunningstate",
    "billing_settlement",
    "billing_openitem",
    "billing_ledgerentry",
    "billing_invoice",
    "subscriptions_subscriptionchange",
    "subscriptions_resource",
    "subscriptions_subscription",
    "accounts_scheduledstatuschange",
    "accounts_accountaudit",
    "accounts_unlockattempt",
    "accounts_webhookdelivery",
    "accounts_outboxevent",
    "accounts_statuschange",
    "accounts_membership",
    "accounts_account",
]
PLANS = [
    ("Bench Fax PAYG", "Fax", "24.95", "prepaid", True, "stop"),
    ("Bench Fax", "Fax", "9.95", "prepaid", False, "stop"),
    ("Bench VoIP", "VoIP", "15.00", "postpaid", False, "stop"),
    ("Bench SIP PAYG", "VoIP", "49.00", "prepaid", True, "manual_approve"),
]


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def ids(model, names) -> dict[str, int]:
    return dict(model.objects.filter(name__in=names).values_list("name", "pk"))


def generate(n: int, today: date, now: datetime) -> dict[str, int]:
    """Insert `n` accounts with their ledger, invoices, subscriptions and scheduled changes;
    return the row counts."""
    p = parameters(n, today, now)
    with connection.cursor() as cursor:
        for statement in (ACCOUNTS, LEDGER, INVOICES, OPEN_ITEMS, SUBSCRIPTIONS, SCHEDULED):
            cursor.execute(statement, p)
        for table in (
            "accounts_account",
            "billing_ledgerentry",
            "billing_invoice",
            "billing_openitem",
            "subscriptions_subscription",
            "accounts_scheduledstatuschange",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"  # table names are constants
            )
        cursor.execute("ANALYZE")
        counts = {}
        for table in (
            "accounts_account",
            "subscriptions_subscription",
            "billing_invoice",
            "billing_ledgerentry",
            "accounts_scheduledstatuschange",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant names
            counts[table] = cursor.fetchone()[0]
    return counts


def parameters(n: int, today: date, now: datetime) -> dict:
    """The statements' parameters: status types, reasons, the bench plans and operator."""
    types = ids(
        AccountStatusType,
        [
            "Active",
            "Credit hold",
            "Suspended",
            "Administrative hold",
            "Cancelled",
            "Prospect",
            "Deleted",
        ],
    )
    reasons = ids(
        StatusReason,
        ["New account", "Credit limit reached", "Abuse", "Customer request", "Account closed"],
    )
    plans = [
        Plan.objects.get_or_create(
            name=name,
            defaults={
                "service": service,
                "price": price,
                "billing_model": model,
                "pay_as_you_go": payg,
                "on_credit_hold": on_hold,
            },
        )[0].pk
        for name, service, price, model, payg, on_hold in PLANS
    ]
    operator, _ = get_user_model().objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True}
    )
    return {
        "n": n,
        "today": today,
        "now": now,
        "operator": operator.pk,
        **{f"t_{k.split()[0].lower()}": v for k, v in types.items()},
        **{f"r_{k.split()[0].lower()}": v for k, v in reasons.items()},
        "p0": plans[0],
        "p1": plans[1],
        "p2": plans[2],
        "p3": plans[3],
    }


ACCOUNTS = """
INSERT INTO accounts_account (id, number, name, status_type_id, status_reason_id, status_changed_at,
  currency, financial_blocking_threshold, allowed_negative_days, next_payment_date, balance,
  created_at, dunning_policy_id, negative_since, dunning_exempt, dunning_exempt_until,
  renewal_deadline)
SELECT i, lpad(i::text, 10, '0'), 'Bench account ' || i,
  CASE WHEN b < 8 OR b >= 20 THEN %(t_active)s WHEN b < 11 THEN %(t_credit)s
       WHEN b < 13 THEN %(t_suspended)s WHEN b = 13 THEN %(t_administrative)s
       WHEN b < 17 THEN %(t_cancelled)s WHEN b = 17 THEN %(t_prospect)s ELSE %(t_deleted)s END,
  CASE WHEN b < 8 OR b >= 20 OR b = 17 THEN %(r_new)s WHEN b < 11 THEN %(r_credit)s
       WHEN b < 14 THEN %(r_abuse)s WHEN b < 17 THEN %(r_customer)s ELSE %(r_account)s END,
  %(now)s::timestamptz - interval '40 days', 'USD',
  CASE WHEN b BETWEEN 5 AND 7 OR b BETWEEN 20 AND 29 OR (b >= 30 AND i %% 2 = 0) THEN -500
       ELSE 0 END,
  CASE WHEN b BETWEEN 20 AND 29 THEN 30 WHEN i %% 5 = 0 THEN 5 ELSE NULL END,
  %(today)s::date + (i %% 28)::int,
  CASE WHEN b < 5 THEN -(10 + i %% 90) WHEN b < 8 THEN -49.90 WHEN b < 11 THEN -20
       WHEN b < 20 THEN 0 WHEN b < 30 THEN -100 ELSE 5 + (i %% 495) END,
  %(now)s::timestamptz - interval '400 days', NULL,
  CASE WHEN b < 11 OR b BETWEEN 20 AND 29 THEN %(now)s::timestamptz - interval '10 days' END,
  false, NULL, NULL
FROM (SELECT i, i %% 100 AS b FROM generate_series(1, %(n)s) AS i) AS g
"""

LEDGER = """
INSERT INTO billing_ledgerentry (kind, amount, currency, balance_after, description, actor_kind,
  idempotency_key, created_at, account_id, actor_user_id, invoice_id, reverses_id)
SELECT 'adjustment', balance, 'USD', balance, 'Opening balance', 'system', NULL,
  %(now)s::timestamptz - interval '30 days', id, NULL, NULL, NULL
FROM accounts_account WHERE balance <> 0
"""

INVOICES = """
INSERT INTO billing_invoice (number, amount, outstanding, currency, description, billing_date,
  due_date, paid_at, created_at, account_id)
SELECT 'BENCH-' || id, CASE WHEN id %% 100 BETWEEN 5 AND 7 THEN 49.90 ELSE 19.90 END,
  CASE WHEN id %% 100 BETWEEN 5 AND 7 THEN 49.90 ELSE 0 END, 'USD', 'Monthly service',
  %(today)s::date - (3 + id %% 18)::int, %(today)s::date - (3 + id %% 18)::int,
  CASE WHEN id %% 100 BETWEEN 5 AND 7 THEN NULL ELSE %(now)s::timestamptz - interval '2 days' END,
  %(now)s, id
FROM accounts_account WHERE id %% 100 BETWEEN 5 AND 7 OR id %% 10 = 0
"""

# R-B3: every debit is an open item. The opening balance of an account with an unpaid invoice is
# that invoice's item (due on its due date, the dunning anchor); other opening debts are items
# not yet due, so the sweeps' dunning acts on the same accounts as the floor's (unpaid invoices).
OPEN_ITEMS = """
INSERT INTO billing_openitem (account_id, entry_id, invoice_id, amount, settled, due_date,
  settled_at)
SELECT e.account_id, e.id, i.id, -e.amount, 0, COALESCE(i.due_date, %(today)s::date + 30), NULL
FROM billing_ledgerentry e
LEFT JOIN billing_invoice i ON i.account_id = e.account_id AND i.paid_at IS NULL
WHERE e.amount < 0
"""

SUBSCRIPTIONS = """
INSERT INTO subscriptions_subscription (status, status_before_hold, trial, auto_renew, price,
  period_start, period_end, period_paid, next_billing_date, cancel_on, cancel_option, created_at,
  account_id, plan_id)
SELECT 'active', '', false, true, 15.00, %(today)s::date - 10, %(today)s::date + 20, 15.00,
  %(today)s::date + 20, NULL, '', %(now)s, a.id,
  (ARRAY[%(p0)s, %(p1)s, %(p2)s, %(p3)s])[1 + (a.id + k) %% 4]
FROM accounts_account a CROSS JOIN generate_series(0, 2) AS k
WHERE a.id %% 100 NOT IN (17, 18, 19)
"""

SCHEDULED = """
INSERT INTO accounts_scheduledstatuschange (effective_on, note, actor_kind, rule_id, created_at,
  state, ran_at, outcome, cancelled_at, account_id, author_id, cancelled_by_id, reason_id,
  status_change_id, status_type_id)
SELECT %(today)s, 'bench', 'operator', '', %(now)s::timestamptz - interval '3 days', 'pending',
  NULL, '', NULL, id, %(operator)s, NULL, %(r_customer)s, NULL, %(t_suspended)s
FROM accounts_account WHERE id %% 200 = 30
"""
