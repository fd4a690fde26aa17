"""Issue 19: a payment reads only what its rules need — the decision context only when money can
move the account (R-CH1, R-CH5, R-D4), the open items only when the account owed something
(R-B3) — and decides exactly as before."""

import itertools
import threading
import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import decisions, posting, services
from billing.credit import CreditFacts
from billing.models import OpenItem
from tests.accounts.factories import AccountFactory
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db


def tables_read(queries) -> set[str]:
    return {table for q in queries for table in TABLES if f'"{table}"' in q["sql"]}


TABLES = (
    "billing_dunningstate",
    "billing_dunningpolicy",
    "billing_dunningstep",
    "billing_openitem",
)
RELEASING = decisions.CreditContext(
    lock_on_exhaustion=True, lock_step=None, step_releases=None, reason_is_financial=True
)


def test_r_ch1_a_payment_that_leaves_an_active_account_covered_reads_no_decision_context(
    operator,
):
    account = AccountFactory(actor=operator)
    with CaptureQueriesContext(connection) as queries:
        services.record_payment(account, "10.00", idempotency_key="k-1", actor=operator)
    assert tables_read(queries.captured_queries) == set()  # no ladder, no policy, no items
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE and account.balance == D("10.00")


def test_r_ch5_a_payment_to_an_account_on_credit_hold_still_reads_its_context_and_releases_it(
    operator,
):
    account = account_in(S.CREDIT_HOLD, operator)
    with CaptureQueriesContext(connection) as queries:
        services.record_payment(account, "10.00", idempotency_key="k-2", actor=operator)
    assert {"billing_dunningstate", "billing_dunningpolicy"} <= tables_read(
        queries.captured_queries
    )
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE


def test_r_b3_a_credit_to_an_account_that_owed_nothing_reads_no_open_items(operator):
    account = AccountFactory(actor=operator)
    with CaptureQueriesContext(connection) as queries:
        services.record_payment(account, "5.00", idempotency_key="k-3", actor=operator)
    assert "billing_openitem" not in tables_read(queries.captured_queries)


def test_r_b3_a_credit_to_an_account_that_owed_settles_its_oldest_item_first(operator):
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "30.00", description="first", actor=operator)
    services.post_charge(account, "20.00", description="second", actor=operator)
    with CaptureQueriesContext(connection) as queries:
        services.record_payment(account, "40.00", idempotency_key="k-4", actor=operator)
    items = list(OpenItem.objects.filter(account=account).order_by("id"))
    assert [(i.amount, i.settled) for i in items] == [
        (D("30.00"), D("30.00")),
        (D("20.00"), D("10.00")),
    ]
    # An account that owed had no unapplied credit (R-B3's invariant): the payment is the only
    # one, so no query looks for others (issue 19).
    assert not any("billing_settlement" in q["sql"] and "SUM(" in q["sql"] for q in queries)


@pytest.mark.parametrize("backend", [s for s in S.values if s != S.DELETED])
def test_decide_is_none_whenever_money_cannot_move_the_account(backend):
    """may_move is decide's own guard: where it says no, no context changes the answer."""
    now = timezone.now()
    for balance, threshold, days in itertools.product((-50, -1, 0, 1), (-10, 0, 5), (None, 0, 3)):
        facts = CreditFacts(D(balance), D(threshold), now - timedelta(days=5), days, now)
        decision = decisions.decide(backend, facts, RELEASING)
        if not decisions.may_move(backend, facts):
            assert decision is None
        elif backend == S.ACTIVE:
            assert decision is not None and decision.kind in ("hold", "lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_b1_a_posting_that_waited_for_the_lock_sees_the_status_type_committed_meanwhile(
    operator,
):
    """The lock reads the status type in its own statement: a change committed while it waited
    is what it gets (a joined read would have dropped the row, UnknownAccount)."""
    account = AccountFactory(actor=operator)
    suspended = services.account_services.default_status_type(S.SUSPENDED)
    seen, locked_first = {}, threading.Event()

    def change_while_locked():
        with transaction.atomic():
            Account.objects.select_for_update().get(pk=account.pk)
            Account.objects.filter(pk=account.pk).update(status_type=suspended)
            locked_first.set()
            time.sleep(0.5)
        connection.close()

    def lock_after():
        locked_first.wait(5)
        with transaction.atomic():
            seen["type"] = posting.lock(account.pk).status_type
        connection.close()

    threads = [threading.Thread(target=change_while_locked), threading.Thread(target=lock_after)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen["type"] == suspended and seen["type"].backend_status == S.SUSPENDED
