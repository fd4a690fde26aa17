"""The frame of `manage.py verify_ledger`: a registry of integrity checks and the runner that reads
the accounts a chunk at a time, so memory stays flat (R-B1, R-C1, R-X6).

Each app registers the checks of its own rules, the way apps register Django system checks:
accounts' history and outbox checks below, billing's and subscriptions' from their
`AppConfig.ready()` (accounts cannot import them: STYLE "Which app may know which"). An explicit
`order` key fixes the order the checks run in, hence the order of the findings.

A *violation* is a broken invariant: no sequence of services can produce it. A *pending* finding
is a status the next sweep will correct (R-CH1 (b) depends on the clock, so an account can be due
for a hold that no sweep has applied yet). `verify()` returns both; `manage.py verify_ledger`
prints them and exits 1 on violations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import count
from typing import Any, NamedTuple

from django.utils import timezone

from .events import ACCOUNT_STATUS_CHANGED
from .models import Account, AccountStatusType, OutboxEvent, StatusChange

VIOLATION = "violation"
PENDING = "pending"
CHUNK_SIZE = 1000
MAX_FINDINGS_PER_CHECK = 200  # the count is always complete; the listed examples are capped


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


@dataclass
class Chunk:
    """One chunk of accounts (status types selected) and what every chunk of the run shares."""

    accounts: list[Account]
    now: datetime
    types: dict[int, AccountStatusType]
    memo: dict[str, Any]  # one per run: what a check reads once and reuses in every chunk
    ids: list[int] = field(init=False)
    numbers: dict[int, str] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = [a.pk for a in self.accounts]
        self.numbers = {a.pk: a.number for a in self.accounts}

    def subject(self, pk: int) -> str:
        """How a finding names the account `pk`."""
        return f"account {self.numbers.get(pk, pk)}"


ChunkCheck = Callable[[Report, Chunk], None]
OnceCheck = Callable[[Report], None]


class Registered(NamedTuple):
    order: int
    sequence: int  # registration order breaks ties between equal order keys
    per_chunk: bool
    check: Callable


_registry: list[Registered] = []
_sequence = count()


def register_check(check: Callable | None = None, *, order: int, per_chunk: bool = False):
    """Register an integrity check; usable as `@register_check(order=…)` too.

    A per-chunk check is called as `check(report, chunk)` for every chunk of accounts; any other
    as `check(report)` once, after the chunks. Lower `order` runs first. Registering the same
    function again changes nothing (an app's ready() may run more than once in tests).
    """

    def register(fn: Callable) -> Callable:
        if all(entry.check is not fn for entry in _registry):
            _registry.append(Registered(order, next(_sequence), per_chunk, fn))
            _registry.sort()
        return fn

    return register if check is None else register(check)


def unregister_check(check: Callable) -> None:
    """Remove a registered check (tests register throw-away ones)."""
    _registry[:] = [entry for entry in _registry if entry.check is not check]


def registered_checks(*, per_chunk: bool) -> list[Callable]:
    """The registered checks of one kind, in the order they run."""
    return [entry.check for entry in _registry if entry.per_chunk == per_chunk]


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


def verify(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> Report:
    """Run every registered check over every account and return what they found."""
    now = now or timezone.now()
    report = Report()
    types = {t.pk: t for t in AccountStatusType.objects.all()}
    memo: dict[str, Any] = {}
    per_chunk = registered_checks(per_chunk=True)
    for accounts in account_chunks(chunk_size):
        chunk = Chunk(accounts, now, types, memo)
        report.checked["accounts"] += len(accounts)
        for check in per_chunk:
            check(report, chunk)
    for check in registered_checks(per_chunk=False):
        check(report)
    return report


# accounts' own checks: the status history and its outbox events (orders leave room for billing's
# balance, ledger and invoice checks before them and its status rules after them).


@register_check(order=40, per_chunk=True)
def history(report: Report, chunk: Chunk) -> None:
    """R-C1: one history row per transition: the first has no `from`, each starts where the one
    before ended, none stays put, and the last ends at the account's type."""
    current = dict(Account.objects.filter(pk__in=chunk.ids).values_list("pk", "status_type_id"))
    rows = (
        StatusChange.objects.filter(account_id__in=chunk.ids)
        .order_by("account_id", "id")
        .values_list("account_id", "id", "from_type_id", "to_type_id")
    )
    last: dict[int, int | None] = {}
    for account_id, pk, from_id, to_id in rows.iterator(chunk_size=2000):
        report.checked["history_rows"] += 1
        if account_id not in last and from_id is not None:
            problem = f"row {pk}: the first row has a from-type"
        elif account_id in last and from_id != last[account_id]:
            problem = (
                f"row {pk} starts at type {from_id}, the row before ended at {last[account_id]}"
            )
        else:
            problem = ""
        if problem:
            report.add(Finding("history", "R-C1", VIOLATION, chunk.subject(account_id), problem))
        if from_id == to_id:
            report.add(
                Finding(
                    "history",
                    "R-C1",
                    VIOLATION,
                    chunk.subject(account_id),
                    f"row {pk} records no change",
                )
            )
        last[account_id] = to_id
    _history_ends_at_the_status(report, chunk, current, last)


def _history_ends_at_the_status(report: Report, chunk: Chunk, current: dict, last: dict) -> None:
    for pk, type_id in current.items():
        if pk not in last:
            problem = "no status history"
        elif last[pk] != type_id:
            problem = f"history ends at type {last[pk]}, the account is {type_id}"
        else:
            continue
        report.add(Finding("history", "R-C1", VIOLATION, chunk.subject(pk), problem))


@register_check(order=50, per_chunk=True)
def outbox(report: Report, chunk: Chunk) -> None:
    """R-X6: every status change has exactly one `account.status_changed` event."""
    changes = dict(
        StatusChange.objects.filter(account_id__in=chunk.ids).values_list("pk", "account_id")
    )
    seen: Counter = Counter(
        OutboxEvent.objects.filter(
            event_type=ACCOUNT_STATUS_CHANGED, account_id__in=chunk.ids
        ).values_list("payload__status_change_id", flat=True)
    )
    for change_id, account_id in changes.items():
        if seen.get(change_id, 0) != 1:
            report.add(
                Finding(
                    "outbox",
                    "R-X6",
                    VIOLATION,
                    chunk.subject(account_id),
                    f"history row {change_id} has {seen.get(change_id, 0)} outbox events",
                )
            )
