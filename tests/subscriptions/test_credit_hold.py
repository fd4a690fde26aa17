"""The credit hold's effect on subscriptions (seed 004): R-CH7, R-CH7b, R-CH8, R-CH9."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts import services as account_services
from accounts.actors import Actor
from billing import services as billing
from subscriptions import services
from subscriptions.errors import ActionRefused, TopUpRequired
from subscriptions.models import Subscription, SubscriptionChange
from subscriptions.policy import MSG_TOP_UP_TO_ACTIVATE
from tests.subscriptions.factories import (
    PLAN_SHAPES,
    PlanFactory,
    funded_account,
    pay_required,
    put_on_credit_hold,
    subscription_in,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 10)
STATUSES = [s.value for s in Subscription.Status]
TERMS = ["stop", "manual_approve"]
# What entering a credit hold does to a prepaid pay-as-you-go subscription (R-CH7): transitional
# ones settle first; Active/Graced then follow the service terms; the rest keep their status.
SETTLES_TO = {
    "activating": "active",
    "renewing": "active",
    "updating": "active",
    "stopping": "stopped",
    "deleting": "cancelled",
}
HELD = {"stop": "stopped", "manual_approve": "waiting_for_manual_approve"}


def reach(status, plan, account, operator):
    if status == "waiting_for_manual_approve":
        # This status exists only inside a hold (R-CH7); place one, as an earlier hold left it,
        # to show that a hold beginning now leaves it alone.
        sub = services.order(account, plan, actor=Actor.operator(operator), today=TODAY)
        Subscription.objects.filter(pk=sub.pk).update(status=status, status_before_hold="active")
        sub.refresh_from_db()
        return sub
    return subscription_in(status, plan, account, operator, today=TODAY)


def expected_on_hold(status, shape, terms):
    if shape != "prepaid_payg":
        return status
    stable = SETTLES_TO.get(status, status)
    return HELD[terms] if stable in ("active", "graced") else stable


@pytest.mark.parametrize("terms", TERMS)
@pytest.mark.parametrize("shape", list(PLAN_SHAPES))
@pytest.mark.parametrize("status", STATUSES)
def test_r_ch7_only_prepaid_pay_as_you_go_subscriptions_change_on_credit_hold(
    status, shape, terms, operator
):
    plan = PlanFactory(on_credit_hold=terms, **PLAN_SHAPES[shape])
    account = funded_account(operator)
    sub = reach(status, plan, account, operator)
    before_history = SubscriptionChange.objects.filter(subscription=sub).count()

    put_on_credit_hold(account, operator)

    sub.refresh_from_db()
    expected = expected_on_hold(status, shape, terms)
    assert sub.status == expected
    history = SubscriptionChange.objects.filter(subscription=sub)
    if expected == status:
        assert history.count() == before_history  # untouched: not even a history row
    else:
        assert {c.rule_id for c in history[: history.count() - before_history]} == {"R-CH7"}
    stable = SETTLES_TO.get(status, status)
    if shape == "prepaid_payg" and stable in ("active", "graced"):
        assert sub.status_before_hold == stable  # remembered for R-CH9


RESTORABLE_PATHS = [s for s in STATUSES if s != "waiting_for_manual_approve"]


@pytest.mark.parametrize("terms", TERMS)
@pytest.mark.parametrize("shape", list(PLAN_SHAPES))
@pytest.mark.parametrize("status", RESTORABLE_PATHS)
@time_machine.travel(datetime(2026, 1, 20, 12, tzinfo=UTC), tick=False)
def test_r_ch9_credit_hold_then_a_sufficient_payment_restores_the_previous_status(
    status, shape, terms, operator
):
    plan = PlanFactory(on_credit_hold=terms, **PLAN_SHAPES[shape])
    account = funded_account(operator)
    sub = reach(status, plan, account, operator)
    put_on_credit_hold(account, operator)

    pay_required(account, operator)

    sub.refresh_from_db()
    # A transitional subscription the hold settled comes back as its stable status.
    previous = SETTLES_TO.get(status, status) if shape == "prepaid_payg" else status
    assert sub.status == previous
    assert sub.status_before_hold == ""


@time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_r_ch9_a_period_that_ended_during_the_hold_restarts_on_the_day_service_resumes(operator):
    account = funded_account(operator)
    sub = services.order(
        account, PlanFactory(**PLAN_SHAPES["prepaid_payg"]), actor=operator, today=TODAY
    )
    put_on_credit_hold(account, operator)
    pay_required(account, operator)
    sub.refresh_from_db()
    assert (sub.status, sub.period_start, sub.period_end) == (
        "active",
        date(2026, 3, 1),
        date(2026, 4, 1),
    )
    assert sub.next_billing_date == date(2026, 3, 1)  # due at once: the run charges it
    assert services.run_subscription_charges(date(2026, 3, 1))["invoiced"] == 1
    sub.refresh_from_db()
    assert sub.period_paid == sub.price and sub.next_billing_date == date(2026, 4, 1)


@time_machine.travel(datetime(2026, 1, 20, 12, tzinfo=UTC), tick=False)
def test_r_ch9_restores_every_subscription_of_the_account_exactly(operator):
    account = funded_account(operator)
    subs = []
    for shape in PLAN_SHAPES:
        for terms in TERMS:
            plan = PlanFactory(on_credit_hold=terms, **PLAN_SHAPES[shape])
            for status in ("active", "graced", "stopped", "cancelled"):
                subs.append(subscription_in(status, plan, account, operator, today=TODAY))
    before = {s.pk: (s.status, s.period_start, s.period_end) for s in subs}
    put_on_credit_hold(account, operator)
    assert Subscription.objects.filter(
        account=account, status__in=["stopped", "waiting_for_manual_approve"]
    ).count() > len([s for s in subs if s.status == "stopped"])

    pay_required(account, operator)

    after = {
        s.pk: (s.status, s.period_start, s.period_end)
        for s in Subscription.objects.filter(account=account)
    }
    assert after == before
    restored = SubscriptionChange.objects.filter(subscription__account=account, rule_id="R-CH9")
    assert restored.count() == 4  # prepaid pay-as-you-go Active and Graced, both terms


def test_r_ch9_a_subscription_the_customer_stopped_stays_stopped(operator, customer):
    account = funded_account(operator)
    plan = PlanFactory(**PLAN_SHAPES["prepaid_payg"])
    sub = services.order(account, plan, actor=operator, today=TODAY)
    services.stop(sub, actor=Actor.customer(customer), today=TODAY)
    put_on_credit_hold(account, operator)
    pay_required(account, operator)
    sub.refresh_from_db()
    assert sub.status == "stopped"


def test_r_ch7_applies_when_an_unlock_below_the_threshold_gives_credit_hold(operator):
    """R-CH2: lifting an administrative hold below the threshold enters credit hold."""
    account = funded_account(operator)
    sub = services.order(
        account, PlanFactory(**PLAN_SHAPES["prepaid_payg"]), actor=operator, today=TODAY
    )
    account_services.change_status(
        account, "Administrative hold", actor=Actor.operator(operator), reason="Abuse"
    )
    billing.post_charge(account, account.balance + 1, description="usage", actor=operator)
    sub.refresh_from_db()
    assert sub.status == "active"  # an administrative hold does not touch subscriptions
    account_services.change_status(
        account, "Active", actor=Actor.operator(operator), reason="Unlocked by support"
    )
    account.refresh_from_db()
    sub.refresh_from_db()
    assert account.backend_status == "credit_hold" and sub.status == "stopped"


def test_r_ch7b_a_manager_approves_a_waiting_subscription_back_to_active(operator):
    account = funded_account(operator)
    plan = PlanFactory(on_credit_hold="manual_approve", **PLAN_SHAPES["prepaid_payg"])
    sub = services.order(account, plan, actor=operator, today=TODAY)
    put_on_credit_hold(account, operator)
    sub.refresh_from_db()
    assert sub.status == "waiting_for_manual_approve"

    services.approve(sub, actor=Actor.operator(operator), today=TODAY)

    assert sub.status == "active" and sub.status_before_hold == ""
    assert sub.history.first().note == "R-CH7b approved"


def test_r_ch7b_a_denied_subscription_stops_and_payment_still_restores_it(operator):
    account = funded_account(operator)
    plan = PlanFactory(on_credit_hold="manual_approve", **PLAN_SHAPES["prepaid_payg"])
    sub = subscription_in("graced", plan, account, operator, today=TODAY)
    put_on_credit_hold(account, operator)

    services.deny(sub, actor=Actor.operator(operator))
    assert sub.status == "stopped"

    pay_required(account, operator)
    sub.refresh_from_db()
    assert sub.status == "graced"


def test_r_ch7b_a_customer_cannot_approve(operator, customer):
    account = funded_account(operator)
    plan = PlanFactory(on_credit_hold="manual_approve", **PLAN_SHAPES["prepaid_payg"])
    sub = services.order(account, plan, actor=operator, today=TODAY)
    put_on_credit_hold(account, operator)
    with pytest.raises(ActionRefused, match="Only an operator"):
        services.approve(sub, actor=Actor.customer(customer))
    sub.refresh_from_db()
    assert sub.status == "waiting_for_manual_approve"


def test_r_ch8_activating_a_stopped_prepaid_payg_subscription_asks_for_the_top_up(
    operator, customer
):
    account = funded_account(operator)
    sub = services.order(
        account, PlanFactory(**PLAN_SHAPES["prepaid_payg"]), actor=operator, today=TODAY
    )
    put_on_credit_hold(account, operator)
    history = sub.history.count()

    with pytest.raises(TopUpRequired) as refused:
        services.activate(sub, actor=Actor.customer(customer), today=TODAY)

    assert refused.value.amount == billing.required_payment(account) == Decimal("0.01")
    assert refused.value.message == MSG_TOP_UP_TO_ACTIVATE.format(amount="0.01", currency="USD")
    sub.refresh_from_db()
    assert sub.status == "stopped" and sub.history.count() == history


def test_r_ch8_ordering_a_trial_on_credit_hold_is_refused_with_the_amount(operator):
    account = funded_account(operator)
    put_on_credit_hold(account, operator)
    with pytest.raises(TopUpRequired, match="Trial subscriptions cannot be ordered") as refused:
        services.order(account, PlanFactory(), actor=operator, trial=True, today=TODAY)
    assert refused.value.amount == Decimal("0.01")
    assert not Subscription.objects.filter(account=account).exists()


def test_r_ch8_ordering_a_commercial_subscription_on_credit_hold_is_allowed(operator, customer):
    account = funded_account(operator)
    put_on_credit_hold(account, operator)
    sub = services.order(
        account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=Actor.customer(customer)
    )
    assert sub.status == "active"


@pytest.mark.parametrize("shape", list(PLAN_SHAPES))
@pytest.mark.parametrize("action", ["renew", "stop", "change_plan", "upgrade", "downgrade"])
def test_r_ch8_the_control_panel_cannot_manage_subscriptions_on_credit_hold(
    action, shape, operator, customer
):
    account = funded_account(operator)
    plan = PlanFactory(**PLAN_SHAPES[shape])
    sub = subscription_in("graced" if action == "renew" else "active", plan, account, operator)
    other = PlanFactory(
        price=plan.price + (1 if action != "downgrade" else -1), **PLAN_SHAPES[shape]
    )
    put_on_credit_hold(account, operator)
    sub.refresh_from_db()
    before = (sub.status, sub.plan_id, sub.history.count())
    calls = {
        "renew": lambda a: services.renew(sub, actor=a),
        "stop": lambda a: services.stop(sub, actor=a),
        "change_plan": lambda a: services.change_plan(sub, other, actor=a),
        "upgrade": lambda a: services.upgrade(sub, other, actor=a),
        "downgrade": lambda a: services.downgrade(sub, other, actor=a),
    }
    if sub.status in ("stopped", "waiting_for_manual_approve"):
        return_check = ActionRefused  # prepaid payg: the hold already stopped it
    else:
        return_check = TopUpRequired
    with pytest.raises(return_check):
        calls[action](Actor.customer(customer))
    sub.refresh_from_db()
    assert (sub.status, sub.plan_id, sub.history.count()) == before
    if return_check is TopUpRequired:
        with pytest.raises(TopUpRequired, match="from the control panel"):
            calls[action](Actor.customer(customer))
