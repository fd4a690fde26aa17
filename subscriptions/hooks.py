"""Subscriptions' reactions to account status changes, registered in SubscriptionsConfig.ready().

accounts.lifecycle calls `follow_account_status` inside the transaction of every status change, so
R-CH7 and R-CH9 commit or roll back with the change that caused them.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Account, BackendStatus, StatusChange

from . import billing_dates, core, sql_effects
from .charging import skip_periods_ended_while_cancelled
from .models import Plan, Subscription
from .transitions import HOLD_ACTION, RESTORABLE, TRANSITIONAL, Action

S = Subscription.Status
B = BackendStatus


def follow_account_status(changes: list[StatusChange]) -> None:
    """Apply R-CH7 on entering credit hold, R-CH9 on becoming Active, R-E8's resume on Enable —
    set-based over every change a write (one change_status, or a sweep's batch) produced."""
    # Re-read: a listener may run after a nested change (billing's R-CH1 re-check on return to
    # Active can put the account straight back on credit hold); act on where each account is now.
    ids = {change.account_id for change in changes}
    now_status = dict(
        Account.objects.filter(pk__any=ids).values_list("pk", "status_type__backend_status")
    )
    held, active = set(), set()
    for change in changes:
        is_now = now_status[change.account_id]
        entering_hold = change.from_backend_status != B.CREDIT_HOLD
        if change.to_backend_status == B.CREDIT_HOLD and entering_hold and is_now == B.CREDIT_HOLD:
            held.add(change.account_id)
        elif change.to_backend_status == B.ACTIVE and is_now == B.ACTIVE:
            if change.from_backend_status == B.CANCELLED:
                skip_periods_ended_while_cancelled(change.account, timezone.localdate())
            active.add(change.account_id)
    apply_credit_hold(sorted(held))
    restore_after_credit_hold(sorted(active))


def _locked(queryset) -> list[Subscription]:
    return list(
        queryset.select_for_update(of=("self",)).select_related("plan", "account").order_by("pk")
    )


def _prepaid_payg(account_ids: list[int]):
    return Subscription.objects.filter(
        account_id__any=account_ids,
        plan__billing_model=Plan.BillingModel.PREPAID,
        plan__pay_as_you_go=True,
    )


def apply_credit_hold(account_ids: list[int]) -> int:
    """R-CH7: prepaid pay-as-you-go subscriptions settle, then Active/Graced ones stop or wait."""
    if not account_ids:
        return 0
    actor = Actor.system(sql_effects.RULE_ID)
    settling = _locked(_prepaid_payg(account_ids).filter(status__in=list(TRANSITIONAL)))
    if settling:
        core.transition_many(settling, Action.COMPLETE, actor=actor, note="settled before the hold")
    if connection.vendor == "postgresql":  # a sweep's batch: one statement (sql_effects.py)
        held = sql_effects.hold(account_ids)
    else:
        held = hold_each(account_ids)
    if held:  # R-S2: a stopped subscription bills nothing more
        billing_dates.sync_many(account_ids, actor=actor, note="R-CH7 credit hold")
    return held


def hold_each(account_ids: list[int]) -> int:
    """R-CH7 by the model path: stop or park the in-service prepaid pay-as-you-go subscriptions."""
    # The same rows as sql_effects.hold (test_hold_paths_agree.py): both read HOLD_ACTION.
    actor = Actor.system(sql_effects.RULE_ID)
    in_service = _locked(_prepaid_payg(account_ids).filter(status__in=list(RESTORABLE)))
    groups: dict[str, list[Subscription]] = {action: [] for action in HOLD_ACTION.values()}
    for sub in in_service:
        groups[HOLD_ACTION[sub.plan.on_credit_hold]].append(sub)
    for action, group in groups.items():
        if group:
            core.transition_many(group, action, actor=actor, note=sql_effects.NOTE)
    return len(in_service)


def restore_after_credit_hold(account_ids: list[int]) -> int:
    """R-CH9: what the hold stopped returns to the status it had (a lapsed period restarts)."""
    if not account_ids:
        return 0
    actor = Actor.system("R-CH9")
    today = timezone.localdate()
    subs = _locked(
        Subscription.objects.filter(
            account_id__any=account_ids,
            status__in=[S.STOPPED, S.WAITING_FOR_MANUAL_APPROVE],
            status_before_hold__in=list(RESTORABLE),
        )
    )
    if not subs:
        return 0
    core.transition_many(subs, Action.RELEASE_HOLD, actor=actor, note="credit hold lifted")
    for sub in subs:
        fields = core.restart_if_lapsed(sub, today)
        if fields:
            sub.save(update_fields=fields)
    billing_dates.sync_many({sub.account_id for sub in subs}, actor=actor, note="R-CH9 restored")
    return len(subs)
