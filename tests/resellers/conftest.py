"""Two resellers with their own accounts, policies and operators, and the provider's own account
(DESIGN §7). Reseller operators are Administrators — the widest operator group — so the scope,
not a missing permission, is what keeps them out of the other reseller's objects (R-R3)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts.admin_groups import ADMINISTRATOR
from accounts.models import Account, OperatorProfile, Reseller
from billing.models import DunningPolicy
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory


@dataclass
class Side:
    """One reseller and what belongs to it."""

    reseller: Reseller
    policy: DunningPolicy
    account: Account
    operator: object
    customer: object


def make_reseller(name, orders, threshold, days) -> Reseller:
    return Reseller.objects.create(
        name=name,
        orders_contact=f"{name} sales desk",
        orders_email=orders,
        support_contact="+1 555 0100",
        default_financial_blocking_threshold=threshold,
        default_allowed_negative_days=days,
    )


def reseller_operator(username, reseller, group=ADMINISTRATOR):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    OperatorProfile.objects.create(user=user, reseller=reseller)
    return user


def make_side(letter, provider, threshold, days) -> Side:
    reseller = make_reseller(
        f"Reseller {letter}", f"orders@reseller-{letter.lower()}.example", threshold, days
    )
    policy = DunningPolicy.objects.create(
        name=f"Reseller {letter} ladder",
        reseller=reseller,
        is_reseller_default=True,
        default_threshold=Decimal("-5.00"),
        default_allowed_negative_days=7,
    )
    account = AccountFactory(actor=provider, name=f"{letter} Customer Ltd", reseller=reseller)
    customer = UserFactory(username=f"customer-{letter.lower()}")
    MembershipFactory(user=customer, account=account)
    operator = reseller_operator(f"operator-{letter.lower()}", reseller)
    return Side(reseller, policy, account, operator, customer)


@pytest.fixture
def provider_operator(db):
    user = UserFactory(username="provider-operator", is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return user


@pytest.fixture
def side_a(provider_operator):
    return make_side("A", provider_operator, Decimal("-20.00"), 10)


@pytest.fixture
def side_b(provider_operator):
    return make_side("B", provider_operator, Decimal("-50.00"), 30)


@pytest.fixture
def own_account(provider_operator):
    """The provider's own account: no reseller (R-R1)."""
    return AccountFactory(actor=provider_operator, name="Provider Direct Ltd")
