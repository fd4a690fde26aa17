"""Reads behind billing's control-panel pages; each is scoped to the account the view checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, BackendStatus
from billing.credit import credit_facts_of
from billing.models import EntryKind, Invoice, LedgerEntry
from billing.open_items import Book, overdue_total
from billing.release import CUSTOMER, SYSTEM, Release, release_of

CHARGE_KINDS = (EntryKind.CHARGE, EntryKind.USAGE, EntryKind.FEE)


@dataclass(frozen=True)
class CreditOutlook:
    """What the dashboard warns about before credit runs out (Active accounts only)."""

    headroom: Decimal  # what may still be spent before the balance falls below the threshold
    low_balance: bool
    hold_after: datetime | None  # R-CH1 (b): when a negative balance outlasts the allowed period


def credit_outlook(account: Account, now=None) -> CreditOutlook:
    """The dashboard's warnings, from the same credit facts R-CH1 decides on."""
    facts = credit_facts_of(account, now or timezone.now())
    headroom = facts.balance - facts.threshold
    warn_below = Decimal(str(getattr(settings, "PANEL_LOW_BALANCE_WARNING", "10.00")))
    hold_after = None
    if facts.balance < 0 and facts.negative_since and facts.allowed_negative_days is not None:
        hold_after = facts.negative_since + timedelta(days=facts.allowed_negative_days)
    active = account.backend_status == BackendStatus.ACTIVE
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
    """The account's invoice `pk`; another account's is 404 (its existence is not leaked)."""
    invoice = invoices_for(account).filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@dataclass(frozen=True)
class OverduePayment:
    """What a suspended company may pay (issue 18): everything overdue (open_items' rule), and
    the one answer to what releases it (R-CH4b, release_of). The two differ when a fee is not
    yet part of what the ladder counts, or when the balance rule asks for more than the
    overdue items; the page then names both."""

    overdue: Decimal
    release: Release

    @property
    def release_amount(self) -> Decimal:
        return self.release.amount if self.release.who_must_act == CUSTOMER else Decimal("0.00")

    @property
    def overdue_releases(self) -> bool:
        """Paying everything overdue releases the account (more money never holds an account
        that less money released, billing/release.py)."""
        return bool(self.release_amount) and self.overdue >= self.release_amount

    @property
    def same(self) -> bool:
        return self.overdue == self.release_amount

    @property
    def covered(self) -> bool:
        """No payment is needed: the next credit check releases the account (R-CH5)."""
        return self.release.who_must_act == SYSTEM


# Suspended, and Credit hold: the ladder's "Suspended until Paid" (R-D1) is a Credit hold type
# that customers read as suspended.
OVERDUE_OFFERED = (BackendStatus.SUSPENDED, BackendStatus.CREDIT_HOLD)


def overdue_payment(account: Account, now: datetime | None = None) -> OverduePayment | None:
    """For a held or suspended company with something overdue: the overdue total and what
    releases it."""
    if account.backend_status not in OVERDUE_OFFERED:
        return None
    now = now or timezone.now()
    overdue = overdue_total(Book.live(), account.pk, timezone.localdate(now))
    if overdue <= 0:
        return None
    return OverduePayment(overdue.quantize(Decimal("0.01")), release_of(account, now))
