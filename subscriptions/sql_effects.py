"""R-CH7 for a sweep's batch as one PostgreSQL statement: prepaid pay-as-you-go subscriptions in
Active/Graced stop or wait for manual approval, with their history rows and outbox events. The
target statuses come from the transition table (transitions.next_state), so the SQL cannot drift
from it; the per-object path (hooks.apply_credit_hold) is the same rule for everything else."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts import events, sqlbulk

from .core import SUBSCRIPTION_STATUS_CHANGED
from .models import Plan, Subscription
from .transitions import RESTORABLE, Action, next_state

S = Subscription.Status
APPROVE = Plan.OnCreditHold.MANUAL_APPROVE


def _case(action: str) -> str:
    whens = " ".join(
        f"WHEN '{status}' THEN '{next_state(status, action)}'" for status in sorted(RESTORABLE)
    )
    return f"CASE s.status {whens} END"


HOLD = f"""
WITH upd AS (
  UPDATE subscriptions_subscription s
     SET status = CASE WHEN p.on_credit_hold = '{APPROVE}' THEN {_case(Action.HOLD_FOR_APPROVAL)}
                       ELSE {_case(Action.HOLD_STOP)} END,
         status_before_hold = s.status
    FROM subscriptions_plan p
   WHERE p.id = s.plan_id AND s.account_id = ANY(%(ids)b::bigint[])
     AND p.billing_model = 'prepaid' AND p.pay_as_you_go
     AND s.status = ANY(%(restorable)b::text[])
  RETURNING s.id, s.account_id, s.status_before_hold AS old, s.status AS new, p.name, p.service,
            CASE WHEN p.on_credit_hold = '{APPROVE}' THEN '{Action.HOLD_FOR_APPROVAL}'
                 ELSE '{Action.HOLD_STOP}' END AS action,
            nextval(%(history_seq)s::oid::regclass) AS hid
), hist AS (
  INSERT INTO subscriptions_subscriptionchange (id, subscription_id, action, from_status,
    to_status, actor_kind, actor_user_id, rule_id, note, created_at)
  SELECT hid, id, action, old, new, 'system', NULL, 'R-CH7', 'account on credit hold',
         %(now)s::timestamptz
    FROM upd
  RETURNING id, subscription_id
)
INSERT INTO accounts_outboxevent (uuid, event_type, subject, account_id, payload, created_at)
SELECT gen_random_uuid(), %(event_type)s::text, 'subscription:' || u.id, u.account_id,
       jsonb_build_object(
         'subscription', jsonb_build_object('id', u.id, 'plan', u.name, 'service', u.service),
         'account', jsonb_build_object('id', u.account_id),
         'from', u.old, 'to', u.new, 'action', u.action, 'rule_id', 'R-CH7',
         'subscription_change_id', u.hid),
       %(now)s::timestamptz
  FROM upd u
"""


def hold(account_ids: list[int], now: datetime | None = None) -> int:
    """Stop or park the in-service prepaid pay-as-you-go subscriptions of these accounts."""
    with sqlbulk.server_cursor() as cursor:
        cursor.execute(
            HOLD,
            {
                "history_seq": sqlbulk.sequence_oid("subscriptions_subscriptionchange"),
                "ids": account_ids,
                "restorable": sorted(RESTORABLE),
                "now": now or timezone.now(),
                "event_type": SUBSCRIPTION_STATUS_CHANGED,
            },
        )
        moved = cursor.rowcount
    if moved:
        events.after_bulk_emit()
    return moved
