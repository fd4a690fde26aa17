"""The dunning ladder as data and a pure step_for(): which step the dates call for (R-X3).

No ORM, no clock: the sweep gathers the facts, this module says where the account belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Step:
    id: int
    position: int
    condition: str  # days_past_due | below_threshold | credit_exhausted
    days: int


@dataclass(frozen=True)
class DunningFacts:
    today: date
    anchor_due_date: date | None  # due date of the earliest unpaid invoice
    balance: Decimal
    threshold: Decimal
    negative_since: date | None


def counted_from(day: date | None, *starts: date | None) -> date | None:
    """A condition's start, counted no earlier than a restart (back to Active) or the end of an
    exemption (R-X2): the customer then gets each step in turn, not all at once."""
    if day is None:
        return None
    return max([day, *(s for s in starts if s is not None)])


def ladder_facts(
    today: date,
    anchor: date | None,
    balance: Decimal,
    threshold: Decimal,
    negative_since: date | None,
    starts: tuple[date | None, ...] = (),
) -> DunningFacts:
    """The facts the ladder reads, each date counted from the latest of `starts`."""
    return DunningFacts(
        today=today,
        anchor_due_date=counted_from(anchor, *starts),
        balance=balance,
        threshold=threshold,
        negative_since=counted_from(negative_since, *starts),
    )


def condition_since(step: Step, facts: DunningFacts) -> date | None:
    """The day from which the step's condition has held, or None when it does not hold."""
    if step.condition == "days_past_due":
        return facts.anchor_due_date
    if step.condition == "below_threshold" and facts.balance < facts.threshold:
        return facts.negative_since or facts.today
    if step.condition == "credit_exhausted" and facts.balance <= 0:
        return facts.negative_since or facts.today
    return None


def due_on(step: Step, facts: DunningFacts) -> date | None:
    since = condition_since(step, facts)
    return None if since is None else since + timedelta(days=step.days)


def step_for(steps: list[Step], facts: DunningFacts) -> tuple[Step, date] | None:
    """The furthest step whose condition has held for its N days by `today`, with its due day."""
    found = None
    for step in sorted(steps, key=lambda s: s.position):
        day = due_on(step, facts)
        if day is not None and day <= facts.today:
            found = (step, day)
    return found


def passed_steps(
    steps: list[Step], facts: DunningFacts, current_position: int
) -> list[tuple[Step, date]]:
    """Every step after `current_position` up to the one the dates call for — applied only on
    this edge, so a rerun finds nothing new, and an outage skips none (R-X3)."""
    target = step_for(steps, facts)
    if target is None or target[0].position <= current_position:
        return []
    passed = []
    for step in sorted(steps, key=lambda s: s.position):
        if current_position < step.position <= target[0].position:
            passed.append((step, due_on(step, facts) or target[1]))
    return passed
