"""Recurring subscription charges, following the account's back-end status (DESIGN §2), and the
operator's "Bill account" for a Cancelled account (R-E8).

Whether a status bills a subscription is billing's rule (`billing.recurring.is_billed`), read with
the plan in place of a RecurringCharge. A prepaid period is charged when it starts, a postpaid one
when it ends. A period that falls due in an unbilled status is skipped, not billed later — except
on a Cancelled account, where it stays due until an operator bills the account (R-E8) or enables
it (then the periods that ended meanwhile are skipped and billing resumes with the current one).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor, as_actor
from accounts.jobs import isolated
from accounts.models import Account, BackendStatus
from billing.recurring import is_billed

from . import billing_dates, core
from .cancellation import execute_scheduled
from .errors import ActionRefused
from .models import Subscription
from .policy import BILL_ACCOUNT
from .proration import CHARGE, PlannedEntry, opening_charge, paid_change, period_label
from .transitions import Action

S = Subscription.Status
JOB = "subscriptions.tasks.run_subscription_charges"
ZERO = Decimal("0.00")
RENEWED = Actor.system("R-S2")  # who moves the Next Payment date after the run
MSG_BILL_ONLY_CANCELLED = _(
    "“Bill account” is for Cancelled accounts; this account is billed by the recurring run."
)


def _renews(sub: Subscription) -> bool:
    return sub.auto_renew and not sub.trial


def _due_period(sub: Subscription, today: date, billed: bool, counts: dict) -> list:
    """Handle one due billing date; returns entries to post, [] when nothing more is due."""
    plan = sub.plan
    if plan.is_prepaid:
        if sub.next_billing_date == sub.period_end:  # the period is over: open the next one
            if not _renews(sub):
                return []  # expiry is handled by the caller
            core.restart_period(sub, sub.period_end)
        # the open period starts uncharged (opened above, or restored by core.restart_period)
        sub.next_billing_date = sub.period_end
        entries = opening_charge(
            plan.name,
            sub.price if billed else ZERO,
            prepaid=True,
            start=sub.period_start,
            end=sub.period_end,
            on=sub.period_start,
        )
        sub.period_paid = paid_change(entries)
        counts["invoiced" if entries else "skipped"] += 1
        return entries
    # postpaid: bill the period that has just ended, in arrears
    amount = sub.price - sub.period_paid if billed and not sub.trial else ZERO
    ended = (sub.period_start, sub.period_end)
    counts["invoiced" if amount > 0 else "skipped"] += 1
    if _renews(sub):
        core.restart_period(sub, sub.period_end)  # postpaid: due at the new period's end
    else:
        sub.period_paid += max(amount, ZERO)
        sub.next_billing_date = sub.period_end
    if amount <= 0:
        return []
    return [PlannedEntry(CHARGE, -amount, period_label(plan.name, *ended), ended[1])]


def _bill_due(sub: Subscription, today: date, counts: dict, *, force: bool = False) -> list:
    """Bill (or skip) every due period of an Active subscription; save it; return entries."""
    status = sub.account.status_type.backend_status
    entries: list = []
    while sub.status == S.ACTIVE and sub.next_billing_date <= today:
        if status == BackendStatus.CANCELLED and not force:
            break  # stays due for "Bill account" (R-E8)
        if sub.plan.is_prepaid and sub.next_billing_date == sub.period_end and not _renews(sub):
            break
        billed = force or is_billed(status, sub.plan)
        entries += _due_period(sub, today, billed, counts)
        if not _renews(sub) and sub.next_billing_date <= today:
            break
    sub.save(update_fields=core.PERIOD_FIELDS)
    billing_dates.sync_next_payment_date(sub.account_id, actor=RENEWED, note=f"renewed {sub.plan}")
    return entries


def _expire(sub: Subscription, today: date, actor: Actor, counts: dict) -> None:
    """A period that ends without renewal gives Graced; a grace that ends gives Stopped."""
    if sub.status == S.ACTIVE and not _renews(sub) and sub.period_end <= today:
        core.transition(sub, Action.EXPIRE, actor=actor, note=f"period ended {sub.period_end}")
        counts["graced"] += 1
    grace_end = sub.period_end + timedelta(days=sub.plan.grace_days)
    if sub.status == S.GRACED and grace_end <= today:
        core.transition(sub, Action.GRACE_ENDED, actor=actor, note=f"grace ended {grace_end}")
        counts["stopped"] += 1
    if sub.status != S.ACTIVE:  # R-S2: a Graced or Stopped subscription bills nothing more
        billing_dates.sync_next_payment_date(sub.account_id, actor=RENEWED, note=f"{sub} expired")


def _due_ids(today: date) -> list[tuple[int, int]]:
    due = (
        Q(cancel_on__lte=today)
        | Q(status=S.ACTIVE, next_billing_date__lte=today)
        | Q(status__in=[S.ACTIVE, S.GRACED], period_end__lte=today)
    )
    return list(Subscription.objects.filter(due).order_by("pk").values_list("pk", "account_id"))


def run_subscription_charges(today: date) -> dict:
    """Run what is due by `today`: scheduled cancellations, charges, expiry; a rerun does nothing."""
    counts = {"cancelled": 0, "invoiced": 0, "skipped": 0, "graced": 0, "stopped": 0, "failed": 0}
    for pk, account_id in _due_ids(today):
        # One savepoint per subscription: a bad one is recorded and skipped (issue 15, item 3).
        with isolated(JOB, counts, account_id=account_id, item=f"subscription {pk}"):
            _run_due(pk, account_id, today, counts)
    return counts


def _run_due(pk: int, account_id: int, today: date, counts: dict) -> None:
    account, sub = core.lock_both(pk, account_id)
    if sub.cancel_on is not None and sub.cancel_on <= today:
        execute_scheduled(account, sub, today, Actor.system("R-E5"))
        counts["cancelled"] += 1
        return
    entries = _bill_due(sub, today, counts)
    _expire(sub, today, Actor.system("R-B1"), counts)
    core.post_entries(account, entries, Actor.system("R-B1"))


def bill_account(account: Account, *, actor: Any, today: date | None = None) -> list:
    """R-E8 "Bill account": an operator bills the due subscription charges of a Cancelled account."""
    actor, today = as_actor(actor), core.today_or(today)
    counts = {"invoiced": 0, "skipped": 0}
    written: list = []
    with transaction.atomic():
        locked = core.lock_account(account)
        core.guard(BILL_ACCOUNT, locked, actor)
        if locked.status_type.backend_status != BackendStatus.CANCELLED:
            raise ActionRefused(MSG_BILL_ONLY_CANCELLED)
        entries: list = []
        for sub in Subscription.objects.filter(
            account=locked, status=S.ACTIVE, next_billing_date__lte=today
        ).order_by("pk"):
            sub = core.lock(sub)
            sub.account = locked
            entries += _bill_due(sub, today, counts, force=True)
        written = core.post_entries(locked, entries, actor)
    return written


def skip_periods_ended_while_cancelled(account: Account, today: date) -> None:
    """On Enable, periods that ended while the account was Cancelled are skipped (not billed)."""
    for sub in Subscription.objects.filter(account=account, status=S.ACTIVE).order_by("pk"):
        sub = core.lock(sub)
        while sub.period_end <= today and _renews(sub):
            core.restart_period(sub, sub.period_end)
        sub.save(update_fields=core.PERIOD_FIELDS)
    billing_dates.sync_next_payment_date(account, actor=RENEWED, note="enabled")
