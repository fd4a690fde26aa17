"""The demo data set for `make run` and screenshots: every back-end status, reached through services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .actors import Actor
from .models import Account, Membership, ScheduledStatusChange, WebhookEndpoint

DEMO_OPERATOR = "operator"


@dataclass(frozen=True)
class DemoAccount:
    number: str
    name: str
    # Each step: (status type, reason, actor kind "operator"/"system", rule id)
    path: tuple[tuple[str, str, str, str], ...] = ()
    prospect: bool = False


# Money-driven statuses (credit hold, dunning steps, the R-G1 lock) are reached by billing's and
# subscriptions' demo steps through real charges, invoices and sweeps; here only what an operator
# decides. See the seed_demo command for the order.
DEMO_ACCOUNTS = [
    DemoAccount("9000000001", "Acme Fax Ltd"),
    DemoAccount("9000000002", "Brightline VoIP", prospect=True),
    DemoAccount("9000000003", "Cobalt Telecom"),
    DemoAccount("9000000004", "Delta Messaging"),
    DemoAccount("9000000005", "Echo Resellers"),
    DemoAccount("9000000006", "Foxtrot Fax"),
    DemoAccount(
        "9000000007", "Gamma Networks", (("Administrative hold", "Abuse", "operator", ""),)
    ),
    DemoAccount("9000000008", "Helix Hosting"),
    DemoAccount("9000000009", "Iris Cloud", (("Cancelled", "Customer request", "operator", ""),)),
    DemoAccount("9000000010", "Juno Lines", (("Deleted", "Account closed", "operator", ""),)),
]

# username → (accounts it belongs to, role)
DEMO_CUSTOMERS = {
    "alice": (["9000000001", "9000000003", "9000000006", "9000000010"], Membership.Role.OWNER),
    "bob": (["9000000004"], Membership.Role.OWNER),
    "carol": (["9000000005", "9000000008"], Membership.Role.BILLING),
    "dave": (["9000000007"], Membership.Role.OWNER),
    "erin": (["9000000002", "9000000009"], Membership.Role.MEMBER),
}


def _user(username: str, password: str, *, staff: bool):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.com", "is_staff": staff, "is_superuser": staff},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def seed_demo(password: str) -> dict[str, int]:
    """Create what is missing of the demo set; existing rows are left alone (idempotent)."""
    operator, _ = _user(DEMO_OPERATOR, password, staff=True)
    created = {"accounts": 0, "users": 0, "memberships": 0}
    today = timezone.localdate()
    for i, demo in enumerate(DEMO_ACCOUNTS):
        if Account.objects.filter(number=demo.number).exists():
            continue
        account = services.create_account(
            name=demo.name,
            actor=Actor.operator(operator),
            number=demo.number,
            status_type="Prospect" if demo.prospect else None,
            next_payment_date=today + timedelta(days=10 - 3 * i),
        )
        for type_name, reason, actor_kind, rule_id in demo.path:
            actor = Actor.operator(operator) if actor_kind == "operator" else Actor.system(rule_id)
            services.change_status(account, type_name, actor=actor, reason=reason)
        created["accounts"] += 1
    for username, (numbers, role) in DEMO_CUSTOMERS.items():
        user, was_created = _user(username, password, staff=False)
        created["users"] += int(was_created)
        for account in Account.objects.filter(number__in=numbers):
            _, made = Membership.objects.get_or_create(
                user=user, account=account, defaults={"role": role}
            )
            created["memberships"] += int(made)
    _seed_exemption_schedule_and_endpoint(operator, today)
    return created


def _seed_exemption_schedule_and_endpoint(operator, today) -> None:
    """R-X2, R-E4, R-X6 examples: a dated exemption, a pending scheduled change, an endpoint."""
    cobalt = Account.objects.filter(number="9000000003", dunning_exempt_until__isnull=True).first()
    if cobalt is not None and not cobalt.audit_rows.exists():
        services.set_dunning_exemption(
            cobalt,
            exempt=False,
            until=today + timedelta(days=14),
            actor=operator,
            note="Demo: do not suspend before the contract review",
        )
    acme = Account.objects.get(number="9000000001")
    if not ScheduledStatusChange.objects.filter(account=acme).exists():
        services.schedule_status_change(
            acme,
            "Suspended",
            reason="Customer request",
            effective_on=today + timedelta(days=7),
            actor=operator,
            note="Demo: the customer asked for a pause",
        )
    WebhookEndpoint.objects.get_or_create(
        name="Demo fax server",
        defaults={
            "url": "http://127.0.0.1:9/lifecycle-events",
            "active": False,
            "event_types": ["account.*"],
        },
    )
