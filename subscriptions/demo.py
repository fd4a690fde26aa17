"""Subscriptions' part of the demo: a small plan catalogue and orders placed through services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accounts.actors import Actor
from accounts.models import Account

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
    return placed
