"""R-S2 Next Payment date: the earliest next billing date of the account's running prepaid
subscriptions and recurring charges, kept in step on order, renewal (both runs), plan change,
cancel, stop/restore and credit hold; every move is an audited change; R-G2 reads it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import Account, AccountAudit
from accounts.unlocking import LOCKED_TYPE_NAME
from billing.models import RecurringCharge
from billing.recurring import run_recurring_charges
from subscriptions import services
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.subscriptions.factories import (
    PlanFactory,
    funded_account,
    pay_required,
    put_on_credit_hold,
)

pytestmark = pytest.mark.django_db
D = date
JAN31 = D(2026, 1, 31)


def npd(account) -> date | None:
    return Account.objects.values_list("next_payment_date", flat=True).get(pk=account.pk)


def audits(account) -> list[tuple[str, str, str]]:
    rows = AccountAudit.objects.filter(account=account, field="next_payment_date")
    return list(rows.order_by("at", "pk").values_list("old_value", "new_value", "rule_id"))


@pytest.fixture
def actor(operator):
    return Actor.operator(operator)


def prepaid(**fields):
    return PlanFactory(price=Decimal("10.00"), billing_model="prepaid", **fields)


def test_r_s2_order_sets_the_next_payment_date_with_an_audit_row(operator, actor):
    account = funded_account(operator)
    services.order(account, prepaid(), actor=actor, today=JAN31)
    assert npd(account) == D(2026, 2, 28)
    assert audits(account) == [("", "2026-02-28", "R-S2")]
    row = AccountAudit.objects.get(account=account, field="next_payment_date")
    assert row.actor_user == operator and "ordered" in row.note


@pytest.mark.parametrize(
    "how",
    [{"plan": {"billing_model": "postpaid"}}, {"trial": True}, {"auto_renew": False}],
    ids=["postpaid", "trial", "no renewal"],
)
def test_r_s2_only_running_prepaid_subscriptions_that_renew_count(how, operator, actor):
    account = funded_account(operator)
    plan = PlanFactory(price=Decimal("10.00"), **how.get("plan", {}))
    kwargs = {k: v for k, v in how.items() if k != "plan"}
    services.order(account, plan, actor=actor, today=JAN31, **kwargs)
    assert npd(account) is None and audits(account) == []


def test_r_s2_the_earliest_of_several_subscriptions(operator, actor):
    account = funded_account(operator)
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 20))
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 5))
    assert npd(account) == D(2026, 2, 5)


def test_r_s2_the_renewal_run_moves_it_on_each_billing_day(operator, actor):
    account = funded_account(operator)
    services.order(account, prepaid(), actor=actor, today=JAN31)
    for day, following in [(D(2026, 2, 28), D(2026, 3, 31)), (D(2026, 3, 31), D(2026, 4, 30))]:
        services.run_subscription_charges(day)
        assert npd(account) == following
    assert [new for _old, new, _rule in audits(account)] == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]


def test_r_s2_the_recurring_charge_run_moves_it(operator):
    account = funded_account(operator)
    charge = RecurringCharge.objects.create(
        account=account,
        description="Line rental",
        amount=Decimal("5.00"),
        billing_model="prepaid",
        next_billing_date=JAN31,
    )
    run_recurring_charges(JAN31)
    assert npd(account) == D(2026, 2, 28)
    charge.billing_model = "postpaid"
    charge.save()
    run_recurring_charges(D(2026, 2, 28))
    assert npd(account) == D(2026, 2, 28)  # a postpaid charge is not a prepaid payment: kept


def test_r_s2_a_recurring_charge_before_a_subscription_wins(operator, actor):
    account = funded_account(operator)
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 20))
    RecurringCharge.objects.create(
        account=account,
        description="Line rental",
        amount=Decimal("5.00"),
        billing_model="prepaid",
        next_billing_date=D(2026, 1, 25),
    )
    run_recurring_charges(D(2026, 1, 25))
    assert npd(account) == D(2026, 2, 20)
    run_recurring_charges(D(2026, 2, 25))  # the subscription is not renewed yet: its date stays
    assert npd(account) == D(2026, 2, 20)


def test_r_s2_plan_change_restarts_the_date(operator, actor):
    account = funded_account(operator)
    sub = services.order(account, prepaid(service="Fax"), actor=actor, today=JAN31)
    dearer = PlanFactory(price=Decimal("20.00"), billing_model="prepaid", service="Fax")
    services.upgrade(sub, dearer, actor=actor, today=D(2026, 2, 10))
    assert npd(account) == D(2026, 3, 10)


@pytest.mark.parametrize("option", ["immediately_no_refund", "period_end"])
def test_r_s2_cancel_moves_it_to_the_other_subscription(option, operator, actor):
    account = funded_account(operator)
    first = services.order(account, prepaid(), actor=actor, today=D(2026, 1, 5))
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 20))
    services.cancel(first, option=option, actor=actor, today=D(2026, 1, 10))
    assert npd(account) == D(2026, 2, 20)


def test_r_s2_withdrawing_a_cancellation_brings_it_back(operator, actor):
    account = funded_account(operator)
    first = services.order(account, prepaid(), actor=actor, today=D(2026, 1, 5))
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 20))
    services.cancel(first, option="period_end", actor=actor, today=D(2026, 1, 10))
    services.withdraw_cancellation(first, actor=actor)
    assert npd(account) == D(2026, 2, 5)


def test_r_s2_with_nothing_running_the_last_date_stays(operator, actor):
    account = funded_account(operator)
    sub = services.order(account, prepaid(), actor=actor, today=D(2026, 1, 5))
    services.cancel(sub, option="immediately_no_refund", actor=actor, today=D(2026, 1, 10))
    assert npd(account) == D(2026, 2, 5)


def test_r_s2_stop_and_activate(operator, actor):
    account = funded_account(operator)
    first = services.order(account, prepaid(), actor=actor, today=D(2026, 1, 5))
    services.order(account, prepaid(), actor=actor, today=D(2026, 1, 20))
    services.stop(first, actor=actor, today=D(2026, 1, 10))
    assert npd(account) == D(2026, 2, 20)
    services.activate(first, actor=actor, today=D(2026, 1, 12))
    assert npd(account) == D(2026, 2, 5)


def test_r_s2_credit_hold_stop_and_restore(operator, actor):
    account = funded_account(operator, balance="100.00")
    ten_days_ago = timezone.localdate() - timedelta(days=10)
    payg = services.order(account, prepaid(pay_as_you_go=True), actor=actor, today=ten_days_ago)
    running = services.order(account, prepaid(), actor=actor)
    assert npd(account) == payg.next_billing_date < running.next_billing_date
    put_on_credit_hold(account, operator)
    assert npd(account) == running.next_billing_date  # R-CH7 stopped the pay-as-you-go one
    pay_required(account, operator)
    assert npd(account) == payg.next_billing_date  # R-CH9 restored it


def test_r_s2_an_operator_override_stands_until_the_next_renewal(operator, actor):
    account = funded_account(operator)
    services.order(account, prepaid(), actor=actor, today=JAN31)
    Account.objects.filter(pk=account.pk).update(next_payment_date=D(2026, 3, 15))
    services.run_subscription_charges(D(2026, 2, 27))  # nothing due: the override stands
    assert npd(account) == D(2026, 3, 15)
    services.run_subscription_charges(D(2026, 2, 28))
    assert npd(account) == D(2026, 3, 31)
    assert audits(account)[-1] == ("2026-03-15", "2026-03-31", "R-S2")


def test_r_s2_r_g2_unlock_reads_the_renewed_date(operator, actor):
    """Renewed every month since January: on 20 May the date is 31 May, not a stale 28 Feb."""
    account = funded_account(operator)
    user = UserFactory()
    MembershipFactory(user=user, account=account)
    services.order(account, prepaid(), actor=actor, today=JAN31)
    for day in (D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)):
        services.run_subscription_charges(day)
    account_services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    attempts = account_services.unlock_user_account(user, actor=operator, today=D(2026, 5, 20))
    assert [a.allowed for a in attempts] == [True]
