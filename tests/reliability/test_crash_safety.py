"""A real Celery worker (prefork, Redis broker) killed with SIGKILL in the middle of a dunning sweep:
the task comes back (`acks_late` + `reject_on_worker_lost`, or Redis' visibility timeout when the
whole worker died) and the rerun finishes the job with every step, fee and history row once
(R-X3, R-B1)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from celery.result import AsyncResult
from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Account, StatusChange
from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import DunningEvent, DunningStep, EntryKind, LedgerEntry
from billing.tasks import dunning_sweep
from config.celery import app
from tests.accounts.factories import AccountFactory
from tests.celery_worker import worker_process

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
ACCOUNTS = 60
STEPS = 3  # R-D1, R-D2, R-D3: 20 days past due passes all of them
FEE = Decimal("5.00")
BATCH = 4
HALF = ACCOUNTS * STEPS // 2


def overdue_accounts(operator, n: int) -> list[Account]:
    """Accounts in arrears (threshold −500, so only dunning acts) with an invoice 20 days overdue;
    every step of the Standard ladder charges a fee."""
    DunningStep.objects.filter(policy__is_default=True).update(fee=FEE)
    op = Actor.operator(operator)
    today = timezone.localdate()
    accounts = []
    for _ in range(n):
        account = AccountFactory(actor=op)
        billing.set_financial_blocking_threshold(account, "-500.00", actor=op)
        billing.issue_invoice(
            account, amount="20.00", billing_date=today - timedelta(days=20), actor=op
        )
        accounts.append(account)
    return accounts


def start_worker(queue: str, **env) -> subprocess.Popen:
    """A prefork worker with one child; many small transactions, so the kill lands between them."""
    return worker_process(queue, queue, pool="prefork", SWEEP_BATCH_SIZE=str(BATCH), **env)


def pool_child(worker: subprocess.Popen, timeout: float = 30) -> int:
    """The pid of the prefork pool's process (the one running the task)."""
    deadline = time.monotonic() + timeout
    path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    while time.monotonic() < deadline:
        children = path.read_text().split() if path.exists() else []
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the worker started no pool process")


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def events() -> int:
    return DunningEvent.objects.count()


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(20)


def assert_every_step_once(accounts: list[Account]) -> None:
    """R-X3: each account passed each step once, paid each fee once, and its history is one
    row per transition; the balance is the ledger's sum (R-B1)."""
    assert events() == len(accounts) * STEPS
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        assert account.backend_status == S.CANCELLED  # "Terminated" (R-D3)
        assert LedgerEntry.objects.filter(account=account, kind=EntryKind.FEE).count() == STEPS
        assert account.balance == Decimal("-20.00") - STEPS * FEE == billing.ledger_sum(account)
        rows = list(StatusChange.objects.filter(account=account).order_by("id"))
        assert [(r.from_backend_status, r.to_backend_status) for r in rows] == [
            ("", S.ACTIVE),
            (S.ACTIVE, S.CANCELLED),
        ]


def enqueue_sweep(queue: str) -> AsyncResult:
    app.loader.import_default_modules()
    connection.close()  # the worker must see committed data; nothing of ours stays open
    return dunning_sweep.apply_async(
        kwargs={"today": timezone.localdate().isoformat()}, queue=queue
    )


def test_a_pool_process_killed_mid_sweep_is_replaced_and_the_task_rerun_to_the_end(operator):
    """`reject_on_worker_lost`: the worker sees its pool process die and requeues the message."""
    accounts = overdue_accounts(operator, ACCOUNTS)
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue)
    try:
        result = enqueue_sweep(queue)
        wait_for(lambda: HALF <= events() < ACCOUNTS * STEPS, 60, "the sweep is half-way")
        child = pool_child(worker)
        os.kill(child, signal.SIGKILL)
        done_before_kill = events()
        assert done_before_kill < ACCOUNTS * STEPS
        counts = result.get(timeout=120)  # the same task id, run again by a new pool process
        assert pool_child(worker) != child
    finally:
        stop(worker)
    assert counts["skipped"] is False
    assert_every_step_once(accounts)
    print(f"\nkilled the pool process after {done_before_kill} of {ACCOUNTS * STEPS} steps")


def test_a_whole_worker_killed_mid_sweep_is_redelivered_to_the_next_worker(operator):
    """`acks_late`: the message was never acknowledged, so Redis hands it to the next worker
    once its visibility timeout has passed."""
    accounts = overdue_accounts(operator, ACCOUNTS)
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    fast_restore = {
        "CELERY_VISIBILITY_TIMEOUT": "8",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    first = start_worker(queue, **fast_restore)
    try:
        result = enqueue_sweep(queue)
        wait_for(lambda: HALF <= events() < ACCOUNTS * STEPS, 60, "the sweep is half-way")
    finally:
        stop(first)  # SIGKILL to the worker and its pool at once: nobody can requeue anything
    done_before_kill = events()
    assert done_before_kill < ACCOUNTS * STEPS
    second = start_worker(queue, **fast_restore)
    try:
        counts = result.get(timeout=120)
    finally:
        stop(second)
    assert counts["skipped"] is False
    assert_every_step_once(accounts)
    print(f"\nkilled the whole worker after {done_before_kill} of {ACCOUNTS * STEPS} steps")
