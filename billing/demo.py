"""Billing's part of the demo: money that puts accounts where the rules say (credit hold, dunning
steps, the R-G1 lock). Called by the seed_demo command; idempotent per account."""

from __future__ import annotations

from datetime import date, timedelta

from accounts.actors import Actor
from accounts.models import Account

from . import services
from .defaults import PREPAID_LOCK
from .models import DunningPolicy, Invoice, LedgerEntry
from .sweeps import dunning_sweep

# number → (threshold, top-up before orders, lock policy)
PREPARE = {
    "9000000001": ("0", "250.00", False),  # Acme: funded, stays Active
    "9000000003": ("0", None, False),  # Cobalt: its prepaid order takes it below 0 (R-CH1)
    "9000000004": ("-500", None, False),  # Delta, Echo, Helix bill in arrears (a credit limit)
    "9000000005": ("-500", None, False),
    "9000000006": ("0", "10.00", True),  # Foxtrot: prepaid, locked when credit runs out (R-G1)
    "9000000008": ("-500", None, False),
}
# number → (invoice amount, days since its billing date): the ladder puts each on its step
OVERDUE = {
    "9000000004": ("49.90", 3),  # R-D1 Suspended until Paid
    "9000000005": ("79.00", 8),  # R-D2 Closed until Paid
    "9000000008": ("120.00", 15),  # R-D3 Terminated
}


def prepare_accounts(operator) -> None:
    """Thresholds, policies and top-ups, before any order is placed."""
    for number, (threshold, top_up, lock) in PREPARE.items():
        account = Account.objects.get(number=number)
        if LedgerEntry.objects.filter(account=account).exists():
            continue  # already seeded
        if lock:
            services.assign_policy(
                account, DunningPolicy.objects.get(name=PREPAID_LOCK), actor=operator
            )
        services.set_financial_blocking_threshold(account, threshold, actor=operator)
        if top_up:
            services.record_payment(
                account,
                top_up,
                idempotency_key=f"demo-topup-{number}",
                actor=Actor.operator(operator),
                description="Top-up (demo)",
            )


def bill_overdue_accounts(operator, today: date) -> dict:
    """Invoices left unpaid, then the dunning sweep moves each account to its step (R-X3)."""
    for number, (amount, days_ago) in OVERDUE.items():
        account = Account.objects.get(number=number)
        if Invoice.objects.filter(account=account).exists():
            continue
        services.issue_invoice(
            account,
            amount=amount,
            billing_date=today - timedelta(days=days_ago),
            actor=operator,
            description="Monthly service",
        )
    return dunning_sweep(today)


# reseller → (its policy, threshold, allowed negative days): each reseller's own ladder, a copy of
# the Standard ladder's steps with its own money defaults (R-R2).
RESELLER_POLICIES = {
    "Northwind Telecom": ("Northwind ladder", "-25.00", 14),
    "Southpaw Networks": ("Southpaw ladder", "-100.00", 30),
}


def seed_reseller_policies() -> int:
    """Each demo reseller's default policy with the Standard ladder's steps (idempotent)."""
    from accounts.models import Reseller

    from .defaults import STANDARD_LADDER
    from .models import DunningStep

    standard = DunningPolicy.objects.get(name=STANDARD_LADDER)
    created = 0
    for reseller_name, (name, threshold, days) in RESELLER_POLICIES.items():
        reseller = Reseller.objects.filter(name=reseller_name).first()
        if reseller is None or DunningPolicy.objects.filter(name=name).exists():
            continue
        policy = DunningPolicy.objects.create(
            name=name,
            reseller=reseller,
            is_reseller_default=True,
            default_threshold=threshold,
            default_allowed_negative_days=days,
            reactivation_fee=standard.reactivation_fee,
        )
        for step in DunningStep.objects.filter(policy=standard).order_by("position"):
            step.pk, step.policy = None, policy
            step.save(force_insert=True)
        created += 1
    return created
