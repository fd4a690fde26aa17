"""The credit-hold sweep's common case — an Active account money no longer covers goes to credit
hold (R-CH1) — as one PostgreSQL statement per batch: lock (SKIP LOCKED), re-check, update,
history rows and outbox events together, like the floor plus the outbox. The rule is
credit.should_hold; `SHOULD_HOLD` is its SQL form, and tests/billing/test_sql_rules.py proves
the two agree. Everything else (releases, R-G1 locks) takes the Python path in sweeps.py."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from accounts import events, lifecycle, sqlbulk
from accounts.bulk import ChangeRecord
from accounts.models import BackendStatus, StatusReason

from .decisions import REASON_HOLD, Policies

# credit.should_hold over an accounts_account row `a` and the parameter %(now)s::timestamptz.
SHOULD_HOLD = """(
  a.balance < a.financial_blocking_threshold
  OR (a.balance < 0 AND a.negative_since IS NOT NULL AND a.allowed_negative_days IS NOT NULL
      AND (a.allowed_negative_days = 0
           OR %(now)s::timestamptz - a.negative_since > make_interval(days => a.allowed_negative_days)))
)"""

# credit.hold_rule_note, the same words.
HOLD_NOTE = """CASE WHEN m.balance < m.financial_blocking_threshold
  THEN 'R-CH1 (a): balance ' || m.balance::text || ' is below the threshold '
       || m.financial_blocking_threshold::text
  ELSE 'R-CH1 (b): balance negative since '
       || to_char(m.negative_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
       || ' UTC, longer than the allowed ' || m.allowed_negative_days::text || ' day(s)' END"""

HOLD = f"""
WITH cand AS (
  SELECT a.id, a.status_type_id AS old_type, t.backend_status AS old_status, t.name AS old_name
    FROM accounts_account a
    JOIN accounts_accountstatustype t ON t.id = a.status_type_id
    JOIN billing_dunningpolicy p ON p.id = COALESCE(a.dunning_policy_id, %(default_policy)s::bigint)
   WHERE a.id = ANY(%(ids)b::bigint[]) AND t.backend_status = 'active' AND NOT p.lock_on_exhaustion
     AND {SHOULD_HOLD}
     FOR UPDATE OF a SKIP LOCKED
), moved AS (
  UPDATE accounts_account a
     SET status_type_id = %(hold)s::bigint, status_reason_id = %(reason)s::bigint, status_changed_at = %(now)s::timestamptz
    FROM cand WHERE a.id = cand.id
  RETURNING a.id, a.number, a.name, a.balance, a.financial_blocking_threshold, a.negative_since,
            a.allowed_negative_days, cand.old_type, cand.old_status, cand.old_name,
            nextval(%(history_seq)s::oid::regclass) AS hid
), hist AS (
  INSERT INTO accounts_statuschange (id, account_id, from_type_id, to_type_id, from_backend_status,
    to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at,
    note)
  SELECT m.hid, m.id, m.old_type, %(hold)s::bigint, m.old_status, 'credit_hold', %(reason)s::bigint, 'system', NULL,
         'R-CH1', %(now)s::timestamptz, %(now)s::timestamptz, {HOLD_NOTE}
    FROM moved m
  RETURNING id, account_id
), outbox AS (
  INSERT INTO accounts_outboxevent (uuid, event_type, subject, account_id, payload, created_at)
  SELECT gen_random_uuid(), %(event_type)s::text, 'account:' || m.number, m.id,
         jsonb_build_object(
           'account', jsonb_build_object('id', m.id, 'number', m.number, 'name', m.name),
           'from', jsonb_build_object('type', m.old_name, 'backend_status', m.old_status),
           'to', jsonb_build_object('type', %(hold_name)s::text, 'backend_status', 'credit_hold'),
           'reason', %(reason_name)s::text,
           'actor', jsonb_build_object('kind', 'system', 'user', NULL, 'rule_id', 'R-CH1'),
           'status_change_id', m.hid,
           'requested_at', %(now_json)s::text, 'effective_at', %(now_json)s::text),
         %(now)s::timestamptz
    FROM moved m
  RETURNING 1
)
SELECT m.hid, m.id, m.old_status, (SELECT count(*) FROM outbox), (SELECT count(*) FROM hist)
  FROM moved m
"""


def hold(ids: list[int], now: datetime, policies: Policies) -> list[int]:
    """Put every Active account of `ids` that R-CH1 says should be held on credit hold; returns
    the ids moved. Runs inside the caller's transaction; listeners get the changes at once."""
    hold_type = policies.default_type(BackendStatus.CREDIT_HOLD)
    reason = StatusReason.objects.get(name=REASON_HOLD)
    params = {
        "history_seq": sqlbulk.sequence_oid("accounts_statuschange"),
        "ids": ids,
        "now": now,
        "hold": hold_type.pk,
        "hold_name": hold_type.name,
        "reason": reason.pk,
        "reason_name": reason.name,
        "default_policy": policies.default().pk,
        "event_type": events.ACCOUNT_STATUS_CHANGED,
        "now_json": json.loads(json.dumps(now, cls=DjangoJSONEncoder)),
    }
    with sqlbulk.server_cursor() as cursor:
        cursor.execute(HOLD, params, binary=True)
        rows = cursor.fetchall()
    changes = [
        ChangeRecord(pk, account_id, old, BackendStatus.CREDIT_HOLD, now)
        for pk, account_id, old, _, _ in rows
    ]
    if changes:
        events.after_bulk_emit()
        lifecycle.notify(changes)
    return [change.account_id for change in changes]
