"""Money under concurrency (PostgreSQL row locks) and the sweep on a real Celery worker."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account, StatusChange
from accounts.models import BackendStatus as S
from billing import services
from billing.models import LedgerEntry
from billing.sweeps import credit_hold_sweep
from billing.tasks import credit_hold_sweep as credit_hold_sweep_task
from tests.accounts.factories import AccountFactory


def run_in_threads(*targets):
    errors = []

    def wrap(target):
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []


def assert_history_is_a_chain(account):
    """Exactly one history row per real transition: each row starts where the last one ended."""
    rows = list(StatusChange.objects.filter(account=account).order_by("id"))
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.from_type_id == before.to_type_id
        assert after.from_type_id != after.to_type_id
    assert rows[-1].to_type_id == account.status_type_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_b1_parallel_payments_charges_and_sweep_keep_balances_exact(operator, on_postgres):
    accounts = [AccountFactory(actor=operator, allowed_negative_days=0) for _ in range(4)]
    rounds = 25

    def charger():
        for i in range(rounds):
            for account in accounts:
                services.post_charge(account.pk, "3.00", description=f"c{i}", actor=operator)

    def payer():
        for i in range(rounds):
            for account in accounts:
                services.record_payment(
                    account.pk, "2.00", idempotency_key=f"p{account.pk}-{i}", actor=operator
                )
                # a retried payment with the same key must not count twice
                services.record_payment(
                    account.pk, "2.00", idempotency_key=f"p{account.pk}-{i}", actor=operator
                )

    def sweeper():
        for _ in range(rounds):
            credit_hold_sweep(now=timezone.now() + timedelta(seconds=1))

    run_in_threads(charger, payer, sweeper)
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        assert account.balance == Decimal("-25.00")  # 25 × (2 − 3)
        assert services.ledger_sum(account) == account.balance
        assert LedgerEntry.objects.filter(account=account, kind="payment").count() == rounds
        assert account.backend_status == S.CREDIT_HOLD  # P = 0 and negative (R-CH1 b)
        assert_history_is_a_chain(account)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_credit_hold_sweep_runs_on_a_real_celery_worker(celery_worker, operator):
    account = AccountFactory(actor=operator, allowed_negative_days=2)
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "10", description="invoice", actor=operator)
    later = (timezone.now() + timedelta(days=3)).isoformat()
    result = credit_hold_sweep_task.delay(now=later).get(timeout=60)
    assert result["held"] == 1
    account.refresh_from_db()
    assert account.backend_status == S.CREDIT_HOLD


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_bad_now_argument_is_a_domain_error_from_the_worker(celery_worker):
    from accounts.errors import InvalidDate

    with pytest.raises(InvalidDate, match="not an ISO date-time"):
        credit_hold_sweep_task.delay(now="yesterday-ish").get(timeout=60)
