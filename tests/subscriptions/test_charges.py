"""Recurring subscription charges follow the account's back-end status (DESIGN §2), usage follows
the suspended-usage policy flag (R-E6), and "Bill account" bills a Cancelled account (R-E8)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts import services as account_services
from accounts.actors import Actor
from billing.models import DunningPolicy, Invoice
from subscriptions import services
from subscriptions.errors import ActionRefused
from tests.subscriptions.factories import (
    PLAN_SHAPES,
    PlanFactory,
    funded_account,
    put_on_credit_hold,
)

pytestmark = pytest.mark.django_db
D = Decimal
JAN1, FEB1, MAR1 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
MOVE = {  # how the account gets to each back-end status after the order (type, reason)
    "suspended": ("Suspended", "Non-payment"),
    "administrative_hold": ("Administrative hold", "Abuse"),
    "cancelled": ("Cancelled", "Customer request"),
}
# DESIGN §2 recurring-charges column, written out for the three plan shapes.
BILLED = {
    "active": {"prepaid_payg": True, "prepaid": True, "postpaid": True},
    "credit_hold": {"prepaid_payg": False, "prepaid": True, "postpaid": True},
    "suspended": {"prepaid_payg": False, "prepaid": False, "postpaid": False},
    "administrative_hold": {"prepaid_payg": False, "prepaid": False, "postpaid": False},
    "cancelled": {"prepaid_payg": False, "prepaid": False, "postpaid": False},
}


def plan_invoices(account, plan):
    return list(
        Invoice.objects.filter(account=account, description__startswith=plan.name)
        .order_by("billing_date", "pk")
        .values_list("billing_date", "amount")
    )


def move(account, status, operator):
    if status == "credit_hold":
        put_on_credit_hold(account, operator)
    elif status != "active":
        type_name, reason = MOVE[status]
        account_services.change_status(account, type_name, actor=operator, reason=reason)


@pytest.mark.parametrize("shape", list(PLAN_SHAPES))
@pytest.mark.parametrize("status", list(BILLED))
def test_recurring_subscription_charges_follow_the_account_back_end_status(status, shape, operator):
    account = funded_account(operator)
    plan = PlanFactory(**PLAN_SHAPES[shape])
    sub = services.order(account, plan, actor=operator, today=JAN1)
    first = plan_invoices(account, plan)
    move(account, status, operator)

    services.run_subscription_charges(FEB1)

    billed = plan_invoices(account, plan)[len(first) :]
    if BILLED[status][shape]:
        # prepaid: the new period in advance; postpaid: the period just ended, in arrears
        assert billed == [(FEB1, D("249.95"))]
    else:
        assert billed == []
    sub.refresh_from_db()
    if status == "cancelled":
        assert sub.next_billing_date == FEB1  # stays due for "Bill account" (R-E8)
    elif sub.status == "active":
        assert sub.next_billing_date == MAR1  # billed or skipped, the period is used


def test_a_rerun_of_the_recurring_run_bills_nothing_twice(operator):
    account = funded_account(operator)
    plan = PlanFactory()
    services.order(account, plan, actor=operator, today=JAN1)
    services.run_subscription_charges(MAR1)
    services.run_subscription_charges(MAR1)
    assert plan_invoices(account, plan) == [
        (JAN1, D("249.95")),
        (FEB1, D("249.95")),
        (MAR1, D("249.95")),
    ]


def test_a_subscription_that_does_not_renew_goes_graced_without_a_charge(operator):
    account = funded_account(operator)
    plan = PlanFactory()
    sub = services.order(account, plan, actor=operator, today=JAN1, auto_renew=False)
    assert services.run_subscription_charges(FEB1)["graced"] == 1
    sub.refresh_from_db()
    assert sub.status == "graced" and plan_invoices(account, plan) == [(JAN1, D("249.95"))]


def test_r_e8_bill_account_bills_the_due_charges_of_a_cancelled_account(operator):
    account = funded_account(operator)
    plan = PlanFactory()
    services.order(account, plan, actor=operator, today=JAN1)
    move(account, "cancelled", operator)
    services.run_subscription_charges(date(2026, 3, 5))
    assert plan_invoices(account, plan) == [(JAN1, D("249.95"))]

    written = services.bill_account(account, actor=Actor.operator(operator), today=date(2026, 3, 5))

    assert [e.amount for e in written] == [D("-249.95"), D("-249.95")]
    assert plan_invoices(account, plan)[1:] == [(FEB1, D("249.95")), (MAR1, D("249.95"))]
    assert services.bill_account(account, actor=operator, today=date(2026, 3, 5)) == []


def test_r_e8_bill_account_is_for_operators_and_cancelled_accounts_only(operator, customer):
    account = funded_account(operator)
    services.order(account, PlanFactory(), actor=operator, today=JAN1)
    with pytest.raises(ActionRefused, match="for Cancelled accounts"):
        services.bill_account(account, actor=operator, today=MAR1)
    move(account, "cancelled", operator)
    with pytest.raises(ActionRefused, match="Only an operator"):
        services.bill_account(account, actor=Actor.customer(customer), today=MAR1)


def test_enabling_a_cancelled_account_skips_the_periods_that_ended_meanwhile(operator):
    account = funded_account(operator)
    plan = PlanFactory()
    sub = services.order(account, plan, actor=operator, today=JAN1)
    move(account, "cancelled", operator)
    with time_machine.travel(datetime(2026, 3, 5, 12, tzinfo=UTC), tick=False):
        account_services.change_status(
            account, "Active", actor=operator, reason="Reactivated by operator"
        )
    sub.refresh_from_db()
    assert (sub.period_start, sub.period_end, sub.next_billing_date) == (
        MAR1,
        date(2026, 4, 1),
        MAR1,
    )
    services.run_subscription_charges(date(2026, 3, 5))
    assert plan_invoices(account, plan) == [(JAN1, D("249.95")), (MAR1, D("249.95"))]


@pytest.mark.parametrize(
    ("status", "suspended_pays_usage", "billed"),
    [
        ("active", True, True),
        ("credit_hold", True, True),
        ("suspended", True, True),
        ("suspended", False, False),
        ("administrative_hold", True, False),
        ("cancelled", True, False),
    ],
)
def test_r_e6_usage_is_billed_per_status_and_the_suspended_usage_flag(
    status, suspended_pays_usage, billed, operator
):
    account = funded_account(operator)
    DunningPolicy.objects.filter(is_default=True).update(suspended_pays_usage=suspended_pays_usage)
    sub = services.order(account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=operator)
    move(account, status, operator)
    entry = services.record_usage(
        sub, "1.25", description="12 fax pages", actor=Actor.system("R-E6")
    )
    assert (entry is not None) == billed
    if billed:
        assert entry.kind == "usage" and entry.amount == D("-1.25")
