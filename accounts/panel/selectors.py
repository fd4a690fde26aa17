"""Reads of the panel frame (membership, the switcher); each is scoped to the user's memberships.

The money and subscription reads live with their pages in billing/panel and subscriptions/panel.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.models import Account, BackendStatus, Membership

from . import access

B = BackendStatus
BADGES = {
    B.PROSPECT: "text-bg-info",
    B.ACTIVE: "text-bg-success",
    B.CREDIT_HOLD: "text-bg-warning",
    B.SUSPENDED: "text-bg-warning",
    B.ADMINISTRATIVE_HOLD: "text-bg-danger",
    B.CANCELLED: "text-bg-secondary",
    B.DELETED: "text-bg-dark",
}


@dataclass(frozen=True)
class AccountChoice:
    """One line of the account switcher (R-C3): every account, blocked ones not enterable."""

    number: str
    name: str
    status: str
    backend_status: str
    role: str
    badge: str
    enterable: bool


def member_account(user, number: str) -> Account:
    """The account `number` if `user` is a member of it; anything else is 404, never 403."""
    account = (
        Account.objects.select_related("status_type", "status_reason")
        .filter(number=str(number), memberships__user=user)
        .first()
        if getattr(user, "is_authenticated", False) and "\x00" not in str(number)
        else None  # PostgreSQL text cannot hold NUL: no account has such a number
    )
    if account is None:
        raise Http404("No such company.")
    return account


def account_choices(user) -> list[AccountChoice]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("account__status_type")
        .order_by("account__name", "account__number")
    )
    return [
        AccountChoice(
            number=m.account.number,
            name=m.account.name,
            status=m.account.status_type.name,
            backend_status=m.account.backend_status,
            role=m.get_role_display(),
            badge=BADGES.get(m.account.backend_status, "text-bg-secondary"),
            enterable=access.may_enter(m.account.backend_status),
        )
        for m in memberships
    ]
