"""Subscriptions' reactions to account status changes, registered in SubscriptionsConfig.ready().

accounts.lifecycle calls `follow_account_status` inside the transaction of every status change, so
R-CH7 and R-CH9 commit or roll back with the change that caused them.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Account, BackendStatus, StatusChange

from . import core
from .charging import skip_periods_ended_while_cancelled
from .models import Plan, Subscription
from .transitions import RESTORABLE, TRANSITIONAL, Action

S = Subscription.Status
B = BackendStatus


def _current_status(account_id: int) -> str:
    # Re-read: a listener may run after a nested change (billing's R-CH1 re-check on return to
    # Active can put the account straight back on credit hold); act on where the account is now.
    return Account.objects.values_list("status_type__backend_status", flat=True).get(pk=account_id)


def follow_account_status(change: StatusChange) -> None:
    """Apply R-CH7 on entering credit hold, R-CH9 on becoming Active, R-E8's resume on Enable."""
    now_status = _current_status(change.account_id)
    if change.to_backend_status == B.CREDIT_HOLD and change.from_backend_status != B.CREDIT_HOLD:
        if now_status == B.CREDIT_HOLD:
            apply_credit_hold(change.account_id)
    elif change.to_backend_status == B.ACTIVE and now_status == B.ACTIVE:
        if change.from_backend_status == B.CANCELLED:
            skip_periods_ended_while_cancelled(change.account, timezone.localdate())
        restore_after_credit_hold(change.account_id)


def apply_credit_hold(account_id: int) -> int:
    """R-CH7: prepaid pay-as-you-go subscriptions settle, then Active/Graced ones stop or wait."""
    actor = Actor.system("R-CH7")
    changed = 0
    held = Subscription.objects.filter(
        account_id=account_id,
        plan__billing_model=Plan.BillingModel.PREPAID,
        plan__pay_as_you_go=True,
    ).exclude(status=S.CANCELLED)
    for pk in held.order_by("pk").values_list("pk", flat=True):
        sub = core.lock(pk)
        if sub.status in TRANSITIONAL:
            core.transition(sub, Action.COMPLETE, actor=actor, note="settled before the hold")
        if sub.status in RESTORABLE:
            action = (
                Action.HOLD_FOR_APPROVAL
                if sub.plan.on_credit_hold == Plan.OnCreditHold.MANUAL_APPROVE
                else Action.HOLD_STOP
            )
            core.transition(sub, action, actor=actor, note="account on credit hold")
            changed += 1
    return changed


def restore_after_credit_hold(account_id: int) -> int:
    """R-CH9: what the hold stopped returns to the status it had (a lapsed period restarts)."""
    actor = Actor.system("R-CH9")
    today = timezone.localdate()
    restored = 0
    stopped_by_hold = Subscription.objects.filter(
        account_id=account_id,
        status__in=[S.STOPPED, S.WAITING_FOR_MANUAL_APPROVE],
        status_before_hold__in=list(RESTORABLE),
    )
    for pk in stopped_by_hold.order_by("pk").values_list("pk", flat=True):
        sub = core.lock(pk)
        core.transition(sub, Action.RELEASE_HOLD, actor=actor, note="credit hold lifted")
        fields = core.restart_if_lapsed(sub, today)
        if fields:
            sub.save(update_fields=fields)
        restored += 1
    return restored
