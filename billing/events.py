"""Money events (issue 19, R-X6): what billing publishes through accounts' outbox, in the
transaction of the change it reports — so an event exists exactly when its change commits, and a
refused or rolled-back posting leaves none.

Every payload names the account (`{"id", "number"}`), gives amounts as strings with their currency,
the rule id that decided the change ("" when an operator or customer acted without one) and the
change's effective time (R-B4). Events:

- ``payment.recorded`` — a payment entry is written (an idempotent repeat writes nothing, and
  emits nothing);
- ``payment.reversed`` — a payment's reversal entry is written;
- ``invoice.issued`` — an invoice and its charge are written;
- ``invoice.overdue`` — the dunning ladder records the first step counted from a due date (its
  anchor, R-X3): one event per unpaid invoice of the account due on that date. Dunning is what
  makes an invoice overdue here, so a rerun of the sweep (which records no step twice) emits none;
- ``invoice.written_off`` — an open item of an invoice is written off (R-D8);
- ``dunning.step_entered`` — one per DunningEvent written, on both ladder paths, in one insert;
- ``account.released`` — an automatic return to Active by money: a payment or a sweep releasing a
  credit hold (R-CH5) or a dunning step's hold (R-D4).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts import sqlbulk
from accounts.actors import as_actor
from accounts.events import emit, emit_many, emit_rows_sql
from accounts.models import Account, BackendStatus, StatusChange

from .models import DunningEvent, EntryKind, Invoice, LedgerEntry

PAYMENT_RECORDED = "payment.recorded"
PAYMENT_REVERSED = "payment.reversed"
INVOICE_ISSUED = "invoice.issued"
INVOICE_OVERDUE = "invoice.overdue"
INVOICE_WRITTEN_OFF = "invoice.written_off"
DUNNING_STEP_ENTERED = "dunning.step_entered"
ACCOUNT_RELEASED = "account.released"
MONEY_EVENTS = (
    PAYMENT_RECORDED,
    PAYMENT_REVERSED,
    INVOICE_ISSUED,
    INVOICE_OVERDUE,
    INVOICE_WRITTEN_OFF,
    DUNNING_STEP_ENTERED,
    ACCOUNT_RELEASED,
)
RELEASE_RULES = ("R-CH5", "R-D4")


def _account(pk: int, number: str) -> dict[str, Any]:
    return {"id": pk, "number": number}


def _subject(number: str) -> str:
    return f"account:{number}"


def _money(amount) -> str:
    return str(amount)


def entry_posted(account: Account, entry: LedgerEntry, actor, now: datetime) -> None:
    """A new ledger entry: a payment or a payment's reversal is published (others are not)."""
    if entry.kind == EntryKind.PAYMENT:
        event_type, extra = PAYMENT_RECORDED, {"idempotency_key": entry.idempotency_key}
    elif entry.kind == EntryKind.REVERSAL and entry.reverses.kind == EntryKind.PAYMENT:
        event_type, extra = PAYMENT_REVERSED, {"reversed_entry_id": entry.reverses_id}
    else:
        return
    payload = {
        "entry_id": entry.pk,
        "account": _account(account.pk, account.number),
        "amount": _money(abs(entry.amount)),
        "currency": entry.currency,
        "balance_after": _money(entry.balance_after),
        "description": entry.description,
        "rule_id": actor.rule_id or "",
        "effective_at": now,
        **extra,
    }
    emit(event_type, _subject(account.number), payload, account=account)


def _invoice_payload(invoice: Invoice, number: str, **extra) -> dict[str, Any]:
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.number,
        "account": _account(invoice.account_id, number),
        "amount": _money(invoice.amount),
        "outstanding": _money(invoice.outstanding),
        "currency": invoice.currency,
        "billing_date": invoice.billing_date,
        "due_date": invoice.due_date,
        **extra,
    }


def invoice_issued(account: Account, invoice: Invoice, now: datetime) -> None:
    """An invoice was issued with its charge (in issue_invoice's transaction)."""
    invoice.refresh_from_db(fields=["outstanding"])
    payload = _invoice_payload(invoice, account.number, rule_id="", effective_at=now)
    emit(INVOICE_ISSUED, _subject(account.number), payload, account=account)


def item_written_off(item, entry: LedgerEntry, actor, now: datetime | None) -> None:
    """An open item was written off (R-D8, services.write_off): invoice.written_off when the item
    is an invoice's (a plain charge's write-off is in the ledger, not an invoice event)."""
    if item.invoice_id is None:
        return
    invoice = Invoice.objects.select_related("account").get(pk=item.invoice_id)
    number = invoice.account.number
    payload = _invoice_payload(
        invoice,
        number,
        written_off=_money(entry.amount),
        entry_id=entry.pk,
        rule_id=as_actor(actor).rule_id or "",
        effective_at=now or entry.created_at,
    )
    emit(INVOICE_WRITTEN_OFF, _subject(number), payload, account=invoice.account_id)


def steps_entered(ids: list[int], wanted: list[tuple], existing: set, today: date) -> None:
    """The DunningEvents `record_steps` just wrote (ids; (account, step, anchor, due_on) rows),
    and `existing`, its (account_id, anchor, step_id) before: one dunning.step_entered per
    event and one invoice.overdue per unpaid invoice of each anchor whose first step this is.
    On PostgreSQL one INSERT … SELECT builds every payload in the database (the sweep's hot
    path); elsewhere a constant number of queries and one insert (both ladder paths)."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        params = {"ids": sqlbulk.int_array(ids), "today": today, "now": timezone.now()}
        emit_rows_sql(STEPS_CTES, STEPS_ROWS, params)
    else:
        steps_entered_in_python(ids, wanted, existing, today)


def steps_entered_in_python(ids: list[int], wanted: list[tuple], existing: set, today) -> None:
    """steps_entered's model-side twin (SQLite; the agreement test's reference)."""
    accounts = {
        pk: (number, currency)
        for pk, number, currency in Account.objects.filter(
            pk__in={a.pk for a, _s, _n, _d in wanted}
        ).values_list("pk", "number", "currency")
    }
    charged = dict(  # R-D6: a percentage step's fee is what it charged
        DunningEvent.objects.filter(pk__in=ids, fee_entry__isnull=False).values_list(
            "pk", "fee_entry__amount"
        )
    )
    items = [
        _step_item(pk, account.pk, step, anchor, day, today, accounts[account.pk], charged)
        for pk, (account, step, anchor, day) in zip(ids, wanted, strict=True)
    ]
    started = {(a_id, anchor) for a_id, anchor, _step in existing}
    first = {(a.pk, anchor) for a, _s, anchor, _d in wanted if (a.pk, anchor) not in started}
    items += _overdue_items(first, accounts, today)
    emit_many(items)


# The same payloads as _step_item and _overdue_items (tests/billing/test_money_events.py holds
# the two to the same rows): numeric(14,2)::text and date::text print as str() and the JSON
# encoder do. An anchor's first step: no DunningEvent of that anchor but the ones just written.
STEPS_CTES = """
WITH new AS (
  SELECT d.id, d.account_id, d.step_id, d.anchor, d.due_on, d.fee_entry_id
    FROM billing_dunningevent d WHERE d.id = ANY(%(ids)s::bigint[])
), first AS (
  SELECT DISTINCT n.account_id, n.anchor FROM new n
   WHERE NOT EXISTS (
     SELECT 1 FROM billing_dunningevent o
      WHERE o.account_id = n.account_id AND o.anchor = n.anchor
        AND NOT (o.id = ANY(%(ids)s::bigint[])))
), steps AS MATERIALIZED (  -- each step's payload part built once, not once per event
  SELECT s.id, s.policy_id, COALESCE(NULLIF(s.rule_id, ''), 'R-X3') AS rule_id,
         jsonb_build_object('id', s.id, 'position', s.position, 'status', t.name,
                            'fee', s.fee::text, 'notice', s.notice) AS part
    FROM billing_dunningstep s
    JOIN accounts_accountstatustype t ON t.id = s.status_type_id
   WHERE s.id IN (SELECT DISTINCT n.step_id FROM new n)
)
"""
STEPS_ROWS = """
SELECT * FROM (
  SELECT 'dunning.step_entered', 'account:' || a.number, a.id, jsonb_build_object(
           'dunning_event_id', n.id,
           'account', jsonb_build_object('id', a.id, 'number', a.number),
           'step', CASE WHEN f.id IS NULL THEN s.part  -- what the step charged (R-D6)
                        ELSE s.part || jsonb_build_object('fee', (-f.amount)::text) END,
           'policy_id', s.policy_id, 'currency', a.currency, 'anchor', n.anchor::text,
           'due_on', n.due_on::text, 'applied_on', %(today)s::date::text,
           'rule_id', s.rule_id, 'effective_at', n.due_on::text),
         %(now)s::timestamptz, 0 AS part, n.id AS ord
    FROM new n
    JOIN accounts_account a ON a.id = n.account_id
    JOIN steps s ON s.id = n.step_id
    LEFT JOIN billing_ledgerentry f ON f.id = n.fee_entry_id
  UNION ALL
  SELECT 'invoice.overdue', 'account:' || a.number, a.id, jsonb_build_object(
           'invoice_id', i.id, 'invoice_number', i.number,
           'account', jsonb_build_object('id', a.id, 'number', a.number),
           'amount', i.amount::text, 'outstanding', i.outstanding::text, 'currency', i.currency,
           'billing_date', i.billing_date::text, 'due_date', i.due_date::text,
           'rule_id', 'R-X3', 'effective_at', %(today)s::date::text),
         %(now)s::timestamptz, 1, i.id
    FROM first f
    JOIN billing_invoice i
      ON i.account_id = f.account_id AND i.due_date = f.anchor AND i.outstanding > 0
    JOIN accounts_account a ON a.id = f.account_id
  ORDER BY part, ord
) AS ordered (event_type, subject, account_id, payload, created_at, part, ord)
"""


def _step_item(pk, account_id, step, anchor, day, today, account, charged) -> tuple:
    number, currency = account
    payload = {
        "dunning_event_id": pk,
        "account": _account(account_id, number),
        "step": {
            "id": step.pk,
            "position": step.position,
            "status": step.status_type.name,
            "fee": _money(-charged[pk] if pk in charged else step.fee),
            "notice": step.notice,
        },
        "policy_id": step.policy_id,
        "currency": currency,
        "anchor": anchor,
        "due_on": day,
        "applied_on": today,
        "rule_id": step.rule_id or "R-X3",
        "effective_at": day,
    }
    return DUNNING_STEP_ENTERED, _subject(number), payload, account_id


def _overdue_items(first: set, accounts: dict, today: date) -> list[tuple]:
    if not first:
        return []
    unpaid = Invoice.objects.filter(
        account_id__in={a for a, _n in first},
        due_date__in={n for _a, n in first},
        outstanding__gt=0,
    ).order_by("account_id", "id")
    items = []
    for invoice in unpaid:
        if (invoice.account_id, invoice.due_date) not in first:
            continue
        number = accounts[invoice.account_id][0]
        payload = _invoice_payload(invoice, number, rule_id="R-X3", effective_at=today)
        items.append((INVOICE_OVERDUE, _subject(number), payload, invoice.account_id))
    return items


def released(changes: Iterable) -> None:
    """lifecycle.on_status_change listener: publish every automatic return to Active by money
    (R-CH5, R-D4) among `changes`, in their transaction — one read of the history rows (a sweep's
    changes are plain records) and one insert."""
    ids = [c.pk for c in changes if c.to_backend_status == BackendStatus.ACTIVE]
    if not ids:
        return
    rows = (
        StatusChange.objects.filter(pk__in=ids, rule_id__in=RELEASE_RULES)
        .order_by("pk")
        .values_list(
            "pk",
            "account_id",
            "account__number",
            "account__balance",
            "account__currency",
            "from_backend_status",
            "to_type__name",
            "rule_id",
            "effective_at",
        )
    )
    items = [_released_item(*row) for row in rows]
    if items:
        emit_many(items)


def _released_item(pk, account_id, number, balance, currency, came_from, to, rule_id, at):
    payload = {
        "account": _account(account_id, number),
        "status_change_id": pk,
        "from_backend_status": came_from,
        "to_status": to,
        "balance": _money(balance),
        "currency": currency,
        "rule_id": rule_id,
        "effective_at": at,
    }
    return ACCOUNT_RELEASED, _subject(number), payload, account_id
