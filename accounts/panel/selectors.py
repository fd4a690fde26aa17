"""Reads that build control-panel pages; every one is scoped to the requesting user's memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, BackendStatus, Membership
from billing.credit import CreditFacts, required_payment_for
from billing.models import EntryKind, Invoice, LedgerEntry

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
CHARGE_KINDS = (EntryKind.CHARGE, EntryKind.USAGE, EntryKind.FEE)


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


def facts_of(account: Account, now=None) -> CreditFacts:
    return CreditFacts(
        balance=account.balance,
        threshold=account.financial_blocking_threshold,
        negative_since=account.negative_since,
        allowed_negative_days=account.allowed_negative_days,
        now=now or timezone.now(),
    )


def hold_amount(account: Account, now=None) -> Decimal:
    """R-CH4 from the account as loaded (billing.services.required_payment re-reads it)."""
    return required_payment_for(facts_of(account, now))


@dataclass(frozen=True)
class CreditOutlook:
    """What the dashboard warns about before credit runs out (Active accounts only)."""

    headroom: Decimal  # what may still be spent before the balance falls below the threshold
    low_balance: bool
    hold_after: datetime | None  # R-CH1 (b): when a negative balance outlasts the allowed period


def credit_outlook(account: Account, now=None) -> CreditOutlook:
    facts = facts_of(account, now)
    headroom = facts.balance - facts.threshold
    warn_below = Decimal(str(getattr(settings, "PANEL_LOW_BALANCE_WARNING", "10.00")))
    hold_after = None
    if facts.balance < 0 and facts.negative_since and facts.allowed_negative_days is not None:
        hold_after = facts.negative_since + timedelta(days=facts.allowed_negative_days)
    active = account.backend_status == B.ACTIVE
    return CreditOutlook(
        headroom=headroom,
        low_balance=active and headroom < warn_below,
        hold_after=hold_after if active else None,
    )


def ledger_for(account: Account):
    return LedgerEntry.objects.filter(account=account).order_by("-created_at", "-id")


def charges_for(account: Account):
    return ledger_for(account).filter(kind__in=CHARGE_KINDS).select_related("invoice")


def invoices_for(account: Account):
    return Invoice.objects.filter(account=account).order_by("-billing_date", "-id")


def invoice_of(account: Account, pk: int) -> Invoice:
    invoice = invoices_for(account).filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice
