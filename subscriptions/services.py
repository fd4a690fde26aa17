"""Every write to subscriptions goes through here: guard → lock → check → save → history, and
money last through billing (a charge may start a credit hold whose R-CH7 listener changes
subscriptions in the same transaction, so nothing is saved from a stale copy after it).

Services take `today` for the dates they compute (R-X7); `await_provisioning=True` leaves the
subscription in its transitional status until `complete_operation` (the provider reports back).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.actors import as_actor
from accounts.models import Account
from billing import services as billing

from . import core
from .cancellation import CANCEL_OPTIONS, cancel, withdraw_cancellation
from .charging import bill_account, run_subscription_charges
from .errors import (
    InvalidOption,
    OrderRefused,
    PlanChangeRefused,
    ResourceAlreadyAvailable,
    ResourceUnavailable,
    UnknownPlan,
)
from .models import Plan, Resource, Subscription
from .policy import ORDER, usage_is_billed
from .proration import CHARGE, PlannedEntry, Terms, new_period, settle_period, unused_part
from .transitions import Action, next_state

__all__ = [
    "CANCEL_OPTIONS",
    "ENABLE_OPTIONS",
    "STOP_OPTIONS",
    "activate",
    "approve",
    "bill_account",
    "cancel",
    "change_plan",
    "complete_operation",
    "deny",
    "downgrade",
    "get_plan",
    "order",
    "record_usage",
    "release_resource",
    "renew",
    "run_subscription_charges",
    "stop",
    "upgrade",
    "withdraw_cancellation",
]

S = Subscription.Status
ZERO = Decimal("0.00")
# Suspend (stop) options: the immediate cancel options that keep the subscription (R-E5).
STOP_OPTIONS = {
    "immediately_prorated_refund": "prorated",
    "immediately_full_refund": "full",
    "immediately_no_refund": "none",
}
ENABLE_OPTIONS = ("immediately_full_charge", "immediately_prorated_charge", "immediately_no_charge")

MSG_UNKNOWN_PLAN = _("There is no plan “{plan}”.")
MSG_NOT_ORDERABLE = _("The plan “{plan}” can no longer be ordered.")
MSG_NO_TRIAL = _("The plan “{plan}” has no trial; order it commercially.")
MSG_PLAN_CURRENCY = _(
    "The plan “{plan}” is priced in {plan_currency}; the account is billed in {currency}."
)
MSG_NO_RESOURCES = _("Not enough {kind} resources are available: {needed} needed, {free} free.")
MSG_RELEASED_TWICE = _("{resource} is already Available: it was released before.")
MSG_BAD_OPTION = _("“{option}” is not one of the options: {options}.")
MSG_POSTPAID_ENABLE = _(
    "A postpaid subscription is billed at the end of its period: enable it with no charge."
)
MSG_TRIAL_OVER = _("This trial has ended; renew it or order the plan to continue.")
MSG_CANCEL_PENDING = _(
    "A cancellation is scheduled for {date}; withdraw it before renewing or changing the plan."
)
MSG_SAME_PLAN = _("The subscription is already on the plan “{plan}”.")
MSG_OTHER_SERVICE = _("“{plan}” is a plan for {service}; this subscription is for {current}.")
MSG_OTHER_MODEL = _("“{plan}” is {model}; this subscription is {current}: order it instead.")
MSG_NOT_UPGRADE = _("“{plan}” ({price}) is not an upgrade from {current} ({current_price}).")
MSG_NOT_DOWNGRADE = _("“{plan}” ({price}) is not a downgrade from {current} ({current_price}).")


def get_plan(plan: Plan | int | str) -> Plan:
    """Resolve a plan given as an object, an id or a name; unknown → UnknownPlan."""
    if isinstance(plan, Plan):
        found = Plan.objects.filter(pk=plan.pk).first() if plan.pk else None
    elif isinstance(plan, int) and not isinstance(plan, bool):
        found = Plan.objects.filter(pk=plan).first()
    else:
        found = Plan.objects.filter(name=str(plan)).first()
    if found is None:
        raise UnknownPlan(MSG_UNKNOWN_PLAN.format(plan=plan))
    return found


def _check_option(option: str, options) -> None:
    if option not in options:
        raise InvalidOption(MSG_BAD_OPTION.format(option=option, options=", ".join(options)))


def _allocate(sub: Subscription, kind: str, count: int) -> None:
    if count <= 0:
        return
    free = list(
        Resource.objects.select_for_update(skip_locked=True)
        .filter(kind=kind, status=Resource.Status.AVAILABLE)
        .order_by("identifier")[:count]
    )
    if len(free) < count:
        raise ResourceUnavailable(MSG_NO_RESOURCES.format(kind=kind, needed=count, free=len(free)))
    Resource.objects.filter(pk__in=[r.pk for r in free]).update(
        status=Resource.Status.ALLOCATED, subscription=sub, allocated_at=timezone.now()
    )


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
    if not plan.orderable:
        raise OrderRefused(MSG_NOT_ORDERABLE.format(plan=plan.name))
    if trial and not plan.trial_allowed:
        raise OrderRefused(MSG_NO_TRIAL.format(plan=plan.name))
    with transaction.atomic():
        locked = core.lock_account(account)
        core.guard(ORDER, locked, actor, trial=trial)  # R-CH8: no trial on credit hold
        if plan.currency != locked.currency:
            raise OrderRefused(
                MSG_PLAN_CURRENCY.format(
                    plan=plan.name, plan_currency=plan.currency, currency=locked.currency
                )
            )
        start, end = (
            (today, date.fromordinal(today.toordinal() + plan.trial_days))
            if trial
            else new_period(today, plan.period_months)
        )
        prepaid = plan.billing_model == Plan.BillingModel.PREPAID
        charge = plan.price if prepaid and not trial else ZERO
        sub = Subscription.objects.create(
            account=locked,
            plan=plan,
            status=S.ACTIVATING,
            trial=trial,
            auto_renew=auto_renew,
            price=plan.price,
            period_start=start,
            period_end=end,
            period_paid=charge,
            next_billing_date=end,
        )
        core.record(sub, ORDER, "", actor, note="trial" if trial else "")
        _allocate(sub, plan.resource_kind, plan.resources_included)
        if not await_provisioning:
            core.transition(sub, Action.COMPLETE, actor=actor)
        if not trial:  # R-G3: buying a subscription is a renewal
            account_services.clear_renewal_deadline(
                locked, actor=actor, note=f"ordered {plan.name}"
            )
        if charge:
            entry = PlannedEntry(CHARGE, -charge, f"{plan.name}: {start} to {end}", today)
            core.post_entries(locked, [entry], actor)
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
        start, end = new_period(today, sub.plan.period_months)
        return [], {"period_start": start, "period_end": end, "period_paid": ZERO}
    if option == "immediately_prorated_charge" and running:
        amount = unused_part(terms.billable_price, sub.period_start, sub.period_end, today)
        why = f"{sub.plan.name}: prorated charge from {today} to {sub.period_end}"
        entries = [PlannedEntry(CHARGE, -amount, why, today)] if amount else []
        return entries, {"period_paid": sub.period_paid + amount}
    if option == "immediately_no_charge" and running:
        return [], {}
    start, end = new_period(today, sub.plan.period_months)
    fields = {"period_start": start, "period_end": end, "period_paid": ZERO}
    if option == "immediately_no_charge":
        return [], fields
    price = terms.billable_price
    fields["period_paid"] = price
    return [PlannedEntry(CHARGE, -price, f"{sub.plan.name}: {start} to {end}", today)], fields


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
        sub.period_paid += core.paid_change(entries)
        sub.save(update_fields=["period_paid"])
        core.begin(
            sub, Action.STOP, actor=actor, await_provisioning=await_provisioning, note=option
        )
        core.post_entries(account, entries, actor)
    subscription.refresh_from_db()
    return subscription


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
        if new_period(start, plan.period_months)[1] <= today:
            start = today  # the grace outlasted a whole period: the new one starts now
        start, end = new_period(start, plan.period_months)
        prepaid = plan.billing_model == Plan.BillingModel.PREPAID
        charge = plan.price if prepaid else ZERO
        sub.trial, sub.price = False, plan.price
        sub.period_start, sub.period_end, sub.next_billing_date = start, end, end
        sub.period_paid = charge
        sub.save(
            update_fields=[
                "trial",
                "price",
                "period_start",
                "period_end",
                "next_billing_date",
                "period_paid",
            ]
        )
        core.begin(sub, Action.RENEW, actor=actor, await_provisioning=await_provisioning)
        # R-G3: a renewal is what the unlock's renewal deadline waits for.
        account_services.clear_renewal_deadline(account, actor=actor, note=f"renewed {plan.name}")
        if charge:
            entry = PlannedEntry(CHARGE, -charge, f"{plan.name}: {start} to {end}", today)
            core.post_entries(account, [entry], actor)
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


def _plan_change_entries(terms: Terms, new: Plan, today: date) -> tuple[list, date, date]:
    """The old period settles prorated; the new plan's period starts today (R-E5 proration)."""
    entries = settle_period(terms, today, "prorated")
    start, end = new_period(today, new.period_months)
    if terms.prepaid and new.price:
        entries.append(PlannedEntry(CHARGE, -new.price, f"{new.name}: {start} to {end}", today))
    return entries, start, end


def _adjust_resources(sub: Subscription, new: Plan) -> None:
    held = list(sub.resources.select_for_update().order_by("-identifier"))
    kind = new.resource_kind or (held[0].kind if held else "")
    surplus = held[: max(0, len(held) - new.resources_included)]
    for resource in surplus:
        _release(resource)
    _allocate(sub, kind, new.resources_included - len(held))


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
        entries, start, end = _plan_change_entries(core.terms_of(sub), new, today)
        if preview:
            return entries
        note = f"{sub.plan.name} → {new.name}"
        _adjust_resources(sub, new)
        prepaid = new.billing_model == Plan.BillingModel.PREPAID
        sub.plan, sub.price, sub.trial = new, new.price, False
        sub.period_start, sub.period_end, sub.next_billing_date = start, end, end
        sub.period_paid = new.price if prepaid else ZERO
        sub.save(
            update_fields=[
                "plan",
                "price",
                "trial",
                "period_start",
                "period_end",
                "next_billing_date",
                "period_paid",
            ]
        )
        core.begin(
            sub, Action.CHANGE_PLAN, actor=actor, await_provisioning=await_provisioning, note=note
        )
        core.post_entries(account, entries, actor)
    subscription.refresh_from_db()
    return subscription


def upgrade(subscription: Subscription, plan, *, actor: Any, **kwargs):
    """Change to a dearer plan of the same service."""
    return change_plan(subscription, plan, actor=actor, direction="up", **kwargs)


def downgrade(subscription: Subscription, plan, *, actor: Any, **kwargs):
    """Change to a cheaper plan of the same service."""
    return change_plan(subscription, plan, actor=actor, direction="down", **kwargs)


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
    subscription.refresh_from_db()
    return subscription


def deny(subscription: Subscription, *, actor: Any) -> Subscription:
    """R-CH7b: a manager stops a subscription waiting for approval (payment still restores it)."""
    actor = as_actor(actor)
    with transaction.atomic():
        account, sub = core.lock_both(subscription)
        core.guard(Action.DENY, account, actor, sub=sub)
        core.transition(sub, Action.DENY, actor=actor, note="R-CH7b denied")
    subscription.refresh_from_db()
    return subscription


def _release(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(
        status=Resource.Status.AVAILABLE, subscription=None, released_at=timezone.now()
    )


def release_resource(resource: Resource, *, actor: Any) -> Resource:
    """Return an Allocated resource to the pool (Allocated → Available); twice is refused."""
    actor = as_actor(actor)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.status == Resource.Status.AVAILABLE:
            raise ResourceAlreadyAvailable(MSG_RELEASED_TWICE.format(resource=locked))
        sub = locked.subscription
        _release(locked)
        core.record(sub, "release_resource", sub.status, actor, note=f"{locked} released")
    resource.refresh_from_db()
    return resource


def record_usage(subscription: Subscription, amount, *, description: str, actor: Any):
    """Post usage to the account when its status bills usage (DESIGN §2, R-E6); else None."""
    actor = as_actor(actor)
    value = billing.parse_amount(amount)
    account = Account.objects.select_related("status_type").get(pk=subscription.account_id)
    policy = billing.policy_for(account)
    if not usage_is_billed(account.status_type.backend_status, policy.suspended_pays_usage):
        return None
    return billing.post_usage(
        account, value, description=f"{subscription.plan.name}: {description}", actor=actor
    )
