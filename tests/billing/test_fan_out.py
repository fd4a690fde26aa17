"""Issue 8: a sweep fanned out over id ranges is shared by workers; every account once."""

import os
import signal
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account, StatusChange
from billing import services
from billing.errors import BillingError
from billing.sweeps import credit_hold_sweep, id_ranges
from billing.tasks import credit_hold_sweep as credit_task
from billing.tasks import fan_out_credit_hold_sweep, parse_range
from config.celery import app
from tests.accounts.factories import AccountFactory
from tests.celery_worker import worker_process


def make_accounts(operator, n):
    """n accounts whose balance sits below a threshold set without evaluation (a bulk import)."""
    accounts = [AccountFactory(actor=operator) for _ in range(n)]
    for account in accounts:
        services.post_adjustment(account, "5.00", description="opening credit", actor=operator)
    Account.objects.filter(pk__in=[a.pk for a in accounts]).update(
        financial_blocking_threshold=Decimal("10.00")
    )
    return accounts


@pytest.mark.django_db
def test_id_ranges_cover_every_account_once(operator):
    accounts = make_accounts(operator, 7)
    ranges = id_ranges(3)
    assert len(ranges) == 3
    covered = [a.pk for a in accounts if any(lo <= a.pk < hi for lo, hi in ranges)]
    assert sorted(covered) == sorted(a.pk for a in accounts)
    assert all(hi <= lo2 for (_, hi), (lo2, _) in zip(ranges, ranges[1:], strict=False))


@pytest.mark.django_db
def test_range_sweeps_together_equal_one_whole_sweep(operator):
    accounts = make_accounts(operator, 6)
    held = sum(credit_hold_sweep(id_range=r)["held"] for r in id_ranges(4))
    assert held == 6
    assert credit_hold_sweep()["held"] == 0  # nothing left for a whole sweep
    for account in accounts:
        assert StatusChange.objects.filter(account=account, rule_id="R-CH1").count() == 1


@pytest.mark.parametrize(("low", "high"), [(5, 5), ("a", 3), (1, None)])
def test_a_bad_id_range_is_refused_with_a_message(low, high):
    with pytest.raises(BillingError, match="id range"):
        parse_range(low, high)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_share_a_fanned_out_sweep_and_each_account_moves_once(operator):
    accounts = make_accounts(operator, 12)
    queue = f"fan-out-{uuid.uuid4().hex[:8]}"
    app.loader.import_default_modules()
    connection.close()  # the workers read committed data on their own connections
    workers = [worker_process(queue, f"{queue}-{i}") for i in (1, 2)]
    try:
        results = [
            credit_task.apply_async(kwargs={"low": lo, "high": hi}, queue=queue)
            for lo, hi in id_ranges(6)
        ]
        counts = [result.get(timeout=120) for result in results]
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
    assert sum(count["held"] for count in counts) == 12
    for account in accounts:
        assert StatusChange.objects.filter(account=account, rule_id="R-CH1").count() == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_fan_out_task_enqueues_one_sweep_per_range(celery_worker, operator):
    make_accounts(operator, 5)
    children = fan_out_credit_hold_sweep.delay(slices=3).get(timeout=60)
    assert len(children) == 3
    assert sum(app.AsyncResult(c).get(timeout=60)["held"] for c in children) == 5


@pytest.mark.django_db
def test_window_batches_yield_each_match_once_in_order_and_never_over_the_batch_size(operator):
    from billing.sweeps import window_batches

    accounts = make_accounts(operator, 9)
    wanted = Account.objects.filter(pk__in=[a.pk for a in accounts[::2]])
    batches = list(window_batches(wanted, batch_size=2, window=3))
    flat = [pk for batch in batches for pk in batch]
    assert flat == sorted(a.pk for a in accounts[::2])
    assert all(1 <= len(batch) <= 2 for batch in batches)
    low, high = accounts[2].pk, accounts[7].pk
    in_range = [pk for b in window_batches(wanted, 2, id_range=(low, high), window=3) for pk in b]
    assert in_range == [a.pk for a in accounts[::2] if low <= a.pk < high]
