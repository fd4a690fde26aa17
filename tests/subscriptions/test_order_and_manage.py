"""Ordering and managing subscriptions (DESIGN §4): order, activate, renew, stop, change plan,
resources, provisioning; bad input is refused with a message and writes nothing."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.actors import Actor
from billing.models import Invoice, LedgerEntry
from subscriptions import services
from subscriptions.errors import (
    ActionRefused,
    InvalidOption,
    InvalidSubscriptionTransition,
    OrderRefused,
    PlanChangeRefused,
    ResourceAlreadyAvailable,
    ResourceUnavailable,
    UnknownPlan,
)
from subscriptions.models import Resource, Subscription, SubscriptionChange
from subscriptions.policy import MSG_BLOCKED, MSG_DELETED
from tests.accounts.states import account_in
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, ResourceFactory, funded_account

pytestmark = pytest.mark.django_db
D = Decimal
JAN1 = date(2026, 1, 1)


def money_and_rows(account):
    account.refresh_from_db()
    return (
        account.balance,
        LedgerEntry.objects.filter(account=account).count(),
        Subscription.objects.filter(account=account).count(),
        SubscriptionChange.objects.count(),
        Resource.objects.filter(status="allocated").count(),
    )


def test_ordering_a_prepaid_plan_charges_its_first_period_on_an_invoice(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    assert (sub.status, sub.period_start, sub.period_end) == ("active", JAN1, date(2026, 2, 1))
    assert sub.period_paid == D("249.95") and sub.next_billing_date == date(2026, 2, 1)
    invoice = Invoice.objects.get(account=account)
    assert invoice.amount == D("249.95") and invoice.billing_date == JAN1
    assert [h.action for h in sub.history.order_by("pk")] == ["order", "complete"]


def test_ordering_a_postpaid_plan_charges_nothing_until_the_period_ends(operator):
    account = funded_account(operator)
    services.order(account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=operator, today=JAN1)
    assert not Invoice.objects.filter(account=account).exists()


def test_a_trial_is_free_and_lasts_the_plans_trial_days(operator):
    account = funded_account(operator)
    sub = services.order(
        account, PlanFactory(trial_days=14), actor=operator, trial=True, today=JAN1
    )
    assert sub.trial and sub.period_end == date(2026, 1, 15) and sub.period_paid == 0
    assert not Invoice.objects.filter(account=account).exists()


def test_ordering_allocates_the_plans_resources(operator):
    account = funded_account(operator)
    ResourceFactory.create_batch(2)
    sub = services.order(
        account, PlanFactory(resource_kind="fax number", resources_included=1), actor=operator
    )
    assert sub.resources.get().status == "allocated"


def test_an_order_is_provisioned_later_when_asked_to_wait(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, await_provisioning=True)
    assert sub.status == "activating"
    services.complete_operation(sub, actor=Actor.system("R-X6"))
    assert sub.status == "active"


@pytest.mark.parametrize(
    ("plan", "trial", "error", "message"),
    [
        ("No such plan", False, UnknownPlan, "no plan “No such plan”"),
        (999999, False, UnknownPlan, "no plan"),
        ("no-trial", True, OrderRefused, "has no trial"),
        ("retired", False, OrderRefused, "can no longer be ordered"),
        ("euro", False, OrderRefused, "priced in EUR"),
        ("two-numbers", False, ResourceUnavailable, "2 needed, 1 free"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_written(plan, trial, error, message, operator):
    plans = {
        "no-trial": lambda: PlanFactory(trial_allowed=False),
        "retired": lambda: PlanFactory(orderable=False),
        "euro": lambda: PlanFactory(currency="EUR"),
        "two-numbers": lambda: PlanFactory(resource_kind="fax number", resources_included=2),
    }
    account = funded_account(operator)
    ResourceFactory()
    plan = plans[plan]() if plan in plans else plan
    before = money_and_rows(account)
    with pytest.raises(error, match=message):
        services.order(account, plan, actor=operator, trial=trial)
    assert money_and_rows(account) == before


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("deleted", MSG_DELETED),
        ("administrative_hold", "this account is Administrative hold"),
        ("suspended", "this account is Suspended"),
        ("cancelled", "this account is Cancelled"),
        ("prospect", "this account is Prospect"),
    ],
)
def test_ordering_is_refused_on_blocked_account_statuses(status, message, operator):
    account = account_in(status, operator)
    before = money_and_rows(account)
    with pytest.raises(ActionRefused) as refused:
        services.order(account, PlanFactory(), actor=operator)
    assert str(message) in refused.value.message
    assert money_and_rows(account) == before


def test_a_customer_of_an_administratively_held_account_is_told_the_company_is_blocked(
    operator, customer
):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    from accounts import services as account_services

    account_services.change_status(account, "Administrative hold", actor=operator, reason="Abuse")
    with pytest.raises(ActionRefused) as refused:
        services.stop(sub, actor=Actor.customer(customer))
    assert refused.value.message == str(MSG_BLOCKED)


def test_releasing_a_resource_twice_is_refused_and_nothing_changes(operator):
    account = funded_account(operator)
    resource = ResourceFactory()
    sub = services.order(
        account, PlanFactory(resource_kind="fax number", resources_included=1), actor=operator
    )
    services.release_resource(resource, actor=operator)
    assert resource.status == "available" and resource.subscription is None
    history = sub.history.count()
    with pytest.raises(ResourceAlreadyAvailable, match="already Available"):
        services.release_resource(resource, actor=operator)
    resource.refresh_from_db()
    assert resource.status == "available" and sub.history.count() == history


@pytest.mark.parametrize(
    ("option", "entries"),
    [
        ("immediately_prorated_refund", [D("169.32")]),
        ("immediately_full_refund", [D("249.95")]),
        ("immediately_no_refund", []),
    ],
)
def test_r_e5_suspend_options_refund_as_they_say_and_stop_the_subscription(
    option, entries, operator
):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    today = date(2026, 1, 11)
    preview = services.stop(sub, actor=operator, option=option, today=today, preview=True)
    assert [e.amount for e in preview] == entries
    mark = LedgerEntry.objects.filter(account=account).count()
    services.stop(sub, actor=operator, option=option, today=today)
    assert sub.status == "stopped"
    written = LedgerEntry.objects.filter(account=account).order_by("pk")[mark:]
    assert [e.amount for e in written] == entries
    assert sub.period_paid == D("249.95") - sum(entries, D("0"))


@pytest.mark.parametrize(
    ("option", "charged", "period"),
    [
        ("immediately_prorated_charge", D("80.63"), (JAN1, date(2026, 2, 1))),  # 10 of 31 days
        ("immediately_full_charge", D("249.95"), (date(2026, 1, 22), date(2026, 2, 22))),
        ("immediately_no_charge", None, (JAN1, date(2026, 2, 1))),
    ],
)
def test_r_e5_enable_options_charge_as_they_say(option, charged, period, operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    services.stop(sub, actor=operator, option="immediately_prorated_refund", today=date(2026, 1, 2))
    today = date(2026, 1, 22)
    preview = services.activate(sub, actor=operator, option=option, today=today, preview=True)
    assert [e.amount for e in preview] == ([-charged] if charged else [])
    services.activate(sub, actor=operator, option=option, today=today)
    assert sub.status == "active" and (sub.period_start, sub.period_end) == period


def test_enabling_a_postpaid_subscription_with_a_charge_is_refused(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=operator)
    services.stop(sub, actor=operator)
    with pytest.raises(InvalidOption, match="billed at the end of its period"):
        services.activate(sub, actor=operator, option="immediately_full_charge")
    sub.refresh_from_db()
    assert sub.status == "stopped"


def test_renewing_a_graced_trial_makes_it_commercial_and_charges_the_next_period(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, trial=True, today=JAN1)
    services.run_subscription_charges(date(2026, 1, 31))
    sub.refresh_from_db()
    assert sub.status == "graced"
    services.renew(sub, actor=operator, today=date(2026, 2, 3))
    assert sub.status == "active" and not sub.trial
    assert (sub.period_start, sub.period_end) == (date(2026, 1, 31), date(2026, 2, 28))
    assert Invoice.objects.get(account=account).amount == D("249.95")


def test_an_active_subscription_is_not_renewed_by_hand(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator)
    with pytest.raises(InvalidSubscriptionTransition, match="Active cannot renew"):
        services.renew(sub, actor=operator)


def test_a_graced_subscription_stops_when_its_grace_ends(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(grace_days=7), actor=operator, trial=True, today=JAN1)
    services.run_subscription_charges(date(2026, 2, 6))
    sub.refresh_from_db()
    assert sub.status == "graced"
    services.run_subscription_charges(date(2026, 2, 7))
    sub.refresh_from_db()
    assert sub.status == "stopped"


def test_upgrade_refunds_the_unused_part_and_starts_the_new_plan_today(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    better = PlanFactory(price=D("299.00"))
    preview = services.upgrade(sub, better, actor=operator, today=date(2026, 1, 11), preview=True)
    assert [e.amount for e in preview] == [D("169.32"), D("-299.00")]
    services.upgrade(sub, better, actor=operator, today=date(2026, 1, 11))
    assert sub.plan == better and sub.price == D("299.00") and sub.status == "active"
    assert (sub.period_start, sub.period_end) == (date(2026, 1, 11), date(2026, 2, 11))
    account.refresh_from_db()
    assert account.balance == D("5000.00") - D("249.95") + D("169.32") - D("299.00")


@pytest.mark.parametrize(
    ("change", "plan_fields", "message"),
    [
        ("upgrade", {"price": D("100.00")}, "is not an upgrade"),
        ("downgrade", {"price": D("300.00")}, "is not a downgrade"),
        ("change_plan", {"service": "VoIP"}, "is a plan for VoIP"),
        ("change_plan", {"billing_model": "postpaid"}, "order it instead"),
        ("change_plan", {"orderable": False}, "can no longer be ordered"),
    ],
)
def test_bad_plan_changes_are_refused_and_nothing_written(change, plan_fields, message, operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    other = PlanFactory(**plan_fields)
    before = money_and_rows(account)
    with pytest.raises(PlanChangeRefused, match=message):
        getattr(services, change)(sub, other, actor=operator, today=date(2026, 1, 11))
    assert money_and_rows(account) == before


def test_changing_to_an_unknown_plan_is_refused(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)
    with pytest.raises(UnknownPlan):
        services.change_plan(sub, "Gold fax", actor=operator)


def test_a_downgrade_with_fewer_resources_releases_the_surplus(operator):
    account = funded_account(operator)
    ResourceFactory.create_batch(3)
    sub = services.order(
        account, PlanFactory(resource_kind="fax number", resources_included=2), actor=operator
    )
    smaller = PlanFactory(price=D("99.00"), resource_kind="fax number", resources_included=1)
    services.downgrade(sub, smaller, actor=operator)
    assert sub.resources.count() == 1
    assert Resource.objects.filter(status="available").count() == 2


def test_the_history_says_who_what_why_and_when(operator, customer):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=Actor.customer(customer), today=JAN1)
    services.stop(sub, actor=Actor.customer(customer), option="immediately_no_refund")
    change = sub.history.first()
    assert (change.action, change.from_status, change.to_status) == (
        "complete",
        "stopping",
        "stopped",
    )
    assert change.actor_kind == "customer" and change.actor_user == customer
    assert change.created_at is not None


def give_renewal_deadline(account, operator):
    from accounts.exemptions import set_renewal_deadline

    set_renewal_deadline(account, date(2026, 1, 4), actor=Actor.operator(operator))
    account.refresh_from_db()
    assert account.renewal_deadline == date(2026, 1, 4)


def test_r_g3_ordering_a_commercial_subscription_clears_the_renewal_deadline(operator):
    account = funded_account(operator)
    give_renewal_deadline(account, operator)
    services.order(account, PlanFactory(), actor=operator, trial=True, today=JAN1)
    account.refresh_from_db()
    assert account.renewal_deadline == date(2026, 1, 4)  # a free trial is not a renewal
    services.order(account, PlanFactory(), actor=operator, today=JAN1)
    account.refresh_from_db()
    assert account.renewal_deadline is None


def test_r_g3_renewing_a_subscription_clears_the_renewal_deadline(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, trial=True, today=JAN1)
    services.run_subscription_charges(date(2026, 1, 31))
    give_renewal_deadline(account, operator)
    services.renew(sub, actor=operator, today=date(2026, 2, 1))
    account.refresh_from_db()
    assert account.renewal_deadline is None


def test_r_b4_a_prorated_refund_takes_effect_on_its_own_day_not_the_wall_clock(operator):
    """Refunds post at their day's time, as the charges of the same plan do (time_of_day)."""
    from datetime import datetime, time

    from django.utils import timezone

    from billing import services as billing
    from billing.models import Settlement

    account = funded_account(operator, balance="300.00")
    sub = services.order(account, PlanFactory(), actor=operator, today=JAN1)  # 249.95 paid
    billing.set_financial_blocking_threshold(account, "-5000", actor=operator)
    billing.post_charge(account, "1000.00", description="usage", actor=operator)  # owed now
    services.stop(sub, actor=operator, option="immediately_prorated_refund", today=date(2026, 1, 2))
    refund = LedgerEntry.objects.get(account=account, kind="refund")
    settled = Settlement.objects.get(credit=refund)
    day_start = timezone.make_aware(datetime.combine(date(2026, 1, 2), time.min))
    assert settled.created_at == day_start  # R-B4, not today's clock
