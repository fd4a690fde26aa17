"""Credit control as pure functions over facts (R-CH1, R-CH4): no ORM, no clock."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CreditFacts:
    balance: Decimal
    threshold: Decimal
    negative_since: datetime | None
    allowed_negative_days: int | None  # None = infinite
    now: datetime

    @property
    def below_threshold(self) -> bool:  # R-CH1 (a)
        return self.balance < self.threshold

    @property
    def negative_too_long(self) -> bool:  # R-CH1 (b); P = 0 allows no negative time at all
        if self.allowed_negative_days is None or self.negative_since is None or self.balance >= 0:
            return False
        elapsed = self.now - self.negative_since
        if self.allowed_negative_days == 0:
            return True
        return elapsed > timedelta(days=self.allowed_negative_days)

    @property
    def days_negative(self) -> int | None:
        if self.negative_since is None:
            return None
        return (self.now - self.negative_since).days


def should_hold(facts: CreditFacts) -> bool:
    """R-CH1: below the threshold, or negative for longer than the allowed period."""
    return facts.below_threshold or facts.negative_too_long


def hold_rule_note(facts: CreditFacts) -> str:
    if facts.below_threshold:
        return f"R-CH1 (a): balance {facts.balance} is below the threshold {facts.threshold}"
    return (
        f"R-CH1 (b): balance negative since {facts.negative_since:%Y-%m-%d %H:%M} UTC, longer "
        f"than the allowed {facts.allowed_negative_days} day(s)"
    )


def required_payment_for(facts: CreditFacts) -> Decimal:
    """R-CH4: to 0 when negative longer than P, else to the threshold; never negative."""
    if not should_hold(facts):
        return ZERO
    # After too long in the red the debt is paid off whole; a positive threshold still applies.
    target = max(ZERO, facts.threshold) if facts.negative_too_long else facts.threshold
    return max(ZERO, target - facts.balance)


def credit_facts_of(account, now: datetime) -> CreditFacts:
    """The facts of an account row (anything with the money fields)."""
    return CreditFacts(
        balance=account.balance,
        threshold=account.financial_blocking_threshold,
        negative_since=account.negative_since,
        allowed_negative_days=account.allowed_negative_days,
        now=now,
    )
