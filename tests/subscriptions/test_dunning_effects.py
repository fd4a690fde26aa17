"""Issue 16: a dunning step's effect on the subscriptions (R-D6) — none, cancel at once with a
prorated credit, cancel at period end (Kill Bill's IMMEDIATE / END_OF_TERM) — and Terminated
(R-D3) cancelling them and releasing their resources (Allocated → Available), on both ladder
paths (billing/ladder_rows.py on PostgreSQL, billing/ladder.py). The sweep schedules them in its
transaction; the task sent after its commit (or the daily subscription run) carries them out."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from accounts.models import AccountStatusType
from billing import ladder_rows, services
from billing.models import DunningPolicy, DunningStep, LedgerEntry
from billing.sweeps import dunning_sweep
from subscriptions import dunning_effects
from subscriptions import services as subscriptions
from subscriptions.models import Resource, Subscription, SubscriptionChange
from tests.subscriptions.factories import PlanFactory, ResourceFactory, funded_account

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)  # a 31-day period: [1 Mar, 1 Apr)
BILLED = date(2026, 3, 4)


@pytest.fixture(params=[pytest.param("rows", marks=pytest.mark.postgres), "models"])
def path(request, monkeypatch):
    if request.param == "models":
        monkeypatch.setattr(ladder_rows, "lean", lambda ladders, row: False)
    return request.param


def ladder(effect: str, status: str = "Closed until Paid") -> DunningPolicy:
    policy = DunningPolicy.objects.create(name=f"{effect} ladder", default_threshold=D("-5000"))
    DunningStep.objects.create(
        policy=policy,
        position=1,
        condition="days_past_due",
        days=7,
        status_type=AccountStatusType.objects.get(name=status),
        subscription_effect=effect,
    )
    return policy


def dunned_subscription(operator, policy):
    """A prepaid subscription (249.95, two fax numbers) on an account whose invoice goes unpaid."""
    account = funded_account(operator, "300.00", dunning_policy=policy)
    services.set_financial_blocking_threshold(account, "-5000", actor=operator)
    ResourceFactory.create_batch(2)
    plan = PlanFactory(resource_kind="fax number", resources_included=2)
    sub = subscriptions.order(account, plan, actor=operator, today=START)
    services.issue_invoice(account, amount="500.00", billing_date=BILLED, actor=operator)
    return account, sub


def sweep(day, account):
    """The dunning sweep, then the cancellations it scheduled (the task after its commit)."""
    dunning_sweep(day)
    dunning_effects.run_due_cancellations([account.pk], day)


def test_r_d6_no_effect_leaves_the_subscriptions_running(operator, path):
    account, sub = dunned_subscription(operator, ladder("none"))
    sweep(BILLED + timedelta(days=7), account)
    sub.refresh_from_db()
    assert sub.status == "active" and sub.cancel_on is None
    assert Resource.objects.filter(status="allocated").count() == 2


def test_r_d6_cancel_at_once_credits_the_unused_days_and_releases_resources(operator, path):
    account, sub = dunned_subscription(operator, ladder("cancel_now"))
    day = BILLED + timedelta(days=7)  # 11 Mar: 21 of 31 days left
    sweep(day, account)
    sub.refresh_from_db()
    assert sub.status == "cancelled"
    refund = LedgerEntry.objects.get(account=account, kind="refund")
    assert refund.amount == D("169.32")  # R-E5: 249.95 × 21 / 31, half-up
    assert Resource.objects.filter(status="available").count() == 2  # Allocated → Available
    assert not Resource.objects.filter(status="allocated").exists()


def test_r_d6_cancel_at_period_end_schedules_it_and_the_run_cancels_then(operator, path):
    account, sub = dunned_subscription(operator, ladder("cancel_period_end"))
    sweep(BILLED + timedelta(days=7), account)
    sub.refresh_from_db()
    assert sub.status == "active" and sub.cancel_on == date(2026, 4, 1)
    assert not LedgerEntry.objects.filter(account=account, kind="refund").exists()
    subscriptions.run_subscription_charges(date(2026, 4, 1))
    sub.refresh_from_db()
    assert sub.status == "cancelled"
    assert Resource.objects.filter(status="available").count() == 2


def test_r_d3_terminated_cancels_the_subscriptions_even_when_the_step_says_none(operator, path):
    policy = ladder("cancel_now", status="Terminated")
    DunningStep.objects.filter(policy=policy).update(subscription_effect="none")  # old data
    account, sub = dunned_subscription(operator, policy)
    day = BILLED + timedelta(days=7)
    dunning_sweep(day)
    subscriptions.run_subscription_charges(day)  # the daily run carries out what is due
    account.refresh_from_db()
    sub.refresh_from_db()
    assert account.status_type.name == "Terminated"
    assert sub.status == "cancelled"
    assert Resource.objects.filter(status="available").count() == 2


def test_r_d3_the_standard_ladder_terminates_and_cancels_at_once(operator, path):
    account, sub = dunned_subscription(operator, None)
    account.dunning_policy = None
    account.save(update_fields=["dunning_policy"])
    step = DunningStep.objects.get(policy__name="Standard ladder", rule_id="R-D3")
    assert step.subscription_effect == "cancel_now"
    sweep(BILLED + timedelta(days=14), account)
    sub.refresh_from_db()
    assert sub.status == "cancelled"
    assert not Subscription.objects.filter(account=account).exclude(status="cancelled").exists()


def test_r_d6_a_scheduled_cancellation_is_brought_forward_by_a_cancel_at_once_step(operator, path):
    account, sub = dunned_subscription(operator, ladder("cancel_now"))
    subscriptions.cancel(sub, option="period_end", actor=operator, today=START)
    sweep(BILLED + timedelta(days=7), account)
    sub.refresh_from_db()
    assert sub.status == "cancelled" and sub.cancel_on is None


def test_r_x3_a_rerun_of_the_sweep_cancels_nothing_twice(operator, path):
    account, sub = dunned_subscription(operator, ladder("cancel_now"))
    sweep(BILLED + timedelta(days=7), account)
    sweep(BILLED + timedelta(days=8), account)
    assert LedgerEntry.objects.filter(account=account, kind="refund").count() == 1


def test_r_d6_the_sweep_schedules_in_its_transaction_and_sends_the_task_after_commit(
    operator, path, monkeypatch, django_capture_on_commit_callbacks
):
    account, sub = dunned_subscription(operator, ladder("cancel_now"))
    sent = []
    monkeypatch.setattr(
        dunning_effects.current_app, "send_task", lambda name, args: sent.append((name, args))
    )
    day = BILLED + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        dunning_sweep(day)
    sub.refresh_from_db()
    assert (sub.status, sub.cancel_on, sub.cancel_option) == (
        "active",
        day,
        "specific_date_prorated_refund",
    )
    change = SubscriptionChange.objects.get(subscription=sub, action="schedule_cancel")
    assert change.rule_id == "R-D6" and change.actor_kind == "system"
    assert sent == [("subscriptions.tasks.run_dunning_cancellations", [[account.pk], "2026-03-11"])]
