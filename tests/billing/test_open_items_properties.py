"""Property (R-B3): after any sequence of invoices, charges, fees, payments, refunds and
reversals the open items carry exactly the debt, every item's settled amount is its held
settlements, and replaying the ledger (the data migration) rebuilds the same items."""

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import open_items, services
from billing.errors import AlreadyReversed
from billing.models import LedgerEntry, OpenItem, Settlement
from tests.accounts.factories import AccountFactory, OperatorFactory

BOOK = open_items.Book.live()
cents = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), cents, st.integers(min_value=-40, max_value=40)),
        st.tuples(st.sampled_from(["charge", "fee", "payment", "refund"]), cents, st.just(0)),
        st.tuples(st.just("reverse"), st.just(Decimal(0)), st.integers(min_value=0, max_value=30)),
    ),
    min_size=1,
    max_size=20,
)


def apply(account, operator, n, op, amount, extra):
    if op == "invoice":
        day = date(2026, 11, 1) + timedelta(days=extra)
        services.issue_invoice(account, amount=amount, billing_date=day, actor=operator)
    elif op == "payment":
        services.record_payment(
            account, amount, idempotency_key=f"{account.pk}-{n}", actor=operator
        )
    elif op == "reverse":
        entries = list(LedgerEntry.objects.filter(account=account).exclude(kind="reversal"))
        if entries:
            with contextlib.suppress(AlreadyReversed):  # picked one already reversed
                services.reverse_entry(entries[extra % len(entries)], actor=operator)
    else:
        post = {"charge": services.post_charge, "fee": services.post_fee}.get(op)
        (post or services.post_refund)(account, amount, description=op, actor=operator)


def state(account):
    items = sorted(
        (i.entry_id, i.amount, i.settled, i.due_date, i.settled_at is None)
        for i in OpenItem.objects.filter(account=account)
    )
    held = sorted(
        (s.credit_id, s.item.entry_id, s.amount, s.released_by_id)
        for s in Settlement.objects.filter(item__account=account).select_related("item")
    )
    return items, held


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_r_b3_items_carry_the_debt_and_the_replay_rebuilds_them(ops):
    operator = OperatorFactory()
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-1000000", actor=operator)
    for n, (op, amount, extra) in enumerate(ops):
        apply(account, operator, n, op, amount, extra)
        account.refresh_from_db()
        assert open_items.outstanding_total(BOOK, account.pk) == max(Decimal(0), -account.balance)
        unapplied = sum(
            (left for _pk, left in open_items.unapplied_credits(BOOK, account.pk)), Decimal(0)
        )
        assert unapplied == max(Decimal(0), account.balance)
    for item in OpenItem.objects.filter(account=account):
        held = item.settlements.filter(released_by__isnull=True)
        assert item.settled == sum((s.amount for s in held), Decimal(0))
    live = state(account)
    open_items.convert_account(BOOK, account.pk)
    assert state(account) == live
