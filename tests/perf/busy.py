"""Accounts with a little and with a lot of everything the pages read, reached through the
services: the query bounds must be the same for both (issue 8, part 3)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import events, services
from accounts.models import BackendStatus as S
from accounts.models import Membership, WebhookEndpoint
from billing import services as billing
from subscriptions import services as subscriptions
from subscriptions.models import Resource
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.accounts.states import account_in
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account, pay

_n = itertools.count()


def plain_account(operator):
    """An Active account with one payment and nothing else."""
    return funded_account(operator, balance="100.00")


def busy_account(operator, *, ledger_rows=60, members=30):
    """An account with `ledger_rows` ledger entries, `members` users, status history, schedules,
    subscriptions holding resources, audit rows and webhook deliveries."""
    account = funded_account(operator, balance="5000.00")
    for i in range(ledger_rows // 2):
        billing.post_charge(account, Decimal("1.00"), description=f"usage {i}", actor=operator)
        pay(account, Decimal("1.00"), operator)
    for _ in range(members):
        MembershipFactory(account=account, user=UserFactory(), role=Membership.Role.OWNER)
    for _ in range(3):
        services.change_status(account, "Suspended", actor=operator, reason="Abuse")
        services.change_status(account, "Active", actor=operator, reason="Customer request")
    for days in (3, 4, 5):
        services.schedule_status_change(
            account,
            "Suspended",
            reason="Customer request",
            effective_on=timezone.localdate() + timedelta(days=days),
            actor=operator,
        )
    for shape in ("prepaid", "postpaid", "prepaid_payg"):
        plan = PlanFactory(**PLAN_SHAPES[shape], price=Decimal("9.95"))
        subscription = subscriptions.order(account, plan, actor=operator)
        for _ in range(2):
            Resource.objects.create(
                kind="fax number",
                identifier=f"+1666{next(_n):07d}",
                status=Resource.Status.ALLOCATED,
                subscription=subscription,
                allocated_at=timezone.now(),
            )
    services.set_dunning_exemption(account, exempt=True, actor=operator)
    services.set_dunning_exemption(account, exempt=False, actor=operator)
    billing.issue_invoice(
        account, amount="20.00", billing_date=timezone.localdate(), actor=operator
    )
    WebhookEndpoint.objects.get_or_create(name="Switch", url="http://127.0.0.1:9/hook")
    events.fan_out(enqueue=False)
    account.refresh_from_db()
    return account


def accounts_of_every_status(operator, per_status=1):
    return [account_in(status, operator) for status in S for _ in range(per_status)]
