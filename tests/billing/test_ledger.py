"""The ledger (R-B1): append-only, cached balance == ledger sum, idempotent payments, bad input."""

from decimal import Decimal

import pytest

from accounts.models import Account
from billing import services
from billing.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    InvalidAmount,
    InvalidDate,
    UnknownAccount,
)
from billing.models import Invoice, LedgerEntry
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def account(operator):
    return AccountFactory(actor=operator)


def test_r_b1_cached_balance_equals_ledger_sum_after_every_kind_of_posting(account, operator):
    services.post_charge(account, "10.50", description="plan", actor=operator)
    services.post_usage(account, "0.25", description="fax pages", actor=operator)
    services.post_fee(account, "10", description="reactivation", actor=operator)
    services.record_payment(account, "30", idempotency_key="p1", actor=operator)
    services.post_refund(account, "1.00", description="refund", actor=operator)
    services.post_adjustment(account, "-2.00", description="correction", actor=operator)
    account.refresh_from_db()
    assert account.balance == D("8.25")
    assert services.ledger_sum(account) == account.balance


def test_the_same_idempotency_key_twice_records_one_payment_and_returns_the_first(
    account, operator
):
    first = services.record_payment(account, "25", idempotency_key="gw-123", actor=operator)
    again = services.record_payment(account, "25", idempotency_key="gw-123", actor=operator)
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(account=account).count() == 1
    account.refresh_from_db()
    assert account.balance == D("25.00")


def test_a_payment_without_idempotency_key_is_refused(account, operator):
    with pytest.raises(InvalidAmount, match="idempotency key"):
        services.record_payment(account, "25", idempotency_key="", actor=operator)


def test_r_b1_a_reversal_is_the_exact_opposite_and_happens_once(account, operator):
    charge = services.post_charge(account, "12.34", description="plan", actor=operator)
    reversal = services.reverse_entry(charge, actor=operator)
    assert reversal.amount == D("12.34")
    assert reversal.reverses == charge
    with pytest.raises(AlreadyReversed):
        services.reverse_entry(charge, actor=operator)
    with pytest.raises(AlreadyReversed):
        services.reverse_entry(reversal, actor=operator)
    account.refresh_from_db()
    assert account.balance == D("0.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("abc", "not a number"),
        ("", "not a number"),
        (None, "not a number"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("1.001", "more than 2 decimal places"),
        (1.5, "not a float"),
        ("1e20", "too large"),
        (True, "not a number"),
    ],
)
def test_bad_amounts_are_refused_with_a_message_and_nothing_written(
    amount, message, account, operator
):
    with pytest.raises(InvalidAmount, match=message):
        services.post_charge(account, amount, description="x", actor=operator)
    with pytest.raises(InvalidAmount, match=message):
        services.record_payment(account, amount, idempotency_key="k", actor=operator)
    assert not LedgerEntry.objects.filter(account=account).exists()
    account.refresh_from_db()
    assert account.balance == D("0")


def test_a_wrong_currency_is_refused_and_nothing_written(account, operator):
    with pytest.raises(CurrencyMismatch, match="billed in USD; EUR"):
        services.record_payment(account, "5", idempotency_key="k", actor=operator, currency="EUR")
    assert not LedgerEntry.objects.exists()


def test_an_unknown_account_is_refused(operator):
    with pytest.raises(UnknownAccount, match="no account “987654321”"):
        services.record_payment(987654321, "5", idempotency_key="k", actor=operator)
    # A number is parsed where it comes in (URL, API); a service never guesses (issue 15).
    with pytest.raises(UnknownAccount, match="not “0000000000”"):
        services.record_payment("0000000000", "5", idempotency_key="k", actor=operator)


def test_a_balance_beyond_what_can_be_recorded_is_refused(account, operator):
    services.record_payment(account, "999999999999.99", idempotency_key="k1", actor=operator)
    with pytest.raises(InvalidAmount, match="beyond what can be recorded"):
        services.record_payment(account, "1", idempotency_key="k2", actor=operator)
    account.refresh_from_db()
    assert services.ledger_sum(account) == account.balance


def test_negative_since_is_tracked_and_cleared(account, operator):
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "5", description="x", actor=operator)
    account.refresh_from_db()
    assert account.negative_since is not None
    services.record_payment(account, "5", idempotency_key="k", actor=operator)
    account.refresh_from_db()
    assert account.negative_since is None


def test_invoices_are_paid_oldest_first_and_anchor_on_the_earliest_unpaid(account, operator):
    from datetime import date

    services.set_financial_blocking_threshold(account, "-1000", actor=operator)
    first = services.issue_invoice(
        account, amount="30", billing_date=date(2026, 10, 1), actor=operator
    )
    second = services.issue_invoice(
        account,
        amount="20",
        billing_date=date(2026, 11, 1),
        due_date=date(2026, 11, 15),
        actor=operator,
    )
    assert second.due_date == date(2026, 11, 15)
    assert first.due_date == date(2026, 10, 1)  # due date defaults to the billing date
    services.record_payment(account, "35", idempotency_key="k", actor=operator)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_paid
    assert first.outstanding == D("0")
    assert not second.is_paid
    assert second.outstanding == D("15.00")
    unpaid = Invoice.objects.filter(account=account, paid_at__isnull=True).order_by("due_date")
    assert list(unpaid) == [second]


def test_an_invoice_due_before_its_billing_date_is_refused(account, operator):
    from datetime import date

    with pytest.raises(InvalidDate, match="before the billing date"):
        services.issue_invoice(
            account,
            amount="5",
            billing_date=date(2026, 11, 2),
            due_date=date(2026, 11, 1),
            actor=operator,
        )
    assert not Invoice.objects.exists()
    assert Account.objects.get(pk=account.pk).balance == D("0")
