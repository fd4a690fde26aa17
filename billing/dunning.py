"""The dunning ladder as data and a pure step_for(): which step the dates call for (R-X3).

No ORM, no clock: the sweep gathers the facts, this module says where the account belongs.

A step holds when every condition it sets holds (R-D5): its balance or days-past-due condition,
at least N overdue items, a total overdue of at least an amount. Each condition has held since a
day; the step's "for N days" counts from the latest of them (and never from before a restart or
an exemption's end, R-X2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from .open_items import Item, overdue_amount, overdue_amount_since, overdue_count_since

CENT = Decimal("0.01")
CANCEL_NOW = "cancel_now"
NO_EFFECT = "none"


@dataclass(frozen=True)
class Step:
    id: int
    position: int
    condition: str  # "" | days_past_due | below_threshold | credit_exhausted
    days: int
    min_overdue_items: int | None = None
    min_overdue_amount: Decimal | None = None

    @property
    def reads_items(self) -> bool:
        """True when the step needs the account's open items, not only its anchor."""
        return bool(self.min_overdue_items or self.min_overdue_amount)


def step_of(step) -> Step:
    """A DunningStep (or anything with its fields) as the pure ladder reads it."""
    return Step(
        step.pk,
        step.position,
        step.condition,
        step.days,
        step.min_overdue_items,
        step.min_overdue_amount,
    )


def reads_items(step) -> bool:
    """True when a DunningStep needs the account's open items, not only its anchor (R-D5 item
    and amount conditions, R-D6 percentage fee)."""
    return bool(step.min_overdue_items or step.min_overdue_amount or step.fee_percent is not None)


@dataclass(frozen=True)
class DunningFacts:
    today: date
    anchor_due_date: date | None  # due date of the earliest unpaid item, counted from `starts`
    balance: Decimal
    threshold: Decimal
    negative_since: date | None
    items: tuple[Item, ...] = ()  # open items (due date, outstanding), when the ladder reads them
    not_before: date | None = None  # the latest restart or exemption end (R-X2)


def counted_from(day: date | None, *starts: date | None) -> date | None:
    """A condition's start, counted no earlier than a restart (back to Active) or the end of an
    exemption (R-X2): the customer then gets each step in turn, not all at once."""
    if day is None:
        return None
    for start in starts:  # max() of the ones set, without a list per call (the sweep's hot path)
        if start is not None and start > day:
            day = start
    return day


def ladder_facts(
    today: date,
    anchor: date | None,
    balance: Decimal,
    threshold: Decimal,
    negative_since: date | None,
    starts: tuple[date | None, ...] = (),
    items: tuple[Item, ...] = (),
) -> DunningFacts:
    """The facts the ladder reads, each date counted from the latest of `starts`."""
    present = [s for s in starts if s is not None]
    return DunningFacts(
        today=today,
        anchor_due_date=counted_from(anchor, *starts),
        balance=balance,
        threshold=threshold,
        negative_since=counted_from(negative_since, *starts),
        items=items,
        not_before=max(present) if present else None,
    )


def _balance_since(step: Step, facts: DunningFacts) -> tuple[bool, date | None]:
    """(holds, since) of the step's own condition field; since None = no condition set."""
    if step.condition == "days_past_due":
        return facts.anchor_due_date is not None, facts.anchor_due_date
    if step.condition == "below_threshold":
        return facts.balance < facts.threshold, facts.negative_since or facts.today
    if step.condition == "credit_exhausted":
        return facts.balance <= 0, facts.negative_since or facts.today
    return True, None


def condition_since(step: Step, facts: DunningFacts) -> date | None:
    """The day from which all the step's conditions have held, or None when one does not hold
    (or the step sets none)."""
    holds, since = _balance_since(step, facts)
    if not holds:
        return None
    if step.min_overdue_items or step.min_overdue_amount:  # most steps set no item condition
        for day in _item_days(step, facts):
            if day is None:
                return None
            since = day if since is None or day > since else since
    if since is None:
        return None
    return since if facts.not_before is None or since >= facts.not_before else facts.not_before


def _item_days(step: Step, facts: DunningFacts) -> list[date | None]:
    """Since when the step's item conditions have held (None: one does not)."""
    days = []
    if step.min_overdue_items:
        days.append(overdue_count_since(facts.items, step.min_overdue_items, facts.today))
    if step.min_overdue_amount:
        days.append(overdue_amount_since(facts.items, step.min_overdue_amount, facts.today))
    return days


def due_on(step: Step, facts: DunningFacts) -> date | None:
    since = condition_since(step, facts)
    return None if since is None else since + timedelta(days=step.days)


_position = attrgetter("position")


def _due_days(steps: list[Step], facts: DunningFacts) -> list[tuple[Step, date]]:
    """Each step whose conditions have held for its N days by `today`, with its due day, in
    ladder order (each step's conditions evaluated once: the sweep's hot path)."""
    due = []
    for step in sorted(steps, key=_position):
        day = due_on(step, facts)
        if day is not None and day <= facts.today:
            due.append((step, day))
    return due


def step_for(steps: list[Step], facts: DunningFacts) -> tuple[Step, date] | None:
    """The furthest step whose conditions have held for its N days by `today`, with its due day."""
    due = _due_days(steps, facts)
    return due[-1] if due else None


def passed_steps(
    steps: list[Step], facts: DunningFacts, current_position: int
) -> list[tuple[Step, date]]:
    """Every step after `current_position` up to the one the dates call for whose conditions
    hold — applied only on this edge, so a rerun finds nothing new, and an outage skips none
    (R-X3). A step whose conditions never held (a credit-limit step for an account in credit)
    was not passed: it is not recorded, and charges no fee."""
    return [
        (step, day) for step, day in _due_days(steps, facts) if step.position > current_position
    ]


def step_fee(
    fee: Decimal, percent: Decimal | None, cap: Decimal | None, overdue: Decimal
) -> Decimal:
    """R-D6: a fixed fee, or `percent` of the overdue amount rounded half-up to the cent and
    limited to `cap` (1.5% capped at 25.00: 25.00 on 2,000.00 overdue, 1.50 on 100.00)."""
    if percent is None:
        return fee
    amount = (max(overdue, Decimal("0")) * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount if cap is None else min(amount, cap)


def overdue_on(facts: DunningFacts, day: date) -> Decimal:
    """What the account's overdue items owe on `day` (a percentage fee's base, R-D6)."""
    return overdue_amount(facts.items, day)


def subscription_effect(effect: str, backend_status: str) -> str:
    """R-D6: the step's effect on the subscriptions; a step to a cancelled status (Terminated,
    R-D3) always cancels them — at once unless it says at period end."""
    if backend_status == "cancelled" and effect == NO_EFFECT:
        return CANCEL_NOW
    return effect
