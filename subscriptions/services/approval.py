"""R-CH7b: a manager processes a subscription the credit hold left waiting for manual approval."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from accounts.actors import as_actor

from .. import billing_dates, core
from ..models import Subscription
from ..transitions import Action


def approve(subscription: Subscription, *, actor: Any, today: date | None = None) -> Subscription:
    """R-CH7b: a manager returns a subscription waiting for approval to Active or Graced."""
    actor, today = as_actor(actor), core.today_or(today)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.APPROVE, account, actor, sub=sub)
        core.transition(sub, Action.APPROVE, actor=actor, note="R-CH7b approved")
        fields = core.restart_if_lapsed(sub, today)
        if fields:
            sub.save(update_fields=fields)
        billing_dates.sync_next_payment_date(account, actor=actor, note="R-CH7b approved")
    subscription.refresh_from_db()
    return subscription


def deny(subscription: Subscription, *, actor: Any) -> Subscription:
    """R-CH7b: a manager stops a subscription waiting for approval (payment still restores it)."""
    actor = as_actor(actor)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.DENY, account, actor, sub=sub)
        core.transition(sub, Action.DENY, actor=actor, note="R-CH7b denied")
        billing_dates.sync_next_payment_date(account, actor=actor, note="R-CH7b denied")
    subscription.refresh_from_db()
    return subscription
