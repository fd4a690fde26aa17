"""The demo's two resellers (issue 17, DESIGN §7): their contacts and defaults, their operators
(`reseller-a`, `reseller-b`, in the existing operator groups) and their own customers. Their
policies are billing's (billing/demo.py seed_reseller_policies), seeded between the two steps
here so the new accounts take them (R-R2). Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from . import services
from .actors import Actor
from .admin_groups import BILLING_MANAGER, SUPPORT_AGENT
from .models import Account, Membership, OperatorProfile, Reseller
from .unlocking import LOCKED_TYPE_NAME

# name → (orders contact, orders email, support, default threshold, default period, operator,
#         the operator's group)
DEMO_RESELLERS = {
    "Northwind Telecom": (
        "Northwind sales desk",
        "orders@northwind.example",
        "+1 555 0142",
        Decimal("-25.00"),
        14,
        "reseller-a",
        BILLING_MANAGER,
    ),
    "Southpaw Networks": (
        "Southpaw orders",
        "orders@southpaw.example",
        "support@southpaw.example",
        Decimal("-100.00"),
        30,
        "reseller-b",
        SUPPORT_AGENT,
    ),
}
# number → (name, reseller, customer user, days since its Next Payment date, locked (R-G1))
DEMO_RESELLER_ACCOUNTS = {
    "9100000001": ("Nimbus Fax GmbH", "Northwind Telecom", "nora", -12, False),
    "9100000002": ("Nordic Print AB", "Northwind Telecom", "nora", 10, True),
    "9100000003": ("Narwhal Voice Ltd", "Northwind Telecom", "ned", 40, True),
    "9200000001": ("Sierra Messaging", "Southpaw Networks", "sam", -5, False),
    "9200000002": ("Summit Lines", "Southpaw Networks", "sue", 35, True),
}


def seed_resellers(password: str) -> dict[str, int]:
    """The resellers and their operators (the reseller's operator sees its accounts only)."""
    User = get_user_model()
    made = {"resellers": 0, "operators": 0}
    for name, (orders, email, support, threshold, days, username, group) in DEMO_RESELLERS.items():
        reseller, created = Reseller.objects.get_or_create(
            name=name,
            defaults={
                "orders_contact": orders,
                "orders_email": email,
                "support_contact": support,
                "default_financial_blocking_threshold": threshold,
                "default_allowed_negative_days": days,
            },
        )
        made["resellers"] += int(created)
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "is_staff": True}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=group))
            made["operators"] += 1
        OperatorProfile.objects.get_or_create(user=user, defaults={"reseller": reseller})
    return made


def seed_reseller_accounts(operator, password: str) -> int:
    """The resellers' own customers, created after their policies so they take them (R-R2)."""
    User = get_user_model()
    today, created = timezone.localdate(), 0
    for number, (name, reseller_name, username, days, locked) in DEMO_RESELLER_ACCOUNTS.items():
        if Account.objects.filter(number=number).exists():
            continue
        account = services.create_account(
            name=name,
            actor=Actor.operator(operator),
            number=number,
            reseller=Reseller.objects.get(name=reseller_name),
            next_payment_date=today - timedelta(days=days),
        )
        if locked:  # R-G1: unlockable within 30 days of the Next Payment date (R-G2)
            services.change_status(
                account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Non-payment"
            )
        user, made = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if made:
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user, account=account, defaults={"role": Membership.Role.OWNER}
        )
        created += 1
    return created
