"""Cancellation with the six options of R-E5, scheduled or at once, with a preview (R-X5).

The entries an option implies are computed by one function for the preview, the immediate commit
and the scheduled run, so what the operator is shown is what is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor, as_actor

from . import billing_dates, core, pool
from .errors import InvalidDateForOption, InvalidOption, NothingScheduled, SubscriptionsError
from .models import Resource, Subscription
from .proration import PlannedEntry, paid_change, settle_period
from .transitions import Action, next_state

IMMEDIATELY_PRORATED_REFUND = "immediately_prorated_refund"
IMMEDIATELY_FULL_REFUND = "immediately_full_refund"
IMMEDIATELY_NO_REFUND = "immediately_no_refund"
PERIOD_END = "period_end"
SPECIFIC_DATE_PRORATED_REFUND = "specific_date_prorated_refund"
IMMEDIATELY_PRORATED_AS_OF_DATE = "immediately_prorated_as_of_date"
CANCEL_OPTIONS = (
    IMMEDIATELY_PRORATED_REFUND,
    IMMEDIATELY_FULL_REFUND,
    IMMEDIATELY_NO_REFUND,
    PERIOD_END,
    SPECIFIC_DATE_PRORATED_REFUND,
    IMMEDIATELY_PRORATED_AS_OF_DATE,
)
TAKES_A_DATE = (SPECIFIC_DATE_PRORATED_REFUND, IMMEDIATELY_PRORATED_AS_OF_DATE)
# How the immediate options settle the period (proration.settle_period's `how`); Suspend offers
# the same three options and reads them from here (R-E5).
SETTLES_NOW = {
    IMMEDIATELY_PRORATED_REFUND: "prorated",
    IMMEDIATELY_FULL_REFUND: "full",
    IMMEDIATELY_NO_REFUND: "none",
}

MSG_BAD_OPTION = _("“{option}” is not a cancel option; the options are: {options}.")
MSG_DATE_REQUIRED = _("The option “{option}” needs a date.")
MSG_NO_DATE = _("The option “{option}” takes no date; choose a dated option instead.")
MSG_NOT_A_DATE = _("“{value}” is not a date.")
MSG_PAST_DATE = _("The cancellation date {date} is in the past; choose today or a later date.")
MSG_AFTER_PERIOD = _(
    "The cancellation date {date} is after the current period ends ({end}); "
    "choose “Period end” or a date up to {end}."
)
MSG_OUTSIDE_PERIOD = _(
    "The “as of” date {date} must fall within the current period, {start} to {end}."
)
MSG_ALREADY_SCHEDULED = _(
    "A cancellation is already scheduled for {date}; withdraw it before choosing another."
)
MSG_NOTHING_SCHEDULED = _("No cancellation is scheduled for this subscription.")


@dataclass
class CancelOutcome:
    """What a committed cancel did: the ledger entries written now and when it takes effect."""

    subscription: Subscription
    effective_on: date
    scheduled: bool
    entries: list = field(default_factory=list)


def check_option(option: str, on_date: Any, today: date) -> date | None:
    """Refuse an unknown option or a missing, extra or past date; return the option's date."""
    # Checks that hold whatever the subscription: cancel_account (account_actions.py) runs them
    # once for the account, _validate adds the ones that read the subscription's period.
    if option not in CANCEL_OPTIONS:
        raise InvalidOption(MSG_BAD_OPTION.format(option=option, options=", ".join(CANCEL_OPTIONS)))
    if option not in TAKES_A_DATE:
        if on_date is not None:
            raise InvalidDateForOption(MSG_NO_DATE.format(option=option))
        return None
    if on_date is None:
        raise InvalidDateForOption(MSG_DATE_REQUIRED.format(option=option))
    if not isinstance(on_date, date):
        raise InvalidDateForOption(MSG_NOT_A_DATE.format(value=on_date))
    if option == SPECIFIC_DATE_PRORATED_REFUND and on_date < today:
        raise InvalidDateForOption(MSG_PAST_DATE.format(date=on_date))
    return on_date


def _validate(sub: Subscription, option: str, on_date: Any, today: date) -> date | None:
    on_date = check_option(option, on_date, today)
    if option == SPECIFIC_DATE_PRORATED_REFUND and on_date > sub.period_end:
        raise InvalidDateForOption(MSG_AFTER_PERIOD.format(date=on_date, end=sub.period_end))
    if option == IMMEDIATELY_PRORATED_AS_OF_DATE and not (
        sub.period_start <= on_date <= sub.period_end
    ):
        raise InvalidDateForOption(
            MSG_OUTSIDE_PERIOD.format(date=on_date, start=sub.period_start, end=sub.period_end)
        )
    return on_date


def takes_effect(option: str, on_date: date | None, today: date, period_end: date) -> date:
    """The day an option cancels a subscription whose period ends on `period_end` (R-E5)."""
    # cancel_account (account_actions.py) reads it too: the account goes with its last one.
    if option == PERIOD_END:
        return max(period_end, today)
    if option == SPECIFIC_DATE_PRORATED_REFUND:
        return on_date
    return today  # the immediate options, the "as of" one included


def plan_cancel(
    sub: Subscription, option: str, on_date: date | None, today: date
) -> tuple[date, list[PlannedEntry]]:
    """When the cancellation takes effect and the ledger entries it implies (R-E5)."""
    terms = core.terms_of(sub)
    effective = takes_effect(option, on_date, today, sub.period_end)
    if option in SETTLES_NOW:
        return effective, settle_period(terms, today, SETTLES_NOW[option])
    if option == PERIOD_END:
        return effective, settle_period(terms, sub.period_end, "none", booked=effective)
    if option == SPECIFIC_DATE_PRORATED_REFUND:
        return effective, settle_period(terms, on_date, "prorated")
    # IMMEDIATELY_PRORATED_AS_OF_DATE: cancelled now, prorated as of the date given
    return effective, settle_period(terms, on_date, "prorated", booked=today)


def cancel(
    subscription: Subscription,
    *,
    option: str,
    actor: Any,
    on_date: date | None = None,
    preview: bool = False,
    today: date | None = None,
    await_provisioning: bool = False,
):
    """Cancel with an R-E5 option; preview=True writes nothing and returns the planned entries."""
    actor, today = as_actor(actor), core.today_or(today)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        on_date = _validate(sub, option, on_date, today)
        core.guard(Action.CANCEL, account, actor, sub=sub)
        next_state(sub.status, Action.CANCEL)
        if sub.cancel_on is not None:
            raise SubscriptionsError(MSG_ALREADY_SCHEDULED.format(date=sub.cancel_on))
        effective, entries = plan_cancel(sub, option, on_date, today)
        if preview:
            return entries
        if effective > today:
            sub.cancel_on, sub.cancel_option = effective, option
            sub.save(update_fields=["cancel_on", "cancel_option"])
            core.record(sub, "schedule_cancel", sub.status, actor, note=f"{option} on {effective}")
            outcome = CancelOutcome(sub, effective, scheduled=True)
        else:
            written = _execute(account, sub, option, entries, actor, await_provisioning)
            outcome = CancelOutcome(sub, effective, scheduled=False, entries=written)
        billing_dates.sync_next_payment_date(account, actor=actor, note=f"cancel: {option}")
    subscription.refresh_from_db()
    outcome.subscription = subscription
    return outcome


def _execute(account, sub, option, entries, actor: Actor, await_provisioning=False) -> list:
    """Cancel now: status, resources (Allocated → Available at once), then the money."""
    sub.cancel_on, sub.cancel_option = None, ""
    sub.period_paid += paid_change(entries)
    sub.save(update_fields=["cancel_on", "cancel_option", "period_paid"])
    core.begin(sub, Action.CANCEL, actor=actor, await_provisioning=await_provisioning, note=option)
    released = pool.release(Resource.objects.filter(subscription=sub))
    if released:
        core.record(sub, "release_resources", sub.status, actor, note=f"{released} released")
    return core.post_entries(account, entries, actor)


def execute_scheduled(account, sub: Subscription, today: date, actor: Actor) -> list:
    """Run a due scheduled cancellation (period end or specific date) on its own date."""
    on = sub.cancel_on
    option = sub.cancel_option
    on_date = on if option == SPECIFIC_DATE_PRORATED_REFUND else None
    _effective, entries = plan_cancel(sub, option, on_date, on)
    written = _execute(account, sub, option, entries, actor)
    billing_dates.sync_next_payment_date(account, actor=actor, note=f"cancelled: {option}")
    return written


def withdraw_cancellation(subscription: Subscription, *, actor: Any) -> Subscription:
    """Withdraw a scheduled cancellation before it runs (R-X5)."""
    actor = as_actor(actor)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.CANCEL, account, actor, sub=sub)
        if sub.cancel_on is None:
            raise NothingScheduled(MSG_NOTHING_SCHEDULED)
        note = f"withdrew {sub.cancel_option} on {sub.cancel_on}"
        sub.cancel_on, sub.cancel_option = None, ""
        sub.save(update_fields=["cancel_on", "cancel_option"])
        core.record(sub, "withdraw_cancel", sub.status, actor, note=note)
        billing_dates.sync_next_payment_date(account, actor=actor, note=note)
    subscription.refresh_from_db()
    return subscription
