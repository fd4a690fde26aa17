"""The dunning sweep's batch on PostgreSQL without a model instance per account (issue 8).

One statement locks the batch (SKIP LOCKED) and reads, per account, what the ladder needs: its
status, money, exemption, ladder state and the due date of its earliest open item (R-B3). The pure
ladder (billing/dunning.py, through ladder.plan_for) decides each account exactly as it does on the
model path, and the same ladder.move_plans, save_states and record_steps write (statuses through
accounts.bulk.change_statuses, which takes these rows as they are), post the steps' fees — fixed
or a percentage of the overdue amount (R-D6), by account id — and hand their subscription effects
to billing.step_effects. A ladder that reads open items (R-D5's item and amount conditions, a
percentage fee) gets them by one query for the batch (open_items.open_items_of), the same read
as the model path's. A policy with a step that returns an account to Active takes the model path
(ladder.apply_dunning_batch): a return to Active goes through the target resolvers with a loaded
account.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import date

from django.utils import timezone

from accounts import sqlbulk
from accounts.models import Account, AccountStatusType, BackendStatus

from .ladder import (
    DUNNING_STATUSES,
    Ladders,
    StepRecord,
    move_plans,
    plan_for,
    record_steps,
    renewal_pending,
    save_states,
)

GATHER = """
SELECT a.id, a.status_type_id, a.status_changed_at, a.dunning_policy_id, a.balance,
       a.financial_blocking_threshold, a.negative_since, a.dunning_exempt,
       a.dunning_exempt_until, a.renewal_deadline, ds.step_id, ds.restart_on,
       (SELECT min(o.due_date) FROM billing_openitem o
         WHERE o.account_id = a.id AND o.settled_at IS NULL) AS anchor
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
    "negative_since dunning_exempt dunning_exempt_until renewal_deadline step_id restart_on anchor "
    "status_type",
)


def lean(ladders: Ladders, row: Row) -> bool:
    """True when this path may apply the account's ladder: no step back to Active."""
    policy = ladders.policies.of(row)
    if policy.pk not in ladders.lean_by_policy:
        ladders.lean_by_policy[policy.pk] = all(
            step.status_type.backend_status != BackendStatus.ACTIVE
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
        # the ids as one literal; the results in binary: no text parsing
        cursor.execute(GATHER, {"ids": sqlbulk.int_array(ids)}, binary=True)
        rows = [Row(*r, status_type=types[r[1]]) for r in cursor.fetchall()]
    rest, eligible, plans, tz = [], [], [], timezone.get_current_timezone()
    for row in rows:
        if not lean(ladders, row):
            rest.append(row.pk)
        elif not (
            Account.is_dunning_exempt(row, today)  # R-X2, the model's own rule on the row
            or renewal_pending(row, today)  # R-G3
            or row.status_type.backend_status not in DUNNING_STATUSES
            or not ladders.of(row)
        ):
            eligible.append(row)
    items = ladders.items_of(eligible)  # R-D5: one read for the batch, only where a ladder asks
    for row in eligible:
        plan = plan_for(row, row, ladders, row.anchor, today, tz, items.get(row.pk, ()))
        if plan is not None:
            plans.append(plan)
    plans = move_plans(plans)
    save_states(plans)
    return record_steps(plans, today), rest, len(rows)
