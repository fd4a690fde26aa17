"""A busy day on a few accounts, raced from many threads on PostgreSQL: customers pay (and retry
with the same idempotency key), services post usage, invoices are issued in the past so dunning
bites, managers move thresholds, operators suspend and re-activate, scheduled changes fall due,
and the credit-hold, dunning and scheduled-change sweeps run all the while."""

from __future__ import annotations

import random
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from accounts import tasks as account_tasks
from accounts.actors import Actor
from accounts.errors import AccountsError
from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services as billing
from billing import tasks as billing_tasks

CHARGE = Decimal("3.00")
USAGE = Decimal("0.25")
PAYMENT = Decimal("2.00")
INVOICE = Decimal("5.00")


@dataclass
class Outcome:
    """What the threads did: calls that succeeded, domain refusals, and anything else (leaks)."""

    done: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    leaked: list[BaseException] = field(default_factory=list)
    written: dict[int, Counter] = field(default_factory=dict)  # per account: entries by kind
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str, account_id: int | None = None, kind: str | None = None) -> None:
        with self._lock:
            self.done[what] += 1
            if account_id is not None and kind is not None:
                self.written.setdefault(account_id, Counter())[kind] += 1

    def refuse(self, what: str) -> None:
        with self._lock:
            self.refused[what] += 1

    def describe_leaks(self) -> str:
        return "\n".join("".join(traceback.format_exception(exc)) for exc in self.leaked)

    @property
    def operations(self) -> int:
        return sum(self.done.values()) + sum(self.refused.values())


def race(workers: list[Callable[[], None]], outcome: Outcome) -> None:
    """Start every worker at once (a barrier) and wait; an exception that is not a domain
    refusal is a leak and is kept."""
    barrier = threading.Barrier(len(workers))

    def run(worker):
        try:
            barrier.wait(30)
            worker()
        except BaseException as exc:  # noqa: BLE001 - every leak is collected and asserted
            with outcome._lock:
                outcome.leaked.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"


def busy_day(accounts: list[Account], operator, *, rounds: int, seed: int = 7) -> Outcome:
    """Race the whole workload over `accounts`; returns what happened."""
    outcome = Outcome()
    op = Actor.operator(operator)
    ids = [a.pk for a in accounts]
    today = timezone.localdate()
    suspended = account_services.default_status_type(S.SUSPENDED)
    active = account_services.default_status_type(S.ACTIVE)

    def payer(tag: str):
        def work():
            for i in range(rounds):
                pk = ids[i % len(ids)]
                key = f"{tag}-{i}"
                billing.record_payment(pk, PAYMENT, idempotency_key=key, actor=op)
                # the gateway retries: the same key records one payment
                billing.record_payment(pk, PAYMENT, idempotency_key=key, actor=op)
                outcome.count("payment", pk, "payment")
                outcome.count("payment retried")

        return work

    def charger(tag: str):
        def work():
            for i in range(rounds):
                pk = ids[(i + len(tag)) % len(ids)]
                billing.post_charge(pk, CHARGE, description=f"{tag} {i}", actor=op)
                outcome.count("charge", pk, "charge")
                billing.post_usage(
                    pk, USAGE, description="fax pages", actor=Actor.system("usage-api")
                )
                outcome.count("usage", pk, "usage")

        return work

    def invoicer():
        for i in range(rounds // 2):
            pk = ids[i % len(ids)]
            billing.issue_invoice(
                pk,
                amount=INVOICE,
                billing_date=today - timedelta(days=20 - i % 20),
                actor=op,
            )
            outcome.count("invoice", pk, "charge")

    def threshold_setter():
        rng = random.Random(seed)
        for i in range(rounds // 2):
            pk = ids[i % len(ids)]
            billing.set_financial_blocking_threshold(
                Account.objects.get(pk=pk),
                rng.choice(["-40.00", "-10.00", "0.00", "5.00"]),
                actor=op,
            )
            outcome.count("threshold")

    def status_changer():
        for i in range(rounds):
            account = Account.objects.get(pk=ids[i % len(ids)])
            target, reason = (suspended, "Abuse") if i % 2 == 0 else (active, "Status relabelled")
            try:
                account_services.change_status(account, target, actor=op, reason=reason)
                outcome.count("status change")
            except AccountsError:
                outcome.refuse("status change")  # the table said no (say Cancelled → Suspended)

    def scheduler():
        for i in range(rounds // 4):
            account = Account.objects.get(pk=ids[i % len(ids)])
            account_services.schedule_status_change(
                account, suspended, reason="Abuse", effective_on=today, actor=op
            )
            outcome.count("scheduled")
            account_tasks.apply_scheduled_status_changes(today.isoformat())
            outcome.count("scheduled sweep")

    def sweeper():
        for i in range(rounds // 2):
            later = timezone.now() + timedelta(seconds=1)
            billing_tasks.credit_hold_sweep(later.isoformat())
            outcome.count("credit-hold sweep")
            billing_tasks.dunning_sweep((today + timedelta(days=i % 3)).isoformat())
            outcome.count("dunning sweep")

    workers = [
        payer("pay-a"),
        payer("pay-b"),
        charger("charge-a"),
        charger("charge-bb"),
        invoicer,
        threshold_setter,
        status_changer,
        scheduler,
        sweeper,
        sweeper,
    ]
    race(workers, outcome)
    return outcome
