"""The dunning sweep's batch on PostgreSQL without a model instance per account (issue 8).

One statement locks the batch (SKIP LOCKED) and reads, per account, what the ladder needs: its
status, money, exemption, ladder state and the due date of its earliest unpaid invoice. The pure
ladder (billing/dunning.py, through ladder.plan_for) decides each account exactly as it does on the
model path; the writes are the same set-based statements (accounts.bulk.apply_rows, one upsert of
the states, ladder.record_steps). A policy with a fee on a step, or a step that returns an
account to Active, takes the model path (ladder.apply_dunning_batch): fees post through the
ledger service, and a return to Active goes through the target resolvers with a loaded account.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import date

from django.utils import timezone

from accounts import bulk, lifecycle, sqlbulk
from accounts.actors import Actor
from accounts.errors import InvalidTransition
from accounts.models import Account, AccountStatusType, ActorKind, BackendStatus
from accounts.services import get_reason
from accounts.transitions import next_state

from .ladder import (
    DUNNING_STATUSES,
    REASON_DUNNING,
    Ladders,
    StepRecord,
    plan_for,
    record_steps,
    step_note,
)
from .models import DunningState

GATHER = """
SELECT a.id, a.status_type_id, a.status_changed_at, a.dunning_policy_id, a.balance,
       a.financial_blocking_threshold, a.negative_since, a.dunning_exempt,
       a.dunning_exempt_until, ds.step_id, ds.restart_on,
       (SELECT min(i.due_date) FROM billing_invoice i
         WHERE i.account_id = a.id AND i.paid_at IS NULL) AS anchor
  FROM accounts_account a
  LEFT JOIN billing_dunningstate ds ON ds.account_id = a.id
 WHERE a.id = ANY(%(ids)b::bigint[])
 ORDER BY a.id
   FOR UPDATE OF a SKIP LOCKED
"""

# What plan_for, the resolvers and record_steps read of an account (and of its ladder state):
# the same attribute names as Account and DunningState, so the one decision path serves both.
Row = namedtuple(
    "Row",
    "pk status_type_id status_changed_at dunning_policy_id balance financial_blocking_threshold "
    "negative_since dunning_exempt dunning_exempt_until step_id restart_on anchor status_type",
)


def lean(ladders: Ladders, row: Row) -> bool:
    """True when this path may apply the account's ladder: no fees, no step back to Active."""
    policy = ladders.policies.of(row)
    if policy.pk not in ladders.lean_by_policy:
        ladders.lean_by_policy[policy.pk] = all(
            step.fee == 0 and step.status_type.backend_status != BackendStatus.ACTIVE
            for step in ladders.of(row).values()
        )
    return ladders.lean_by_policy[policy.pk]


def apply_batch(
    ids: list[int], today: date, ladders: Ladders
) -> tuple[list[StepRecord], list[int], int]:
    """Lock and apply the ladder to the batch; returns the events written, the ids of the
    accounts left to the model path (their rows stay locked in this transaction) and how many
    rows were locked (a row another transaction holds is skipped: it is that one's to decide)."""
    types = {t.pk: t for t in AccountStatusType.objects.all()}
    with sqlbulk.server_cursor() as cursor:
        cursor.execute(GATHER, {"ids": ids}, binary=True)  # results in binary: no text parsing
        rows = [Row(*r, status_type=types[r[1]]) for r in cursor.fetchall()]
    rest, plans, tz = [], [], timezone.get_current_timezone()
    for row in rows:
        if not lean(ladders, row):
            rest.append(row.pk)
            continue
        if (
            Account.is_dunning_exempt(row, today)  # R-X2, the model's own rule on the row
            or row.status_type.backend_status not in DUNNING_STATUSES
            or not ladders.of(row)
        ):
            continue
        plan = plan_for(row, row, ladders, row.anchor, today, tz)
        if plan is not None:
            plans.append(plan)
    plans = _move(plans)
    now = timezone.now()
    sqlbulk.upsert_rows(
        DunningState,
        "account",
        ["account", "step", "anchor_due_date", "restart_on", "updated_at"],
        [(p.account.pk, p.target, p.anchor, p.state.restart_on, now) for p in plans],
    )
    return record_steps(plans, today), rest, len(rows)


def _move(plans):
    """ladder._move for rows: the table refuses → the plan is dropped; one statement moves the
    rest, with history and outbox rows; the status listeners get every change at once."""
    now = timezone.now()
    allowed = []
    columns = {k: [] for k in ("ids", "from_types", "to_types", "rules", "eff", "notes")}
    reasons = {}  # R-E3: the dunning reason must fit every status it moves accounts to
    for plan in plans:
        actor = Actor.system(plan.target.rule_id or "R-X3")
        target, rule_id = lifecycle.resolve_target(plan.account, plan.target.status_type, actor)
        rule_id = rule_id or actor.rule_id
        try:
            next_state(
                plan.account.status_type.backend_status,
                target.backend_status,
                ActorKind.SYSTEM,
                rule_id,
            )
        except InvalidTransition:
            continue
        allowed.append(plan)
        if plan.account.status_type_id == target.pk:
            continue  # already there: the step is still recorded, the status needs no change
        if target.backend_status not in reasons:
            reasons[target.backend_status] = get_reason(REASON_DUNNING, target.backend_status)
        columns["ids"].append(plan.account.pk)
        columns["from_types"].append(plan.account.status_type_id)
        columns["to_types"].append(target.pk)
        columns["rules"].append(rule_id)
        columns["eff"].append(plan.effective_at)
        columns["notes"].append(step_note(plan))
    if columns["ids"]:
        changes = bulk.apply_rows(
            ids=columns["ids"],
            from_types=columns["from_types"],
            to_types=columns["to_types"],
            rules=columns["rules"],
            effective=columns["eff"],
            requested=[now] * len(columns["ids"]),
            notes=columns["notes"],
            reason=next(iter(reasons.values())),
            actor=Actor.system("R-X3"),
            now=now,
        )
        lifecycle.notify(changes)
    return allowed
