"""A reseller's world for the access table (R-R3): one of every object the operator portal shows,
reached through the services where one exists (money, statuses, schedules, unlocks, dunning,
subscriptions), so every admin page has a real object of each reseller to be asked for."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.events import fan_out
from accounts.models import JobFailure, WebhookEndpoint
from accounts.unlocking import LOCKED_TYPE_NAME
from billing import services as billing
from billing.ladder import apply_dunning
from billing.models import (
    DunningStep,
    NoticeLog,
    RecurringCharge,
    ReminderNotice,
    StepNotice,
)
from subscriptions import services as subscriptions
from subscriptions.models import Resource
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory
from tests.subscriptions.factories import PlanFactory

_keys = itertools.count()


def fill(side, provider, *, dunning: bool = True) -> dict[str, str]:
    """Give `side` one of everything; return the strings that name its objects (its markers)."""
    letter = side.reseller.name[-1]
    actor = Actor.operator(provider)
    side.today = timezone.localdate()
    _money_and_dunning(side, actor, letter, dunning)
    _statuses(side, actor, letter)
    _subscriptions(side, actor, letter)
    endpoint = WebhookEndpoint.objects.create(
        name=f"{letter} hook", url=f"https://{letter.lower()}.example/hook", reseller=side.reseller
    )
    services.change_status(
        side.account, "Suspended", actor=Actor.system("R-D1"), reason="Non-payment"
    )
    fan_out(enqueue=False)
    issue_service_api_key(f"{letter} key", actor=actor, reseller=side.reseller)
    JobFailure.objects.create(job="dunning_sweep", account=side.account, error=f"{letter} failed")
    step = DunningStep.objects.filter(policy=side.policy).first()
    StepNotice.objects.create(step=step, subject=f"{letter} notice", body="Pay {{ amount }}")
    ReminderNotice.objects.create(policy=side.policy, subject=f"{letter} reminder", body="Soon")
    NoticeLog.objects.create(  # what billing's notice sender writes for a step's notice (R-D7)
        account=side.account,
        kind="dunning_step",
        step=step,
        subject=f"{letter} notice",
        recipients=side.customer.email,
        created_at=timezone.now(),
    )
    return {
        "account number": side.account.number,
        "account name": side.account.name,
        "customer": side.customer.username,
        "operator": side.operator.username,
        "policy": side.policy.name,
        "endpoint": endpoint.name,
        "key": f"{letter} key",
        "dunned account": side.dunned.number,
    }


def _money_and_dunning(side, actor, letter, dunning):
    account, today = side.account, side.today
    billing.record_payment(account, Decimal("100.00"), idempotency_key=_key(), actor=actor)
    billing.issue_invoice(account, amount=Decimal("30.00"), billing_date=today, actor=actor)
    billing.post_charge(account, Decimal("5.00"), description=f"{letter} usage", actor=actor)
    RecurringCharge.objects.create(
        account=account,
        description=f"{letter} support plan",
        amount=Decimal("9.00"),
        next_billing_date=today + timedelta(days=30),
        billing_anchor=today,
    )
    DunningStep.objects.create(
        policy=side.policy,
        position=1,
        condition="days_past_due",
        days=2,
        status_type=services.get_status_type("Suspended until Paid"),
        notice=f"{letter} is suspended",
        rule_id="R-D1",
    )
    # An account of the reseller that dunning has acted on: states, events, notices.
    side.dunned = AccountFactory(actor=actor, name=f"{letter} Dunned Ltd", reseller=side.reseller)
    MembershipFactory(user=UserFactory(username=f"payer-{letter.lower()}"), account=side.dunned)
    billing.issue_invoice(
        side.dunned, amount=Decimal("40.00"), billing_date=today - timedelta(days=10), actor=actor
    )
    if dunning:  # one reseller's is enough for the table (it asks for B's objects)
        apply_dunning(side.dunned, today)


def _statuses(side, actor, letter):
    account, today = side.account, side.today
    services.schedule_status_change(
        account,
        "Suspended",
        reason="Non-payment",
        effective_on=today + timedelta(days=400),
        actor=actor,
    )
    services.set_dunning_exemption(account, exempt=True, actor=actor, note=f"{letter} VIP")
    services.set_dunning_exemption(account, exempt=False, actor=actor)
    locked = AccountFactory(
        actor=actor,
        name=f"{letter} Locked Ltd",
        reseller=side.reseller,
        next_payment_date=timezone.localdate(),
    )
    user = UserFactory(username=f"locked-{letter.lower()}")
    MembershipFactory(user=user, account=locked)
    services.change_status(
        locked, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    services.unlock_user_account(user, actor=actor)


def _subscriptions(side, actor, letter):
    today = side.today
    plan = PlanFactory(name=f"{letter} fax plan")
    billing.record_payment(side.account, Decimal("500.00"), idempotency_key=_key(), actor=actor)
    sub = subscriptions.order(side.account, plan, actor=actor, today=today)
    Resource.objects.create(
        kind="fax number",
        identifier=f"+1555{letter}{next(_keys):04d}",
        status="allocated",
        subscription=sub,
        allocated_at=timezone.now(),
    )


def _key() -> str:
    return f"world-{next(_keys)}"
