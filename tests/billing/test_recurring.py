"""The recurring charge run bills only the back-end statuses DESIGN §2 says are billed."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import BackendStatus as S
from billing import services
from billing.models import Invoice, RecurringCharge
from billing.recurring import add_months, run_recurring_charges
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 21)


def charge_for(account, *, model="postpaid", payg=False, start=TODAY, amount="19.99"):
    return RecurringCharge.objects.create(
        account=account,
        description="Fax plan",
        amount=Decimal(amount),
        billing_model=model,
        pay_as_you_go=payg,
        next_billing_date=start,
    )


@pytest.mark.parametrize(
    ("status", "model", "payg", "billed"),
    [
        (S.ACTIVE, "prepaid", True, True),
        (S.ACTIVE, "postpaid", False, True),
        (S.CREDIT_HOLD, "postpaid", False, True),
        (S.CREDIT_HOLD, "prepaid", False, True),
        (S.CREDIT_HOLD, "prepaid", True, False),
        (S.SUSPENDED, "postpaid", False, False),
        (S.ADMINISTRATIVE_HOLD, "postpaid", False, False),
        (S.CANCELLED, "postpaid", False, False),
        (S.PROSPECT, "postpaid", False, False),
        (S.DELETED, "postpaid", False, False),
    ],
)
def test_recurring_charges_follow_the_design_billing_column(status, model, payg, billed, operator):
    account = account_in(status, operator)
    charge = charge_for(account, model=model, payg=payg)
    result = run_recurring_charges(TODAY)
    assert result["invoiced"] == int(billed)
    assert Invoice.objects.filter(account=account).exists() == billed
    charge.refresh_from_db()
    assert charge.next_billing_date == date(2026, 12, 21)  # the period is used either way


def test_a_rerun_bills_nothing_twice(operator):
    account = account_in(S.ACTIVE, operator)
    charge_for(account)
    run_recurring_charges(TODAY)
    assert run_recurring_charges(TODAY) == {"invoiced": 0, "skipped": 0, "failed": 0}
    assert Invoice.objects.filter(account=account).count() == 1
    account.refresh_from_db()
    assert account.balance == Decimal("-19.99")
    assert services.ledger_sum(account) == account.balance


def test_missed_periods_are_each_invoiced_once_on_catch_up(operator):
    account = account_in(S.ACTIVE, operator)
    services.set_financial_blocking_threshold(account, "-1000", actor=operator)
    charge_for(account, start=date(2026, 9, 21))
    assert run_recurring_charges(TODAY)["invoiced"] == 3
    dates = sorted(Invoice.objects.filter(account=account).values_list("billing_date", flat=True))
    assert dates == [date(2026, 9, 21), date(2026, 10, 21), date(2026, 11, 21)]


def test_month_ends_are_clamped():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
