"""R-D6 on the subscriptions side: a dunning step that cancels the account's subscriptions, at
once with a prorated credit or at the end of the period (Kill Bill's IMMEDIATE / END_OF_TERM);
Terminated (R-D3) always cancels them, and the cancellation releases their resources (Allocated →
Available). Registered with billing.step_effects in SubscriptionsConfig.ready().

In the sweep's transaction the step schedules the cancellations set-based — "at once" for the
step's day with a prorated credit as of that day (R-E5's specific-date option), "at period end"
for the period's end — with one history insert and one R-S2 sync for the batch, so they commit
or roll back with the step. Right after the commit a task runs the ones due through the one
cancellation service (cancellation.execute_scheduled: status, resources, ledger entries), each in
its own savepoint; the daily subscription run (charging.run_subscription_charges) runs any it
missed. The dunning batch, which holds up to 5,000 account rows locked, does not wait for
thousands of ledger postings (docs/dunning-ladder.md)."""

from __future__ import annotations

from datetime import date
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts import sqlbulk
from accounts.actors import Actor
from accounts.jobs import isolated
from accounts.models import ActorKind
from billing.step_effects import EffectRequest

from . import billing_dates, core
from .cancellation import PERIOD_END, SPECIFIC_DATE_PRORATED_REFUND, execute_scheduled
from .models import Subscription, SubscriptionChange
from .transitions import TRANSITIONAL

JOB = "subscriptions.tasks.run_dunning_cancellations"
RULE_ID = "R-D6"


def schedule_for_dunning(requests: list[EffectRequest], today: date) -> int:
    """Schedule the cancellations the steps call for (set-based); returns how many."""
    now_ids = [r.account_id for r in requests if r.effect == "cancel_now"]
    end_ids = [r.account_id for r in requests if r.effect == "cancel_period_end"]
    live = Subscription.objects.live().exclude(status__in=list(TRANSITIONAL))
    # At once: a cancellation scheduled for later is brought forward to the step's day.
    at_once = live.filter(account_id__any=now_ids).filter(
        Q(cancel_on__isnull=True) | Q(cancel_on__gt=today)
    )
    at_end = live.filter(account_id__any=end_ids, cancel_on__isnull=True)
    scheduled = _schedule(at_once, today, SPECIFIC_DATE_PRORATED_REFUND, requests)
    ended = _schedule(at_end, Greatest(F("period_end"), Value(today)), PERIOD_END, requests)
    if at_end_ids := sorted(set(ended)):  # R-S2: a period-end cancellation stops the renewal
        billing_dates.sync_many(
            at_end_ids, actor=Actor.system(RULE_ID), note="dunning cancellation"
        )
    if now_ids and scheduled:  # the cancellations at once sync R-S2 as they run, moments later
        transaction.on_commit(partial(_run_after_commit, now_ids, today))
    return len(scheduled) + len(ended)


HISTORY = ["subscription", "action", "from_status", "to_status", "rule_id", "note"]


def _schedule(queryset, on, option: str, requests: list[EffectRequest]) -> list[int]:
    """Lock the subscriptions, set their cancellation, one history insert (status unchanged: no
    outbox event); returns the accounts touched, one entry per subscription."""
    rows = list(
        queryset.select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "account_id", "status")
    )
    if not rows:
        return []
    Subscription.objects.filter(pk__any=[pk for pk, _a, _s in rows]).update(
        cancel_on=on, cancel_option=option
    )
    by_account = {r.account_id: r for r in requests}
    sqlbulk.insert_rows(
        SubscriptionChange,
        HISTORY,
        [
            (
                pk,
                "schedule_cancel",
                status,
                status,
                by_account[account_id].rule_id,
                f"{by_account[account_id].note} ({option})",
            )
            for pk, account_id, status in rows
        ],
        same={"actor_kind": ActorKind.SYSTEM, "actor_user": None, "created_at": timezone.now()},
    )
    return [account_id for _pk, account_id, _s in rows]


def _run_after_commit(account_ids: list[int], today: date) -> None:
    # By name: tasks.py imports this module (the task is thin), not the other way round.
    current_app.send_task(JOB, args=[account_ids, today.isoformat()])


def run_due_cancellations(account_ids: list[int], today: date) -> dict:
    """Cancel now the accounts' subscriptions whose cancellation is due by `today`, each in its
    own savepoint (a refused one is recorded as a job failure, the others go on)."""
    counts = {"cancelled": 0, "failed": 0}
    due = (
        Subscription.objects.live()
        .filter(account_id__any=account_ids, cancel_on__lte=today)
        .order_by("pk")
        .values_list("pk", "account_id")
    )
    for pk, account_id in due:
        with isolated(JOB, counts, account_id=account_id, item=f"subscription {pk}"):
            account, sub = core.lock_both(pk, account_id)
            if sub.cancel_on is not None and sub.cancel_on <= today:
                execute_scheduled(account, sub, today, Actor.system(RULE_ID))
                counts["cancelled"] += 1
    return counts
