"""Enable and Suspend (R-E5): activate a stopped subscription, stop a running one, each with the
options that say what happens to the money; `preview=True` writes nothing (R-X5)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actors import as_actor

from .. import billing_dates, core
from ..cancellation import SETTLES_NOW
from ..errors import InvalidOption
from ..models import Subscription
from ..proration import (
    CHARGE,
    ZERO,
    PlannedEntry,
    new_period,
    opening_charge,
    paid_change,
    settle_period,
    unused_part,
)
from ..transitions import Action, next_state

# Suspend (stop) options: the immediate cancel options that keep the subscription (R-E5); they
# settle the period exactly as the cancel options of the same name do.
STOP_OPTIONS = SETTLES_NOW
ENABLE_OPTIONS = ("immediately_full_charge", "immediately_prorated_charge", "immediately_no_charge")

MSG_BAD_OPTION = _("“{option}” is not one of the options: {options}.")
MSG_POSTPAID_ENABLE = _(
    "A postpaid subscription is billed at the end of its period: enable it with no charge."
)
MSG_TRIAL_OVER = _("This trial has ended; renew it or order the plan to continue.")


def _check_option(option: str, options) -> None:
    if option not in options:
        raise InvalidOption(MSG_BAD_OPTION.format(option=option, options=", ".join(options)))


def _activation(sub: Subscription, option: str | None, today: date) -> tuple[list, dict]:
    """The entries and period an Enable option implies (R-E5 Enable options)."""
    terms = core.terms_of(sub)
    running = sub.period_end > today
    if option is None:  # resume: free inside a paid running period, else a new charged period
        option = "immediately_no_charge" if running else "immediately_full_charge"
    _check_option(option, ENABLE_OPTIONS)
    if sub.trial:
        if not running:
            raise InvalidOption(MSG_TRIAL_OVER)
        option = "immediately_no_charge"
    if not terms.prepaid:
        if option != "immediately_no_charge":
            raise InvalidOption(MSG_POSTPAID_ENABLE)
        start, end, anchor = new_period(today, sub.plan.period_months, sub.billing_anchor)
        return [], {
            "period_start": start,
            "period_end": end,
            "billing_anchor": anchor,
            "period_paid": ZERO,
        }
    if option == "immediately_prorated_charge" and running:
        amount = unused_part(terms.billable_price, sub.period_start, sub.period_end, today)
        why = f"{sub.plan.name}: prorated charge from {today} to {sub.period_end}"
        entries = [PlannedEntry(CHARGE, -amount, why, today)] if amount else []
        return entries, {"period_paid": sub.period_paid + amount}
    if option == "immediately_no_charge" and running:
        return [], {}
    start, end, anchor = new_period(today, sub.plan.period_months, sub.billing_anchor)
    fields = {"period_start": start, "period_end": end, "billing_anchor": anchor}
    fields["period_paid"] = ZERO
    if option == "immediately_no_charge":
        return [], fields
    entries = opening_charge(
        sub.plan.name, terms.billable_price, prepaid=True, start=start, end=end, on=today
    )
    fields["period_paid"] = paid_change(entries)
    return entries, fields


def activate(
    subscription: Subscription,
    *,
    actor: Any,
    option: str | None = None,
    today: date | None = None,
    preview: bool = False,
    await_provisioning: bool = False,
):
    """Activate (Enable) a stopped subscription with an Enable option; preview writes nothing."""
    actor, today = as_actor(actor), core.today_or(today)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.ACTIVATE, account, actor, sub=sub)  # R-CH8: top up first
        next_state(sub.status, Action.ACTIVATE)
        entries, fields = _activation(sub, option, today)
        if preview:
            return entries
        for name, value in fields.items():
            setattr(sub, name, value)
        sub.next_billing_date = sub.period_end
        sub.save(update_fields=[*fields, "next_billing_date"])
        core.begin(sub, Action.ACTIVATE, actor=actor, await_provisioning=await_provisioning)
        billing_dates.sync_next_payment_date(account, actor=actor, note=f"activated {sub.plan}")
        core.post_entries(account, entries, actor)
    subscription.refresh_from_db()
    return subscription


def stop(
    subscription: Subscription,
    *,
    actor: Any,
    option: str = "immediately_no_refund",
    today: date | None = None,
    preview: bool = False,
    await_provisioning: bool = False,
):
    """Stop (Suspend) a subscription with a Suspend option; preview writes nothing."""
    actor, today = as_actor(actor), core.today_or(today)
    _check_option(option, STOP_OPTIONS)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.STOP, account, actor, sub=sub)
        next_state(sub.status, Action.STOP)
        entries = settle_period(core.terms_of(sub), today, STOP_OPTIONS[option])
        if preview:
            return entries
        sub.period_paid += paid_change(entries)
        sub.save(update_fields=["period_paid"])
        core.begin(
            sub, Action.STOP, actor=actor, await_provisioning=await_provisioning, note=option
        )
        billing_dates.sync_next_payment_date(account, actor=actor, note=f"stopped {sub.plan}")
        core.post_entries(account, entries, actor)
    subscription.refresh_from_db()
    return subscription
