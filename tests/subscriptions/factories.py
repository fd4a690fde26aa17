"""Plans, resources and accounts with money, reached through the services as the product would."""

import itertools
from datetime import date
from decimal import Decimal

import factory

from accounts.actors import Actor
from billing import services as billing
from subscriptions import services
from subscriptions.models import Plan, Resource
from tests.accounts.factories import AccountFactory

_keys = itertools.count()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Fax plan {n}")
    service = "Fax"
    price = Decimal("249.95")
    currency = "USD"
    period_months = 1
    billing_model = Plan.BillingModel.PREPAID
    pay_as_you_go = False
    trial_allowed = True
    trial_days = 30
    on_credit_hold = Plan.OnCreditHold.STOP


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    kind = "fax number"
    identifier = factory.Sequence(lambda n: f"+1555{n:07d}")


# The three plan shapes R-CH7 distinguishes.
PLAN_SHAPES = {
    "prepaid_payg": {"billing_model": "prepaid", "pay_as_you_go": True},
    "prepaid": {"billing_model": "prepaid", "pay_as_you_go": False},
    "postpaid": {"billing_model": "postpaid", "pay_as_you_go": False},
}


def pay(account, amount, operator):
    return billing.record_payment(
        account, amount, idempotency_key=f"test-{next(_keys)}", actor=Actor.operator(operator)
    )


def funded_account(operator, balance="5000.00", **fields):
    """An Active account with money on it, so prepaid orders do not start a credit hold."""
    account = AccountFactory(actor=Actor.operator(operator), **fields)
    pay(account, balance, operator)
    account.refresh_from_db()
    return account


def put_on_credit_hold(account, operator):
    """R-CH1 (a) through money: a charge that takes the balance just below the threshold."""
    account.refresh_from_db()
    amount = account.balance - account.financial_blocking_threshold + Decimal("0.01")
    billing.post_charge(account, amount, description="usage", actor=Actor.operator(operator))
    account.refresh_from_db()
    assert account.backend_status == "credit_hold"


def pay_required(account, operator):
    """R-CH4/R-CH5: pay exactly the required amount; the account returns to Active."""
    pay(account, billing.required_payment(account), operator)
    account.refresh_from_db()
    assert account.backend_status == "active"


def subscription_in(status, plan, account, operator, today=date(2026, 1, 10)):
    """Reach a subscription status through the services (waiting: see subscription_waiting)."""
    actor = Actor.operator(operator)
    if status in ("graced", "renewing"):
        sub = services.order(account, plan, actor=actor, trial=True, today=today)
        services.run_subscription_charges(sub.period_end)
        sub.refresh_from_db()
        assert sub.status == "graced"
        if status == "renewing":
            services.renew(sub, actor=actor, today=sub.period_end, await_provisioning=True)
    elif status == "activating":
        sub = services.order(account, plan, actor=actor, today=today, await_provisioning=True)
    else:
        sub = services.order(account, plan, actor=actor, today=today)
    wait = {"await_provisioning": True}
    if status == "updating":
        other = PlanFactory(
            billing_model=plan.billing_model,
            pay_as_you_go=plan.pay_as_you_go,
            on_credit_hold=plan.on_credit_hold,
            price=plan.price + 1,
        )
        services.change_plan(sub, other, actor=actor, today=today, **wait)
    elif status in ("stopping", "stopped"):
        services.stop(sub, actor=actor, today=today, await_provisioning=status == "stopping")
    elif status in ("deleting", "cancelled"):
        services.cancel(
            sub,
            option="immediately_no_refund",
            actor=actor,
            today=today,
            await_provisioning=status == "deleting",
        )
    sub.refresh_from_db()
    assert sub.status == status
    return sub
