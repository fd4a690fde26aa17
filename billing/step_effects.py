"""A dunning step's effect on the account's subscriptions (R-D6; Kill Bill's IMMEDIATE and
END_OF_TERM): none, cancel at once with a prorated credit, or cancel at the end of the period;
a step to a cancelled status (Terminated, R-D3) always cancels them.

Billing may not import subscriptions (the layers point down), so subscriptions registers a
listener here in its AppConfig.ready(), the way apps register with accounts.lifecycle. Both ladder
paths (models and rows) call `apply` from record_steps with the steps they just recorded, inside
the sweep's transaction: the cancellations commit or roll back with the steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .dunning import CANCEL_NOW, NO_EFFECT, subscription_effect


@dataclass(frozen=True)
class EffectRequest:
    """Cancel the live subscriptions of `account_id` (`effect`: cancel_now | cancel_period_end)."""

    account_id: int
    effect: str
    rule_id: str
    note: str


Listener = Callable[[list[EffectRequest], date], None]
_listeners: list[Listener] = []

# When one sweep passes several steps of an account, the strongest effect wins.
STRENGTH = {NO_EFFECT: 0, "cancel_period_end": 1, CANCEL_NOW: 2}


def on_subscription_effect(listener: Listener) -> Listener:
    """Register `listener(requests, today)`, called with the effects of the steps just recorded."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def requests_for(entered: list[tuple[int, object, date]]) -> list[EffectRequest]:
    """One request per account: the strongest effect of the steps it just passed."""
    best: dict[int, EffectRequest] = {}
    for account_id, step, _day in entered:
        effect = subscription_effect(step.subscription_effect, step.status_type.backend_status)
        if effect == NO_EFFECT:
            continue
        held = best.get(account_id)
        if held is None or STRENGTH[effect] > STRENGTH[held.effect]:
            note = f"dunning step {step.position} ({step.status_type.name}): {effect}"
            best[account_id] = EffectRequest(account_id, effect, step.rule_id or "R-D6", note)
    return [best[pk] for pk in sorted(best)]


def apply(entered: list[tuple[int, object, date]], today: date) -> None:
    """Hand the new steps' subscription effects to the registered listeners."""
    requests = requests_for(entered)
    if not requests:
        return
    for listener in list(_listeners):
        listener(requests, today)
