"""Ordering a plan (R-CH8: no trial on credit hold) and completing a provisioned operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import arguments
from accounts import services as account_services
from accounts.actors import as_actor
from accounts.models import Account

from .. import billing_dates, core, pool
from ..errors import OrderRefused, UnknownPlan
from ..models import Plan, Subscription
from ..policy import ORDER
from ..proration import ZERO, new_period, opening_charge, paid_change
from ..transitions import Action

S = Subscription.Status
MSG_UNKNOWN_PLAN = _("There is no plan “{plan}”.")
MSG_NOT_ORDERABLE = _("The plan “{plan}” can no longer be ordered.")
MSG_NO_TRIAL = _("The plan “{plan}” has no trial; order it commercially.")
MSG_PLAN_CURRENCY = _(
    "The plan “{plan}” is priced in {plan_currency}; the account is billed in {currency}."
)


def get_plan(plan: Plan | int | str) -> Plan:
    """Resolve a plan given as an object, an id or a name; unknown → UnknownPlan."""
    arguments.lookup(plan, "The plan", error=UnknownPlan)  # issue 15
    if isinstance(plan, Plan):
        found = Plan.objects.filter(pk=plan.pk).first() if plan.pk else None
    elif isinstance(plan, int) and not isinstance(plan, bool):
        found = Plan.objects.filter(pk=plan).first()
    else:
        found = Plan.objects.filter(name=str(plan)).first()
    if found is None:
        raise UnknownPlan(MSG_UNKNOWN_PLAN.format(plan=plan))
    return found


def _refuse_unorderable(plan: Plan, *, trial: bool) -> None:
    if not plan.orderable:
        raise OrderRefused(MSG_NOT_ORDERABLE.format(plan=plan.name))
    if trial and not plan.trial_allowed:
        raise OrderRefused(MSG_NO_TRIAL.format(plan=plan.name))


def _refuse_other_currency(plan: Plan, account: Account) -> None:
    if plan.currency != account.currency:
        raise OrderRefused(
            MSG_PLAN_CURRENCY.format(
                plan=plan.name, plan_currency=plan.currency, currency=account.currency
            )
        )


def first_period(plan: Plan, *, trial: bool, today: date) -> tuple[date, date, list]:
    """(start, end, entries written now) of an order's first period: a trial runs its days
    free; a commercial period counts whole months from today (R-S1) and a prepaid one is
    charged in full now (proration.opening_charge). The order and its quote both read it."""
    start, end = (
        (today, date.fromordinal(today.toordinal() + plan.trial_days))
        if trial
        else new_period(today, plan.period_months)[:2]
    )
    price = ZERO if trial else plan.price
    entries = opening_charge(
        plan.name, price, prepaid=plan.is_prepaid, start=start, end=end, on=today
    )
    return start, end, entries


@dataclass(frozen=True)
class OrderQuote:
    """What an order would do, before it is confirmed: the period, the price per period, what
    is charged now (prepaid) and what is charged at the period's end (postpaid, in arrears)."""

    plan: Plan
    trial: bool
    start: date
    end: date
    entries: list
    balance_before: Decimal

    @property
    def charged_now(self) -> Decimal:
        return paid_change(self.entries)

    @property
    def charged_at_end(self) -> Decimal:
        """A postpaid commercial period is billed in arrears on its last day (charging.py)."""
        return ZERO if self.trial or self.plan.is_prepaid else self.plan.price

    @property
    def balance_after(self) -> Decimal:
        return self.balance_before - self.charged_now


def quote_order(
    account: Account, plan: Plan | int | str, *, trial: bool = False, today: date | None = None
) -> OrderQuote:
    """The quote of order(account, plan, trial=…) today, refused for the same plan reasons;
    nothing is written. The status rules (R-CH8) are checked when the order is confirmed."""
    today, plan = core.today_or(today), get_plan(plan)
    arguments.flag(trial, "Trial", error=OrderRefused)
    _refuse_unorderable(plan, trial=trial)
    _refuse_other_currency(plan, account)
    start, end, entries = first_period(plan, trial=trial, today=today)
    return OrderQuote(plan, trial, start, end, entries, account.balance)


def order(
    account: Account,
    plan: Plan | int | str,
    *,
    actor: Any,
    trial: bool = False,
    today: date | None = None,
    auto_renew: bool = True,
    await_provisioning: bool = False,
) -> Subscription:
    """Order a plan for an account; a prepaid commercial order is charged its first period."""
    actor, today, plan = as_actor(actor), core.today_or(today), get_plan(plan)
    arguments.flag(trial, "Trial", error=OrderRefused)  # issue 15
    arguments.flag(auto_renew, "Automatic renewal", error=OrderRefused)
    _refuse_unorderable(plan, trial=trial)
    with transaction.atomic():
        locked = core.lock_account(account)
        core.guard(ORDER, locked, actor, trial=trial)  # R-CH8: no trial on credit hold
        _refuse_other_currency(plan, locked)
        start, end, entries = first_period(plan, trial=trial, today=today)
        sub = Subscription.objects.create(
            account=locked,
            plan=plan,
            status=S.ACTIVATING,
            trial=trial,
            auto_renew=auto_renew,
            price=plan.price,
            period_start=start,
            period_end=end,
            period_paid=paid_change(entries),
            next_billing_date=end,
            billing_anchor=start,  # R-S1: periods count from the first day
        )
        core.record(sub, ORDER, "", actor, note="trial" if trial else "")
        pool.allocate(sub, plan.resource_kind, plan.resources_included)
        if not await_provisioning:
            core.transition(sub, Action.COMPLETE, actor=actor)
        if not trial:  # R-G3: buying a subscription is a renewal
            account_services.clear_renewal_deadline(
                locked, actor=actor, note=f"ordered {plan.name}"
            )
        billing_dates.sync_next_payment_date(locked, actor=actor, note=f"ordered {plan.name}")
        core.post_entries(locked, entries, actor)
    sub.refresh_from_db()
    return sub


def complete_operation(subscription: Subscription, *, actor: Any) -> Subscription:
    """Finish the operation in progress (the provider reports it done): transitional → stable."""
    actor = as_actor(actor)
    with transaction.atomic():
        _account, sub = core.lock_both(subscription)
        core.transition(sub, Action.COMPLETE, actor=actor)
    subscription.refresh_from_db()
    return subscription
