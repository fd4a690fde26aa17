"""Issue 15: a payment lands on the account it was made for (items 1, 8) and an idempotency key
names one posting (item 7)."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services
from billing.errors import (
    AccountDeleted,
    IdempotencyConflict,
    InvalidIdempotencyKey,
    UnknownAccount,
)
from billing.gateway import TestGateway
from billing.models import Invoice, LedgerEntry, OpenItem
from tests.accounts.factories import AccountFactory, UserFactory
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db


def balance(account):
    return Account.objects.get(pk=account.pk).balance


@pytest.fixture
def a_and_b(operator):
    """Account B's number is A's primary key (an Administrator may set any number)."""
    a = AccountFactory(actor=operator)
    b = AccountFactory(actor=operator)
    Account.objects.filter(pk=b.pk).update(number=str(a.pk))
    return a, b


def test_issue_15_a_card_payment_lands_on_the_account_it_was_made_for(a_and_b):
    a, b = a_and_b
    customer = UserFactory()
    gateway = TestGateway()
    intent = gateway.start_payment(a, "40.00", user=customer)
    entry = gateway.confirm_payment(intent.reference, user=customer)
    assert (entry.account_id, balance(a), balance(b)) == (a.pk, D("40.00"), D("0"))
    assert not LedgerEntry.objects.filter(account=b).exists()


def test_issue_15_a_reversal_posts_to_the_entrys_own_account(a_and_b, operator):
    a, b = a_and_b
    paid = services.record_payment(a, "40.00", idempotency_key="a-40", actor=operator)
    reversal = services.reverse_entry(paid, actor=operator)
    assert (reversal.account_id, balance(a), balance(b)) == (a.pk, D("0.00"), D("0"))


@pytest.mark.parametrize("named", ["number", "pk text", "float", "bool", "zero", "huge"])
def test_issue_15_a_service_never_guesses_an_account_from_a_number(a_and_b, operator, named):
    a, b = a_and_b
    value = {
        "number": b.number,
        "pk text": str(b.pk),
        "float": float(a.pk),
        "bool": True,
        "zero": 0,
        "huge": 2**80,
    }[named]
    with pytest.raises(UnknownAccount):
        services.record_payment(value, "40.00", idempotency_key="k", actor=operator)
    assert not LedgerEntry.objects.exists()


def test_issue_15_the_same_key_for_another_amount_is_refused(operator):
    account = AccountFactory(actor=operator)
    first = services.record_payment(account, "40.00", idempotency_key="k1", actor=operator)
    again = services.record_payment(account, "40.00", idempotency_key="k1", actor=operator)
    assert again.pk == first.pk
    with pytest.raises(IdempotencyConflict, match="“k1” was already used"):
        services.record_payment(account, "41.00", idempotency_key="k1", actor=operator)
    assert balance(account) == D("40.00")


def test_issue_15_the_same_key_for_another_account_is_refused(operator):
    a, b = AccountFactory(actor=operator), AccountFactory(actor=operator)
    services.record_payment(a, "40.00", idempotency_key="shared", actor=operator)
    with pytest.raises(IdempotencyConflict, match=f"account {a.number}"):
        services.record_payment(b, "40.00", idempotency_key="shared", actor=operator)
    assert balance(b) == D("0")


def test_issue_15_a_key_longer_than_its_column_is_refused_not_cut(operator):
    account = AccountFactory(actor=operator)
    with pytest.raises(InvalidIdempotencyKey, match="at most 100 characters; this one has 101"):
        services.record_payment(account, "1.00", idempotency_key="k" * 101, actor=operator)
    with pytest.raises(InvalidIdempotencyKey, match="NUL"):
        services.record_payment(account, "1.00", idempotency_key="k\x00", actor=operator)
    services.record_payment(account, "1.00", idempotency_key="k" * 100, actor=operator)
    assert LedgerEntry.objects.get(account=account).idempotency_key == "k" * 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_issue_15_concurrent_payments_with_one_key_record_one_payment(operator, on_postgres):
    account = AccountFactory(actor=operator)
    barrier, errors, results = threading.Barrier(6), [], []

    def pay():
        try:
            barrier.wait(10)
            entry = services.record_payment(
                account.pk, "5.00", idempotency_key="once", actor=operator
            )
            results.append(entry.pk)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 6
    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert balance(account) == D("5.00")


@pytest.mark.parametrize(
    "post",
    [
        lambda a, op: services.record_payment(a, "5.00", idempotency_key="d", actor=op),
        lambda a, op: services.post_charge(a, "5.00", description="x", actor=op),
        lambda a, op: services.post_adjustment(a, "-5.00", description="x", actor=op),
        lambda a, op: services.issue_invoice(
            a, amount="5.00", billing_date=date(2026, 11, 1), actor=op
        ),
    ],
    ids=["payment", "charge", "adjustment", "invoice"],
)
def test_issue_15_nothing_is_posted_to_a_deleted_account(operator, post):
    account = account_in(S.DELETED, operator)
    before = balance(account)
    with pytest.raises(AccountDeleted, match="is deleted"):
        post(account, operator)
    assert balance(account) == before
    assert not Invoice.objects.filter(account=account).exists()
    assert not OpenItem.objects.filter(account=account, entry__amount=D("-5.00")).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_b3_two_concurrent_reversals_of_one_payment_reverse_it_once(operator, on_postgres):
    account = AccountFactory(actor=operator)
    paid = services.record_payment(account, "5.00", idempotency_key="rev", actor=operator)
    barrier, outcomes = threading.Barrier(4), []

    def reverse():
        try:
            barrier.wait(10)
            services.reverse_entry(paid, actor=operator)
            outcomes.append("reversed")
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=reverse) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["AlreadyReversed"] * 3 + ["reversed"]
    assert balance(account) == D("0.00")
