"""Managing a running subscription: renew a Graced one, change its plan (upgrade, downgrade).
R-CH8 refuses these to the control panel while the account is on credit hold (policy.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.actors import as_actor

from .. import billing_dates, core
from ..errors import PlanChangeRefused
from ..models import Plan, Subscription
from ..proration import Terms, new_period, opening_charge, paid_change, settle_period
from ..transitions import Action, next_state
from .ordering import MSG_NOT_ORDERABLE, get_plan
from .resources import adjust_to_plan

MSG_CANCEL_PENDING = _(
    "A cancellation is scheduled for {date}; withdraw it before renewing or changing the plan."
)
MSG_SAME_PLAN = _("The subscription is already on the plan “{plan}”.")
MSG_OTHER_SERVICE = _("“{plan}” is a plan for {service}; this subscription is for {current}.")
MSG_OTHER_MODEL = _("“{plan}” is {model}; this subscription is {current}: order it instead.")
MSG_NOT_UPGRADE = _("“{plan}” ({price}) is not an upgrade from {current} ({current_price}).")
MSG_NOT_DOWNGRADE = _("“{plan}” ({price}) is not a downgrade from {current} ({current_price}).")

RESTARTED_FIELDS = [
    "billing_anchor",
    "trial",
    "price",
    "period_start",
    "period_end",
    "next_billing_date",
    "period_paid",
]


def renew(
    subscription: Subscription,
    *,
    actor: Any,
    today: date | None = None,
    await_provisioning: bool = False,
) -> Subscription:
    """Renew a Graced subscription for another period; a trial renewed becomes commercial."""
    actor, today = as_actor(actor), core.today_or(today)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.RENEW, account, actor, sub=sub)
        next_state(sub.status, Action.RENEW)
        _no_cancel_pending(sub)
        plan = sub.plan
        start = sub.period_end
        if new_period(start, plan.period_months, sub.billing_anchor)[1] <= today:
            start = today  # the grace outlasted a whole period: the new one starts now
        start, end, sub.billing_anchor = new_period(start, plan.period_months, sub.billing_anchor)
        entries = opening_charge(
            plan.name, plan.price, prepaid=plan.is_prepaid, start=start, end=end, on=today
        )
        sub.trial, sub.price = False, plan.price
        sub.period_start, sub.period_end, sub.next_billing_date = start, end, end
        sub.period_paid = paid_change(entries)
        sub.save(update_fields=RESTARTED_FIELDS)
        core.begin(sub, Action.RENEW, actor=actor, await_provisioning=await_provisioning)
        # R-G3: a renewal is what the unlock's renewal deadline waits for.
        account_services.clear_renewal_deadline(account, actor=actor, note=f"renewed {plan.name}")
        billing_dates.sync_next_payment_date(account, actor=actor, note=f"renewed {plan.name}")
        core.post_entries(account, entries, actor)
    subscription.refresh_from_db()
    return subscription


def _no_cancel_pending(sub: Subscription) -> None:
    if sub.cancel_on is not None:
        raise PlanChangeRefused(MSG_CANCEL_PENDING.format(date=sub.cancel_on))


def _check_plan_change(sub: Subscription, new: Plan, direction: str) -> None:
    old = sub.plan
    _no_cancel_pending(sub)
    if new.pk == old.pk:
        raise PlanChangeRefused(MSG_SAME_PLAN.format(plan=new.name))
    if not new.orderable:
        raise PlanChangeRefused(MSG_NOT_ORDERABLE.format(plan=new.name))
    if new.service != old.service:
        raise PlanChangeRefused(
            MSG_OTHER_SERVICE.format(plan=new.name, service=new.service, current=old.service)
        )
    if (new.billing_model, new.currency) != (old.billing_model, old.currency):
        raise PlanChangeRefused(
            MSG_OTHER_MODEL.format(
                plan=new.name,
                model=f"{new.get_billing_model_display()} in {new.currency}",
                current=f"{old.get_billing_model_display()} in {old.currency}",
            )
        )
    prices = {"plan": new.name, "price": new.price, "current": old.name}
    prices["current_price"] = sub.price
    if direction == "up" and not new.price > sub.price:
        raise PlanChangeRefused(MSG_NOT_UPGRADE.format(**prices))
    if direction == "down" and not new.price < sub.price:
        raise PlanChangeRefused(MSG_NOT_DOWNGRADE.format(**prices))


def _plan_change_entries(terms: Terms, new: Plan, today: date) -> tuple[list, list, date, date]:
    """The old period settles prorated; the new plan's period starts today (R-E5 proration)."""
    start, end, _anchor = new_period(today, new.period_months)
    opening = opening_charge(
        new.name, new.price, prepaid=new.is_prepaid, start=start, end=end, on=today
    )
    return settle_period(terms, today, "prorated"), opening, start, end


def change_plan(
    subscription: Subscription,
    plan: Plan | int | str,
    *,
    actor: Any,
    today: date | None = None,
    preview: bool = False,
    await_provisioning: bool = False,
    direction: str = "",
):
    """Move an Active subscription to another plan of its service; its period restarts today."""
    actor, today, new = as_actor(actor), core.today_or(today), get_plan(plan)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.CHANGE_PLAN, account, actor, sub=sub)
        next_state(sub.status, Action.CHANGE_PLAN)
        _check_plan_change(sub, new, direction)
        settled, opening, start, end = _plan_change_entries(core.terms_of(sub), new, today)
        if preview:
            return settled + opening
        note = f"{sub.plan.name} → {new.name}"
        adjust_to_plan(sub, new)
        sub.plan, sub.price, sub.trial = new, new.price, False
        sub.period_start, sub.period_end, sub.next_billing_date = start, end, end
        sub.billing_anchor = start  # R-S1: the new plan's periods count from today
        sub.period_paid = paid_change(opening)
        sub.save(update_fields=["plan", *RESTARTED_FIELDS])
        core.begin(
            sub, Action.CHANGE_PLAN, actor=actor, await_provisioning=await_provisioning, note=note
        )
        billing_dates.sync_next_payment_date(account, actor=actor, note=note)
        core.post_entries(account, settled + opening, actor)
    subscription.refresh_from_db()
    return subscription


def upgrade(subscription: Subscription, plan, *, actor: Any, **kwargs):
    """Change to a dearer plan of the same service."""
    return change_plan(subscription, plan, actor=actor, direction="up", **kwargs)


def downgrade(subscription: Subscription, plan, *, actor: Any, **kwargs):
    """Change to a cheaper plan of the same service."""
    return change_plan(subscription, plan, actor=actor, direction="down", **kwargs)
