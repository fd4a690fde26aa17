"""Billing's integrity checks for `manage.py verify_ledger` (accounts.integrity runs them):
balances against the ledger (R-B1), ledger entries, invoices and open items (R-B3), what money
says the status should be (R-CH1, R-CH5, R-G1) and dunning states (R-X3). billing/apps.py
registers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.integrity import PENDING, VIOLATION, Chunk, Finding, Report
from accounts.models import Account, BackendStatus

from . import decisions
from .amounts import cents
from .credit import credit_facts_of
from .models import DunningEvent, DunningPolicy, DunningState, Invoice, LedgerEntry, OpenItem

MONEY = DecimalField(max_digits=16, decimal_places=2)


def balances(report: Report, chunk: Chunk) -> None:
    """R-B1: the cached balance equals the ledger sum and the last entry's balance after."""
    last_after = LedgerEntry.objects.filter(account=OuterRef("pk")).order_by("-id")
    rows = (
        Account.objects.filter(pk__in=chunk.ids)
        .annotate(
            ledger=Coalesce(Sum("ledger_entries__amount"), Value(Decimal(0)), output_field=MONEY),
            last_after=Subquery(last_after.values("balance_after")[:1], output_field=MONEY),
        )
        .values_list("pk", "balance", "ledger", "last_after", "negative_since")
    )
    for pk, balance, ledger, last_after, negative_since in rows:
        ledger = cents(ledger)  # SQLite sums as floats
        if balance != ledger:
            report.add(
                Finding(
                    "balance",
                    "R-B1",
                    VIOLATION,
                    chunk.subject(pk),
                    f"cached balance {balance} ≠ ledger sum {ledger}",
                )
            )
        if last_after is not None and last_after != balance:
            report.add(
                Finding(
                    "balance",
                    "R-B1",
                    VIOLATION,
                    chunk.subject(pk),
                    f"the last entry's balance after is {last_after}, the balance {balance}",
                )
            )
        if (balance < 0) != (negative_since is not None):
            report.add(
                Finding(
                    "balance",
                    "R-CH1",
                    VIOLATION,
                    chunk.subject(pk),
                    f"balance {balance} but negative since {negative_since}",
                )
            )


def ledger_entries(report: Report, chunk: Chunk) -> None:
    """Entries in the account's currency; a reversal is the exact opposite of one entry of the
    same account; an invoice's charge belongs to the invoice's account."""
    entries = LedgerEntry.objects.filter(account_id__in=chunk.ids)
    report.checked["ledger_entries"] += entries.count()
    problems: Iterable[tuple[str, Q]] = (
        ("currency differs from the account's", ~Q(currency=F("account__currency"))),
        (
            "reversal is not the exact opposite of the entry it reverses",
            Q(reverses__isnull=False)
            & (~Q(amount=-F("reverses__amount")) | ~Q(account_id=F("reverses__account_id"))),
        ),
        (
            "entry of another account's invoice",
            Q(invoice__isnull=False) & ~Q(invoice__account_id=F("account_id")),
        ),
    )
    for message, condition in problems:
        for pk, account_id in entries.filter(condition).values_list("pk", "account_id"):
            report.add(
                Finding(
                    "ledger",
                    "R-B1",
                    VIOLATION,
                    chunk.subject(account_id),
                    f"entry {pk}: {message}",
                )
            )


def invoices(report: Report, chunk: Chunk) -> None:
    """An invoice shows its open item (R-B3): what is outstanding, and paid exactly when
    nothing is."""
    invoices = Invoice.objects.filter(account_id__in=chunk.ids)
    report.checked["invoices"] += invoices.count()
    broken = invoices.filter(
        Q(outstanding__lt=0)
        | Q(outstanding__gt=F("amount"))
        | Q(outstanding=0, paid_at__isnull=True)
        | Q(outstanding__gt=0, paid_at__isnull=False)
        | ~Q(outstanding=F("open_item__amount") - F("open_item__settled"))
    )
    for number, account_id, amount, outstanding, paid_at in broken.values_list(
        "number", "account_id", "amount", "outstanding", "paid_at"
    ):
        report.add(
            Finding(
                "invoices",
                "R-B1",
                VIOLATION,
                chunk.subject(account_id),
                f"invoice {number}: amount {amount}, outstanding {outstanding}, paid {paid_at}",
            )
        )


def open_items(report: Report, chunk: Chunk) -> None:
    """R-B3: the open items carry the debt — their outstanding sum is max(0, −balance) — and
    each item's settled amount is the sum of the settlements that still hold."""
    items = OpenItem.objects.filter(account_id__in=chunk.ids)
    report.checked["open_items"] += items.count()
    held = Coalesce(
        Sum("settlements__amount", filter=Q(settlements__released_by__isnull=True)),
        Value(Decimal(0)),
        output_field=MONEY,
    )
    for pk, account_id, settled, total in (
        items.annotate(total=held)
        .exclude(settled=F("total"))
        .values_list("pk", "account_id", "settled", "total")
    ):
        report.add(
            Finding(
                "open_items",
                "R-B3",
                VIOLATION,
                chunk.subject(account_id),
                f"open item {pk}: settled {settled:.2f}, its settlements {total:.2f}",
            )
        )
    outstanding = dict(
        items.filter(settled_at__isnull=True)
        .values("account_id")
        .annotate(s=Sum(F("amount") - F("settled"), output_field=MONEY))
        .values_list("account_id", "s")
    )
    for pk, balance in Account.objects.filter(pk__in=chunk.ids).values_list("pk", "balance"):
        carried = cents(outstanding.get(pk))
        if carried != max(Decimal(0), -balance):
            report.add(
                Finding(
                    "open_items",
                    "R-B3",
                    VIOLATION,
                    chunk.subject(pk),
                    f"open items carry {carried:.2f}, but the balance is {balance:.2f}",
                )
            )


def status_rules(report: Report, chunk: Chunk) -> None:
    """R-CH1/R-G1 (hold or lock), R-CH5/R-D4 (release): what money says the status should be,
    decided by the same function postings and sweeps use. A posting decides at once, so a due
    decision is a violation — except R-CH1 (b), which waits for the clock and the sweep."""
    watched = (BackendStatus.ACTIVE, *decisions.RELEASABLE)
    types = chunk.types
    accounts = [a for a in chunk.accounts if types[a.status_type_id].backend_status in watched]
    # Policies are read once per run, not once per chunk.
    policies = chunk.memo.setdefault("billing.policies", decisions.Policies())
    contexts = decisions.contexts(accounts, policies)
    for account in accounts:
        facts = credit_facts_of(account, chunk.now)
        decision = decisions.decide(
            types[account.status_type_id].backend_status, facts, contexts[account.pk]
        )
        if decision is None:
            continue
        by_the_clock = decision.kind == "hold" and not facts.below_threshold
        report.add(
            Finding(
                "status",
                decision.rule_id,
                PENDING if by_the_clock else VIOLATION,
                f"account {account.number}",
                f"is {account.status_type.name} but {decision.kind} is due: {decision.note}",
            )
        )


def dunning_states(report: Report) -> None:
    """An account stands on a step of its own policy (or the default one)."""
    default = DunningPolicy.objects.filter(is_default=True).values_list("pk", flat=True).first()
    foreign = (
        DunningState.objects.filter(step__isnull=False)
        .exclude(step__policy_id=Coalesce(F("account__dunning_policy_id"), Value(default)))
        .values_list("account__number", "step_id", "step__policy__name")
    )
    for number, step_id, policy in foreign.iterator():
        report.add(
            Finding(
                "orphans",
                "R-X3",
                VIOLATION,
                f"account {number}",
                f"stands on step {step_id} of another policy (“{policy}”)",
            )
        )
    fees = DunningEvent.objects.filter(fee_entry__isnull=False).exclude(
        fee_entry__account_id=F("account_id")
    )
    for pk, number in fees.values_list("pk", "account__number").iterator():
        report.add(
            Finding(
                "orphans",
                "R-X3",
                VIOLATION,
                f"account {number}",
                f"dunning event {pk} has another account's fee",
            )
        )
    report.checked["dunning_states"] += DunningState.objects.count()
