"""R-S1 billing day: periods count whole months from the first day, never from the previous
period's end — for subscriptions (prepaid and postpaid, through the recurring run, run on each
due day or once late) and for an account's recurring charges (billing.recurring)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.actors import Actor
from billing.models import Invoice, RecurringCharge
from billing.recurring import anchor_for, billing_day_after, run_recurring_charges
from subscriptions import services
from subscriptions.models import Subscription
from tests.subscriptions.factories import PlanFactory, funded_account

pytestmark = pytest.mark.django_db
D = date

# (first day, months per period, the billing days that follow it)
TABLE = {
    "31st monthly": (
        D(2026, 1, 31),
        1,
        [
            D(2026, 2, 28),
            D(2026, 3, 31),
            D(2026, 4, 30),
            D(2026, 5, 31),
            D(2026, 6, 30),
            D(2026, 7, 31),
            D(2026, 8, 31),
            D(2026, 9, 30),
            D(2026, 10, 31),
            D(2026, 11, 30),
            D(2026, 12, 31),
            D(2027, 1, 31),
            D(2027, 2, 28),
        ],
    ),  # fmt: skip
    "30th monthly": (
        D(2026, 1, 30),
        1,
        [D(2026, 2, 28), D(2026, 3, 30), D(2026, 4, 30), D(2026, 5, 30)],
    ),
    "29th monthly in a leap year": (
        D(2028, 1, 29),
        1,
        [D(2028, 2, 29), D(2028, 3, 29), D(2028, 4, 29)],
    ),
    "31st monthly in a leap year": (
        D(2028, 1, 31),
        1,
        [D(2028, 2, 29), D(2028, 3, 31), D(2028, 4, 30), D(2028, 5, 31)],
    ),
    "28 February month end stays the 28th": (
        D(2026, 2, 28),
        1,
        [D(2026, 3, 28), D(2026, 4, 28), D(2026, 5, 28)],
    ),
    "30 April month end stays the 30th": (
        D(2026, 4, 30),
        1,
        [D(2026, 5, 30), D(2026, 6, 30), D(2026, 7, 30)],
    ),
    "31 August quarterly": (
        D(2026, 8, 31),
        3,
        [D(2026, 11, 30), D(2027, 2, 28), D(2027, 5, 31), D(2027, 8, 31)],
    ),
    "29 February yearly": (
        D(2024, 2, 29),
        12,
        [D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29), D(2029, 2, 28)],
    ),
}
CASES = pytest.mark.parametrize(("first", "months", "expected"), TABLE.values(), ids=TABLE.keys())


@CASES
def test_r_s1_billing_day_counts_from_the_first_day(first, months, expected):
    day, got = first, []
    for _ in expected:
        day = billing_day_after(anchor_for(first, day), day, months)
        got.append(day)
    assert got == expected


def test_r_s1_a_start_off_the_schedule_is_a_new_first_day():
    assert anchor_for(D(2026, 1, 31), D(2026, 4, 30)) == D(2026, 1, 31)
    assert anchor_for(D(2026, 1, 31), D(2026, 4, 29)) == D(2026, 4, 29)
    assert anchor_for(None, D(2026, 4, 29)) == D(2026, 4, 29)
    assert anchor_for(D(2026, 5, 1), D(2026, 4, 1)) == D(2026, 4, 1)


def _order(operator, first, months, model):
    account = funded_account(operator, balance="50000.00")
    plan = PlanFactory(price=Decimal("10.00"), period_months=months, billing_model=model)
    sub = services.order(account, plan, actor=Actor.operator(operator), today=first)
    return account, sub


def _invoice_days(account, description):
    return list(
        Invoice.objects.filter(account=account, description__startswith=description)
        .order_by("billing_date", "pk")
        .values_list("billing_date", flat=True)
    )


@CASES
@pytest.mark.parametrize("model", ["prepaid", "postpaid"])
def test_r_s1_subscription_renews_on_its_billing_day_run_each_due_day(
    first, months, expected, model, operator
):
    account, sub = _order(operator, first, months, model)
    ends = []
    for _ in expected:
        services.run_subscription_charges(sub.next_billing_date)
        sub.refresh_from_db()
        ends.append(sub.period_start)
    assert ends == expected
    assert sub.billing_anchor == first
    prepaid_days = [first, *expected]  # charged when each period starts
    assert _invoice_days(account, sub.plan.name) == (
        prepaid_days if model == "prepaid" else expected  # postpaid: at each period's end
    )


@CASES
@pytest.mark.parametrize("model", ["prepaid", "postpaid"])
def test_r_s1_subscription_billed_late_in_one_run_keeps_its_billing_days(
    first, months, expected, model, operator
):
    account, sub = _order(operator, first, months, model)
    services.run_subscription_charges(expected[-1])
    sub.refresh_from_db()
    assert sub.period_start == expected[-1]
    days = _invoice_days(account, sub.plan.name)
    assert days == ([first, *expected] if model == "prepaid" else expected)


@CASES
def test_r_s1_recurring_charge_bills_on_its_billing_day(first, months, expected, operator):
    account = funded_account(operator, balance="50000.00")
    charge = RecurringCharge.objects.create(
        account=account,
        description="Line rental",
        amount=Decimal("5.00"),
        period_months=months,
        billing_model="prepaid",
        next_billing_date=first,
    )
    for _ in expected:
        run_recurring_charges(charge.next_billing_date)
        charge.refresh_from_db()
    assert charge.billing_anchor == first
    assert _invoice_days(account, "Line rental") == [first, *expected[:-1]]
    assert charge.next_billing_date == expected[-1]


@CASES
def test_r_s1_recurring_charge_run_late_once_bills_every_billing_day(
    first, months, expected, operator
):
    account = funded_account(operator, balance="50000.00")
    RecurringCharge.objects.create(
        account=account,
        description="Line rental",
        amount=Decimal("5.00"),
        period_months=months,
        next_billing_date=first,
    )
    run_recurring_charges(expected[-1])
    assert _invoice_days(account, "Line rental") == [first, *expected]


def test_r_s1_a_plan_change_starts_a_new_billing_day(operator):
    account, sub = _order(operator, D(2026, 1, 31), 1, "prepaid")
    dearer = PlanFactory(price=Decimal("20.00"), period_months=1, billing_model="prepaid")
    services.upgrade(sub, dearer, actor=Actor.operator(operator), today=D(2026, 2, 10))
    sub.refresh_from_db()
    assert (sub.billing_anchor, sub.period_end) == (D(2026, 2, 10), D(2026, 3, 10))
    services.run_subscription_charges(D(2026, 3, 10))
    sub = Subscription.objects.get(pk=sub.pk)
    assert (sub.period_start, sub.period_end) == (D(2026, 3, 10), D(2026, 4, 10))


def test_r_s1_the_admin_shows_the_first_billing_day_read_only(client, operator):
    _account, sub = _order(operator, D(2026, 1, 31), 1, "prepaid")
    client.force_login(operator)
    page = client.get(reverse("admin:subscriptions_subscription_change", args=[sub.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "First billing day" in html
    assert 'name="billing_anchor"' not in html
