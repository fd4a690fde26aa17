"""Money and statuses raced from many threads on PostgreSQL (R-B1, R-CH1, R-CH5, R-X3): no ledger
entry lost or doubled, balance == ledger sum, one history row per transition, and the deadlocks and
serialization failures PostgreSQL throws at racing transactions are retried, never leaked."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone

from accounts import integrity, retry
from accounts.models import Account, StatusChange
from billing import tasks as billing_tasks
from billing.models import LedgerEntry
from billing.services import ledger_sum
from tests.accounts.factories import AccountFactory

from .workload import busy_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 40


def assert_history_is_a_chain(account: Account) -> None:
    """Exactly one history row per transition: each starts where the one before ended."""
    rows = list(StatusChange.objects.filter(account=account).order_by("id"))
    assert rows[0].from_type_id is None
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.from_type_id == before.to_type_id != after.to_type_id
    assert rows[-1].to_type_id == account.status_type_id


def test_r_b1_a_busy_day_raced_on_ten_threads_loses_and_doubles_nothing(operator, on_postgres):
    retry.reset_retries()
    accounts = [
        AccountFactory(actor=operator, allowed_negative_days=days)
        for days in (0, 0, 1, None, 3, None)
    ]
    outcome = busy_day(accounts, operator, rounds=ROUNDS)

    assert outcome.leaked == [], outcome.describe_leaks()  # deadlocks retried, nothing else raised
    billing_tasks.credit_hold_sweep((timezone.now() + timedelta(seconds=1)).isoformat())
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        written = outcome.written.get(account.pk, {})
        by_kind = {
            kind: LedgerEntry.objects.filter(account=account, kind=kind).count()
            for kind in ("payment", "charge", "usage")
        }
        assert by_kind == {k: written.get(k, 0) for k in by_kind}  # none lost, none doubled
        assert account.balance == ledger_sum(account)
        assert_history_is_a_chain(account)
    report = integrity.verify()  # every app's registered checks
    assert (report.violations, report.pending) == (0, 0), report.findings
    print(  # the figures docs/RELIABILITY.md quotes (pytest -s shows them)
        f"\nraced {outcome.operations} operations ({dict(outcome.done)}; refused "
        f"{dict(outcome.refused)}); retries {retry.retries_seen()}; violations 0"
    )


def _lock_in_order(first: int, second: int, barrier: threading.Barrier, attempts: list) -> None:
    @retry.retry_on_conflict
    def transfer():
        attempts.append(first)
        with transaction.atomic():
            Account.objects.select_for_update().get(pk=first)
            if len(attempts) <= 2:  # the first two attempts meet; the retry runs alone
                barrier.wait(10)  # both hold their first row: each now waits for the other's
            Account.objects.select_for_update().get(pk=second)

    try:
        transfer()
    finally:
        connection.close()


def test_a_deadlock_between_two_transactions_is_retried_and_both_complete(operator, on_postgres):
    retry.reset_retries()
    a, b = AccountFactory(actor=operator), AccountFactory(actor=operator)
    barrier = threading.Barrier(2)
    attempts: list[int] = []
    errors: list[BaseException] = []

    def run(first, second):
        try:
            _lock_in_order(first, second, barrier, attempts)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=(a.pk, b.pk)),
        threading.Thread(target=run, args=(b.pk, a.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # PostgreSQL killed one transaction (DeadlockDetected); the retry ran it again, alone.
    assert errors == []
    assert len(attempts) == 3
    assert sum(retry.retries_seen().values()) == 1


def test_a_serialization_failure_is_retried(operator, on_postgres):
    """Two SERIALIZABLE transactions that each read what the other writes: one must fail."""
    retry.reset_retries()
    account = AccountFactory(actor=operator)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    runs: list[str] = []

    @retry.retry_on_conflict
    def rename(suffix: str) -> None:
        runs.append(suffix)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            names = list(Account.objects.filter(pk=account.pk).values_list("name", flat=True))
            if len(runs) <= 2:
                barrier.wait(10)
            Account.objects.filter(pk=account.pk).update(name=f"{names[0][:50]}{suffix}")

    def run(suffix):
        try:
            rename(suffix)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in ("-a", "-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(runs) == 3 and sum(retry.retries_seen().values()) == 1
    account.refresh_from_db()
    assert account.name.endswith(("-a-b", "-b-a"))  # the retry read what the winner wrote


def test_inside_an_atomic_block_a_deadlock_goes_to_the_outer_transaction(operator, on_postgres):
    """A nested retry would run on a transaction PostgreSQL has already aborted."""
    calls = []

    @retry.retry_on_conflict
    def inner():
        calls.append(1)
        raise OperationalError("deadlock detected") from retry.RETRYABLE[0]()

    with pytest.raises(OperationalError), transaction.atomic():
        inner()
    assert calls == [1]


def test_a_conflict_that_keeps_coming_is_raised_after_the_last_attempt(operator, on_postgres):
    calls = []

    @retry.retry_on_conflict(attempts=3)
    def always():
        calls.append(1)
        raise OperationalError("could not serialize") from retry.RETRYABLE[1]()

    with pytest.raises(OperationalError):
        always()
    assert len(calls) == 3


def test_any_other_database_error_is_not_retried(operator, on_postgres):
    calls = []

    @retry.retry_on_conflict
    def broken():
        calls.append(1)
        raise OperationalError("server closed the connection")

    with pytest.raises(OperationalError):
        broken()
    assert calls == [1]


def test_r_e4_a_due_change_applies_to_an_account_whose_type_changed_while_it_waited(
    operator, on_postgres
):
    """Regression: the batch locked accounts joined to their type; PostgreSQL rechecks that join
    after the wait against the old type and dropped the account (KeyError, the batch lost)."""
    from accounts import services as account_services
    from accounts.models import BackendStatus as S
    from accounts.models import ScheduledStatusChange
    from accounts.scheduling import apply_due_status_changes

    account = AccountFactory(actor=operator)
    today = timezone.localdate()
    account_services.schedule_status_change(
        account,
        account_services.default_status_type(S.CANCELLED),
        reason="Customer request",
        effective_on=today,
        actor=operator,
    )
    holding, release = threading.Event(), threading.Event()

    def suspend_and_wait():
        try:
            with transaction.atomic():
                account_services.change_status(
                    Account.objects.get(pk=account.pk),
                    account_services.default_status_type(S.SUSPENDED),
                    actor=operator,
                    reason="Abuse",
                )
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=suspend_and_wait)
    thread.start()
    holding.wait(10)
    threading.Timer(0.5, release.set).start()  # commit while the sweep waits for the row
    counts = apply_due_status_changes(today)
    thread.join(10)
    assert counts == {"applied": 1, "refused": 0, "failed": 0}
    account.refresh_from_db()
    assert account.backend_status == S.CANCELLED
    assert ScheduledStatusChange.objects.get(account=account).state == "applied"
    assert_history_is_a_chain(account)
