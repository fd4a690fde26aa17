"""The money of a subscription's options as pure functions (R-E5, R-X5): no ORM, no clock.

Each function returns the ledger entries an option implies, so a preview and the commit that
follows are the same computation. Amounts are signed as in the ledger: a refund credits the account
(positive), a charge debits it (negative).

Proration is Kill Bill's rule: a period is [start, end); the day of the change is not used, so the
unused part is price × (end − date) / (end − start) in whole days, rounded half-up to the cent; a
change on the first day returns the whole period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from billing.recurring import anchor_for, billing_day_after

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REFUND = "refund"
CHARGE = "charge"


def unused_part(price: Decimal, start: date, end: date, on: date) -> Decimal:
    """price × (end − on) / (end − start) days, half-up to the cent; `on` is clamped to the period."""
    total = (end - start).days
    left = (end - min(max(on, start), end)).days
    return (Decimal(price) * left / total).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PlannedEntry:
    """A ledger entry an option will write: `amount` is signed as LedgerEntry.amount."""

    kind: str
    amount: Decimal
    description: str
    on_date: date

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "amount": self.amount,
            "description": self.description,
            "on_date": self.on_date,
        }


@dataclass(frozen=True)
class Terms:
    """What the options need to know about a subscription at the moment of the change."""

    name: str
    price: Decimal
    prepaid: bool
    trial: bool
    in_service: bool  # Stopped / waiting subscriptions are not being served
    period_start: date
    period_end: date
    period_months: int
    period_paid: Decimal  # charged for the current period so far, net of refunds

    @property
    def billable_price(self) -> Decimal:
        return ZERO if self.trial else self.price


def _refund(terms: Terms, amount: Decimal, on: date, why: str) -> list[PlannedEntry]:
    amount = min(amount, terms.period_paid)
    if amount <= 0:
        return []
    return [PlannedEntry(REFUND, amount, f"{terms.name}: {why}", on)]


def _charge(terms: Terms, amount: Decimal, on: date, why: str) -> list[PlannedEntry]:
    amount = amount - terms.period_paid
    if amount <= 0:
        return []
    return [PlannedEntry(CHARGE, -amount, f"{terms.name}: {why}", on)]


def _days(terms: Terms, on: date) -> str:
    left = max(0, (terms.period_end - max(on, terms.period_start)).days)
    return f"{left} of {(terms.period_end - terms.period_start).days} days"


def settle_period(terms: Terms, on: date, how: str, *, booked: date | None = None) -> list:
    """What ending service on `on` writes for the current period: `how` is prorated | full | none.

    prorated: prepaid gets the unused part back, postpaid pays the used part; full: prepaid gets
    all it paid back, postpaid pays nothing more; none: prepaid gets nothing back, postpaid pays the
    whole period. `booked` is the date the entry is written (defaults to `on`).
    """
    booked = booked or on
    price = terms.billable_price
    if price == 0:
        return []
    unused = unused_part(price, terms.period_start, terms.period_end, on)
    if terms.prepaid:
        if how == "prorated":
            return _refund(terms, unused, booked, f"prorated refund, {_days(terms, on)} unused")
        if how == "full":
            return _refund(terms, terms.period_paid, booked, "full refund of the period")
        return []
    if not terms.in_service:
        return []  # a stopped postpaid subscription settled its period when it stopped
    if how == "prorated":
        return _charge(terms, price - unused, booked, f"prorated charge, {_days(terms, on)} unused")
    if how == "full":
        return []
    return _charge(terms, price, booked, "charge for the whole period")


def new_period(start: date, months: int, anchor: date | None = None) -> tuple[date, date, date]:
    """(start, end, anchor) of the period that starts on `start`: its end counts whole months
    from the subscription's first day `anchor` (R-S1); a start off that schedule (a first order,
    a restart, a plan change) becomes the new first day."""
    anchor = anchor_for(anchor, start)
    return start, billing_day_after(anchor, start, months), anchor


def period_label(name: str, start: date, end: date) -> str:
    return f"{name}: {start} to {end}"


def opening_charge(
    name: str, price: Decimal, *, prepaid: bool, start: date, end: date, on: date
) -> list[PlannedEntry]:
    """What starting a period writes now: a prepaid one is charged in full, else nothing."""
    # The one home of "prepaid is charged when the period starts" for order, renew, plan change,
    # Enable and the recurring run; a postpaid period is charged in arrears (charging.py).
    if not prepaid or price <= 0:
        return []
    return [PlannedEntry(CHARGE, -price, period_label(name, start, end), on)]


def paid_change(entries: list[PlannedEntry]) -> Decimal:
    """How the entries change what was paid for the period: charges add, refunds subtract."""
    return sum((-entry.amount for entry in entries), start=ZERO)


def with_price(terms: Terms, price: Decimal) -> Terms:
    return replace(terms, price=price)
