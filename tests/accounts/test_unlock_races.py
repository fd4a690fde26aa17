"""Issue 15 item 5: Unlock decides on the status it reads under the row lock. An account cancelled
for non-payment while an unlock waits is not made Active (that would skip R-D3's fee); of two
agents unlocking at once one wins and the other is told the truth — one attempt stored as done,
one email. Threads on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.errors import AccountsError, NothingToUnlock
from accounts.models import Account, StatusChange, UnlockAttempt
from accounts.models import BackendStatus as S
from accounts.unlocking import LOCKED_TYPE_NAME
from tests.accounts.factories import AccountFactory, MembershipFactory, OperatorFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def locked(operator, on_postgres):
    """A customer whose account R-G1 locked (a non-payment lock that Unlock lifts)."""
    account = AccountFactory(actor=operator, next_payment_date=timezone.localdate())
    user = UserFactory(email="owner@example.com")
    MembershipFactory(user=user, account=account)
    services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    return account, user


def run_in_thread(results: list, target) -> threading.Thread:
    def run():
        try:
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - the test asserts which one it was
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until_a_session_waits_on_a_lock(seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    pytest.fail("the unlock never waited for the row lock")


def test_issue15_an_account_cancelled_while_an_unlock_waits_is_not_made_active(locked, operator):
    account, user = locked
    cancelled, go = threading.Event(), threading.Event()

    def cancel_and_hold():
        with transaction.atomic():
            row = Account.objects.select_for_update().get(pk=account.pk)
            services.change_status(row, "Terminated", actor=operator, reason="Non-payment")
            cancelled.set()
            go.wait(10)
        return "cancelled"

    results: list = []
    canceller = run_in_thread(results, cancel_and_hold)
    assert cancelled.wait(10)
    unlocker = run_in_thread(
        results,
        lambda: services.unlock_user_account(user, actor=operator, today=timezone.localdate()),
    )
    wait_until_a_session_waits_on_a_lock()  # the unlock read "held" and now waits for the row
    go.set()
    canceller.join(10)
    unlocker.join(10)

    refusal = next(r for r in results if isinstance(r, AccountsError))
    assert isinstance(refusal, NothingToUnlock)
    assert "no longer on administrative hold" in refusal.message
    assert "Terminated" in refusal.message
    account.refresh_from_db()
    assert account.status_type.name == "Terminated"  # only Enable leaves it, with the fee
    unlocks = StatusChange.objects.filter(account=account, reason__name="Unlocked by support")
    assert not unlocks.exists()
    attempt = UnlockAttempt.objects.get(user=user)
    assert attempt.allowed is False and attempt.message == refusal.message


def test_issue15_two_agents_unlocking_at_once_one_wins_the_other_is_told_the_truth(locked):
    account, user = locked
    agents = [OperatorFactory(), OperatorFactory()]
    barrier = threading.Barrier(2)
    results: list = []

    def unlock(agent):
        def go():
            barrier.wait(10)
            return services.unlock_user_account(user, actor=agent, today=timezone.localdate())

        return go

    threads = [run_in_thread(results, unlock(agent)) for agent in agents]
    for thread in threads:
        thread.join(20)

    done = [r for r in results if not isinstance(r, AccountsError)]
    told = [r for r in results if isinstance(r, AccountsError)]
    assert len(done) == 1 and len(told) == 1
    assert isinstance(told[0], NothingToUnlock)
    assert "unlocked (" not in told[0].message  # not the winner's words
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert UnlockAttempt.objects.filter(user=user, allowed=True).count() == 1
    assert UnlockAttempt.objects.filter(user=user, allowed=False).count() == 1
    assert (
        StatusChange.objects.filter(account=account, reason__name="Unlocked by support").count()
        == 1
    )
    unlocked_mails = [m for m in mail.outbox if "renew your subscription by" in m.body]
    assert len(unlocked_mails) == 1
