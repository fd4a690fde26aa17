"""R-CH7 for a sweep's batch as one PostgreSQL statement: prepaid pay-as-you-go subscriptions in
Active/Graced stop or wait for manual approval, with their history rows and outbox events.

The action per service terms (transitions.HOLD_ACTION) and the status each action leads to
(transitions.next_state) are rendered into the statement, so the SQL cannot drift from the table;
the model path (hooks.hold_each, used on SQLite) reads the same data, and
tests/subscriptions/test_hold_paths_agree.py holds both to the same rows on randomized states."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts import events, sqlbulk

from .core import SUBSCRIPTION_STATUS_CHANGED
from .models import Plan, Subscription
from .transitions import HOLD_ACTION, RESTORABLE, next_state

S = Subscription.Status
RULE_ID = "R-CH7"
NOTE = "account on credit hold"
PREPAID = Plan.BillingModel.PREPAID


def _status_after(action: str) -> str:
    whens = " ".join(
        f"WHEN '{status}' THEN '{next_state(status, action)}'" for status in sorted(RESTORABLE)
    )
    return f"CASE s.status {whens} END"


def _per_terms(render) -> str:
    """A CASE over the plan's service terms, one branch per HOLD_ACTION entry."""
    whens = " ".join(f"WHEN '{terms}' THEN {render(act)}" for terms, act in HOLD_ACTION.items())
    return f"CASE p.on_credit_hold {whens} END"


HOLD = f"""
WITH upd AS (
  UPDATE subscriptions_subscription s
     SET status = {_per_terms(_status_after)},
         status_before_hold = s.status
    FROM subscriptions_plan p
   WHERE p.id = s.plan_id AND s.account_id = ANY(%(ids)b::bigint[])
     AND p.billing_model = '{PREPAID}' AND p.pay_as_you_go
     AND s.status = ANY(%(restorable)b::text[])
  RETURNING s.id, s.account_id, s.status_before_hold AS old, s.status AS new, p.name, p.service,
            {_per_terms(lambda action: f"'{action}'")} AS action,
            nextval(%(history_seq)s::oid::regclass) AS hid
), hist AS (
  INSERT INTO subscriptions_subscriptionchange (id, subscription_id, action, from_status,
    to_status, actor_kind, actor_user_id, rule_id, note, created_at)
  SELECT hid, id, action, old, new, 'system', NULL, %(rule_id)s::text, %(note)s::text,
         %(now)s::timestamptz
    FROM upd
  RETURNING id, subscription_id
)"""
# R-X6: one event per subscription moved; accounts writes them (events.emit_rows_sql).
HOLD_EVENTS = """
SELECT %(event_type)s::text, 'subscription:' || u.id, u.account_id,
       jsonb_build_object(
         'subscription', jsonb_build_object('id', u.id, 'plan', u.name, 'service', u.service),
         'account', jsonb_build_object('id', u.account_id),
         'from', u.old, 'to', u.new, 'action', u.action, 'rule_id', %(rule_id)s::text,
         'subscription_change_id', u.hid),
       %(now)s::timestamptz
  FROM upd u"""


def hold(account_ids: list[int], now: datetime | None = None) -> int:
    """Stop or park the in-service prepaid pay-as-you-go subscriptions of these accounts."""
    return events.emit_rows_sql(
        HOLD,
        HOLD_EVENTS,
        {
            "history_seq": sqlbulk.sequence_oid("subscriptions_subscriptionchange"),
            "ids": account_ids,
            "restorable": sorted(RESTORABLE),
            "now": now or timezone.now(),
            "event_type": SUBSCRIPTION_STATUS_CHANGED,
            "rule_id": RULE_ID,
            "note": NOTE,
        },
    )
