"""Subscriptions' part of the demo: a small plan catalogue and orders placed through services."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models import Account, ServiceApiKey

from . import services
from .models import Plan, Subscription

PLANS = [
    # name, service, price, billing model, pay-as-you-go, trial allowed, on credit hold
    ("Fax Pro 500", "Fax", "24.95", "prepaid", True, True, "stop"),
    ("Fax Basic", "Fax", "9.95", "prepaid", False, True, "stop"),
    ("VoIP Line", "VoIP", "15.00", "postpaid", False, False, "stop"),
    ("SIP Trunk 10", "VoIP", "49.00", "prepaid", True, False, "manual_approve"),
]
# number → plans ordered (in this order)
ORDERS = {
    "9000000001": ["Fax Pro 500", "VoIP Line"],
    "9000000003": ["VoIP Line", "Fax Pro 500"],  # the prepaid order puts Cobalt on hold (R-CH7)
    "9000000004": ["VoIP Line"],
    "9000000005": ["VoIP Line"],
    "9000000006": ["Fax Pro 500"],  # Foxtrot's credit runs out: locked (R-G1)
    "9000000008": ["VoIP Line"],
}
# R-S1: Acme's second fax line was ordered on a 31st; the recurring run has renewed it since, on
# the 30th in 30-day months and the 31st again in 31-day ones.
BILLING_DAY_ACCOUNT, BILLING_DAY_PLAN = "9000000001", "Fax Basic"
# R-S3: one key per service. Cobalt (credit hold stopped its prepaid pay-as-you-go fax, its
# postpaid VoIP line runs) gets "no" from the fax server's key and "yes" from the VoIP switch's.
SERVICE_KEYS = {"demo-fax-server": "Fax", "demo-voip-switch": "VoIP"}


def seed_catalogue() -> int:
    created = 0
    for name, service, price, model, payg, trial, on_hold in PLANS:
        _, made = Plan.objects.get_or_create(
            name=name,
            defaults={
                "service": service,
                "price": Decimal(price),
                "billing_model": model,
                "pay_as_you_go": payg,
                "trial_allowed": trial,
                "on_credit_hold": on_hold,
            },
        )
        created += int(made)
    return created


def seed_subscriptions(operator, today: date) -> int:
    """Order each demo account's plans once (accounts that already have some are left alone)."""
    placed = 0
    for number, plan_names in ORDERS.items():
        account = Account.objects.get(number=number)
        if Subscription.objects.filter(account=account).exists():
            continue
        for name in plan_names:
            services.order(account, name, actor=Actor.operator(operator), today=today)
            placed += 1
    return placed + seed_billing_day(operator, today)


def last_31st(on_or_before: date) -> date:
    """The latest 31st of a month on or before the day."""
    year, month = on_or_before.year, on_or_before.month
    while calendar.monthrange(year, month)[1] < 31 or date(year, month, 31) > on_or_before:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return date(year, month, 31)


def seed_billing_day(operator, today: date) -> int:
    """R-S1: order Acme's Fax Basic on the last 31st two months back, then run the renewals."""
    account = Account.objects.get(number=BILLING_DAY_ACCOUNT)
    if Subscription.objects.filter(account=account, plan__name=BILLING_DAY_PLAN).exists():
        return 0
    first_day = last_31st(today - timedelta(days=60))
    services.order(account, BILLING_DAY_PLAN, actor=Actor.operator(operator), today=first_day)
    services.run_subscription_charges(today)
    return 1


def seed_service_keys(operator) -> dict[str, str]:
    """R-S3: the demo's per-service API keys; {name: key} for those created now (shown once)."""
    issued = {}
    for name, service in SERVICE_KEYS.items():
        if not ServiceApiKey.objects.filter(name=name).exists():
            _row, raw = issue_service_api_key(name, actor=Actor.operator(operator), service=service)
            issued[name] = raw
    return issued
