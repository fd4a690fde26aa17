"""Check the books: what must always hold between balances, the ledger, invoices, statuses and
their history (R-B1, R-CH1, R-CH5, R-X6), read a chunk of accounts at a time so memory stays flat.

A *violation* is a broken invariant: no sequence of services can produce it. A *pending* finding
is a status the next sweep will correct (R-CH1 (b) depends on the clock, so an account can be due
for a hold that no sweep has applied yet). `verify()` returns both; `manage.py verify_ledger`
prints them and exits 1 on violations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.events import ACCOUNT_STATUS_CHANGED
from accounts.models import Account, AccountStatusType, BackendStatus, OutboxEvent, StatusChange

from . import decisions
from .credit import credit_facts_of
from .models import DunningEvent, DunningPolicy, DunningState, Invoice, LedgerEntry

VIOLATION = "violation"
PENDING = "pending"
CHUNK_SIZE = 1000
MAX_FINDINGS_PER_CHECK = 200  # the count is always complete; the listed examples are capped
MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class Finding:
    check: str
    rule_id: str
    severity: str
    subject: str
    message: str


@dataclass
class Report:
    checked: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)  # findings per (check, severity)
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        key = f"{finding.check}:{finding.severity}"
        self.counts[key] += 1
        if self.counts[key] <= MAX_FINDINGS_PER_CHECK:
            self.findings.append(finding)

    def total(self, severity: str) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith(f":{severity}"))

    @property
    def violations(self) -> int:
        return self.total(VIOLATION)

    @property
    def pending(self) -> int:
        return self.total(PENDING)

    def as_dict(self) -> dict:
        return {
            "violations": self.violations,
            "pending": self.pending,
            "checked": dict(self.checked),
            "counts": dict(self.counts),
            "findings": [asdict(f) for f in self.findings],
        }


def account_chunks(chunk_size: int) -> Iterator[list[Account]]:
    """Accounts in id order, `chunk_size` at a time (keyset paging: each chunk read afresh)."""
    last = 0
    while True:
        chunk = list(
            Account.objects.filter(pk__gt=last)
            .select_related("status_type")
            .order_by("pk")[:chunk_size]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def verify(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE, extra_checks=()) -> Report:
    """Run every check over every account; `extra_checks` are callables taking the report
    (higher apps add theirs: billing cannot import subscriptions)."""
    now = now or timezone.now()
    report = Report()
    types = {t.pk: t for t in AccountStatusType.objects.all()}
    policies = decisions.Policies()
    for chunk in account_chunks(chunk_size):
        ids = [a.pk for a in chunk]
        numbers = {a.pk: a.number for a in chunk}
        report.checked["accounts"] += len(chunk)
        for check in (_balances, _ledger_entries, _invoices, _history, _outbox):
            check(report, ids, numbers)
        _status_rules(report, chunk, now, policies, types)
    _dunning_states(report)
    for check in extra_checks:
        check(report)
    return report


def _account(numbers: dict[int, str], pk: int) -> str:
    return f"account {numbers.get(pk, pk)}"


def _balances(report: Report, ids: list[int], numbers: dict[int, str]) -> None:
    """R-B1: the cached balance equals the ledger sum and the last entry's balance after."""
    last_after = LedgerEntry.objects.filter(account=OuterRef("pk")).order_by("-id")
    rows = (
        Account.objects.filter(pk__in=ids)
        .annotate(
            ledger=Coalesce(Sum("ledger_entries__amount"), Value(Decimal(0)), output_field=MONEY),
            last_after=Subquery(last_after.values("balance_after")[:1], output_field=MONEY),
        )
        .values_list("pk", "balance", "ledger", "last_after", "negative_since")
    )
    for pk, balance, ledger, last_after, negative_since in rows:
        if balance != ledger:
            report.add(
                Finding(
                    "balance",
                    "R-B1",
                    VIOLATION,
                    _account(numbers, pk),
                    f"cached balance {balance} ≠ ledger sum {ledger}",
                )
            )
        if last_after is not None and last_after != balance:
            report.add(
                Finding(
                    "balance",
                    "R-B1",
                    VIOLATION,
                    _account(numbers, pk),
                    f"the last entry's balance after is {last_after}, the balance {balance}",
                )
            )
        if (balance < 0) != (negative_since is not None):
            report.add(
                Finding(
                    "balance",
                    "R-CH1",
                    VIOLATION,
                    _account(numbers, pk),
                    f"balance {balance} but negative since {negative_since}",
                )
            )


def _ledger_entries(report: Report, ids: list[int], numbers: dict[int, str]) -> None:
    """Entries in the account's currency; a reversal is the exact opposite of one entry of the
    same account; an invoice's charge belongs to the invoice's account."""
    entries = LedgerEntry.objects.filter(account_id__in=ids)
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
                    _account(numbers, account_id),
                    f"entry {pk}: {message}",
                )
            )


def _invoices(report: Report, ids: list[int], numbers: dict[int, str]) -> None:
    """Oldest invoices are paid first: what is outstanding is the debt, up to what was invoiced;
    an invoice is marked paid exactly when nothing is outstanding."""
    invoices = Invoice.objects.filter(account_id__in=ids)
    report.checked["invoices"] += invoices.count()
    broken = invoices.filter(
        Q(outstanding__lt=0)
        | Q(outstanding__gt=F("amount"))
        | Q(outstanding=0, paid_at__isnull=True)
        | Q(outstanding__gt=0, paid_at__isnull=False)
    )
    for number, account_id, amount, outstanding, paid_at in broken.values_list(
        "number", "account_id", "amount", "outstanding", "paid_at"
    ):
        report.add(
            Finding(
                "invoices",
                "R-B1",
                VIOLATION,
                _account(numbers, account_id),
                f"invoice {number}: amount {amount}, outstanding {outstanding}, paid {paid_at}",
            )
        )
    totals = (
        Account.objects.filter(pk__in=ids, invoices__isnull=False)
        .annotate(invoiced=Sum("invoices__amount"), open=Sum("invoices__outstanding"))
        .values_list("pk", "balance", "invoiced", "open")
    )
    for pk, balance, invoiced, open_amount in totals:
        expected = min(max(Decimal(0), -balance), invoiced)
        if open_amount != expected:
            report.add(
                Finding(
                    "invoices",
                    "R-B1",
                    VIOLATION,
                    _account(numbers, pk),
                    f"outstanding {open_amount}, but the debt {max(Decimal(0), -balance)} "
                    f"carried by invoices totalling {invoiced} is {expected}",
                )
            )


def _history(report: Report, ids: list[int], numbers: dict[int, str]) -> None:
    """One history row per transition: the first has no `from`, each starts where the one before
    ended, none stays put, and the last ends at the account's type."""
    current = dict(Account.objects.filter(pk__in=ids).values_list("pk", "status_type_id"))
    rows = (
        StatusChange.objects.filter(account_id__in=ids)
        .order_by("account_id", "id")
        .values_list("account_id", "id", "from_type_id", "to_type_id")
    )
    last: dict[int, int | None] = {}
    for account_id, pk, from_id, to_id in rows.iterator(chunk_size=2000):
        report.checked["history_rows"] += 1
        subject = _account(numbers, account_id)
        before = last.get(account_id)
        if account_id not in last and from_id is not None:
            report.add(
                Finding(
                    "history",
                    "R-C1",
                    VIOLATION,
                    subject,
                    f"row {pk}: the first row has a from-type",
                )
            )
        elif account_id in last and from_id != before:
            report.add(
                Finding(
                    "history",
                    "R-C1",
                    VIOLATION,
                    subject,
                    f"row {pk} starts at type {from_id}, the row before ended at {before}",
                )
            )
        if from_id == to_id:
            report.add(
                Finding("history", "R-C1", VIOLATION, subject, f"row {pk} records no change")
            )
        last[account_id] = to_id
    for pk, type_id in current.items():
        if pk not in last:
            report.add(
                Finding("history", "R-C1", VIOLATION, _account(numbers, pk), "no status history")
            )
        elif last[pk] != type_id:
            report.add(
                Finding(
                    "history",
                    "R-C1",
                    VIOLATION,
                    _account(numbers, pk),
                    f"history ends at type {last[pk]}, the account is {type_id}",
                )
            )


def _outbox(report: Report, ids: list[int], numbers: dict[int, str]) -> None:
    """R-X6: every status change has exactly one `account.status_changed` event."""
    changes = dict(StatusChange.objects.filter(account_id__in=ids).values_list("pk", "account_id"))
    seen: Counter = Counter(
        OutboxEvent.objects.filter(
            event_type=ACCOUNT_STATUS_CHANGED, account_id__in=ids
        ).values_list("payload__status_change_id", flat=True)
    )
    for change_id, account_id in changes.items():
        if seen.get(change_id, 0) != 1:
            report.add(
                Finding(
                    "outbox",
                    "R-X6",
                    VIOLATION,
                    _account(numbers, account_id),
                    f"history row {change_id} has {seen.get(change_id, 0)} outbox events",
                )
            )


def _status_rules(report, chunk: list[Account], now, policies, types) -> None:
    """R-CH1/R-G1 (hold or lock), R-CH5/R-D4 (release): what money says the status should be,
    decided by the same function postings and sweeps use. A posting decides at once, so a due
    decision is a violation — except R-CH1 (b), which waits for the clock and the sweep."""
    watched = (BackendStatus.ACTIVE, *decisions.RELEASABLE)
    accounts = [a for a in chunk if types[a.status_type_id].backend_status in watched]
    contexts = decisions.contexts(accounts, policies)
    for account in accounts:
        facts = credit_facts_of(account, now)
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


def _dunning_states(report: Report) -> None:
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


ExtraCheck = Callable[[Report], None]
