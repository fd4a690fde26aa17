"""The floor: the same transitions as the three sweeps, each done by one raw SQL statement
(UPDATE … RETURNING plus the history insert). No subscriptions, outbox, notices or batching —
the least work that could produce the same statuses and history rows."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection

from accounts.models import AccountStatusType, StatusReason

CREDIT_HOLD = """
WITH moved AS (
  UPDATE accounts_account a
     SET status_type_id = %(hold)s, status_reason_id = %(r_hold)s, status_changed_at = %(now)s
    FROM accounts_accountstatustype t
   WHERE t.id = a.status_type_id AND t.backend_status = 'active'
     AND (a.balance < a.financial_blocking_threshold
          OR (a.balance < 0 AND a.negative_since IS NOT NULL AND a.allowed_negative_days IS NOT NULL
              AND (a.allowed_negative_days = 0
                   OR a.negative_since + make_interval(days => a.allowed_negative_days) < %(now)s)))
  RETURNING a.id, t.id AS old_type, t.backend_status AS old_status
)
INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
  to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at, note)
SELECT id, old_type, %(hold)s, old_status, 'credit_hold', %(r_hold)s, 'system', NULL, 'R-CH1',
  %(now)s, %(now)s, '' FROM moved
"""

DUNNING = """
WITH anchor AS (
  SELECT account_id, min(due_date) AS due FROM billing_invoice
   WHERE paid_at IS NULL GROUP BY account_id
), target AS (
  SELECT a.id, t.id AS old_type, t.backend_status AS old_status,
         CASE WHEN %(today)s::date - anchor.due >= 14 THEN %(terminated)s
              WHEN %(today)s::date - anchor.due >= 7 THEN %(closed)s
              ELSE %(suspended)s END AS new_type
    FROM accounts_account a
    LEFT JOIN anchor ON anchor.account_id = a.id
    JOIN accounts_accountstatustype t ON t.id = a.status_type_id
   WHERE t.backend_status IN ('active', 'credit_hold', 'suspended')
     AND (%(today)s::date - anchor.due >= 2
          OR (a.balance < a.financial_blocking_threshold
              AND t.backend_status IN ('active', 'credit_hold')))  -- R-D1's credit limit (issue 16)
), moved AS (
  UPDATE accounts_account a
     SET status_type_id = target.new_type, status_reason_id = %(r_dunning)s,
         status_changed_at = %(now)s
    FROM target
   WHERE a.id = target.id AND a.status_type_id <> target.new_type
  RETURNING a.id, target.old_type, target.old_status, target.new_type
)
INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
  to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at, note)
SELECT m.id, m.old_type, m.new_type, m.old_status, t.backend_status, %(r_dunning)s, 'system', NULL,
  'R-D1', %(now)s, %(now)s, ''
  FROM moved m JOIN accounts_accountstatustype t ON t.id = m.new_type
"""

SCHEDULED = """
WITH due AS (
  UPDATE accounts_scheduledstatuschange s SET state = 'applied', ran_at = %(now)s
   WHERE state = 'pending' AND effective_on <= %(today)s
  RETURNING s.account_id, s.status_type_id, s.reason_id, s.author_id
), moved AS (
  UPDATE accounts_account a
     SET status_type_id = due.status_type_id, status_reason_id = due.reason_id,
         status_changed_at = %(now)s
    FROM due, accounts_accountstatustype t
   WHERE a.id = due.account_id AND t.id = a.status_type_id
  RETURNING a.id, t.id AS old_type, t.backend_status AS old_status, due.status_type_id AS new_type,
            due.reason_id, due.author_id
)
INSERT INTO accounts_statuschange (account_id, from_type_id, to_type_id, from_backend_status,
  to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at, note)
SELECT m.id, m.old_type, m.new_type, m.old_status, t.backend_status, m.reason_id, 'operator',
  m.author_id, 'R-E4', %(now)s, %(now)s, ''
  FROM moved m JOIN accounts_accountstatustype t ON t.id = m.new_type
"""


def parameters(today: date, now: datetime) -> dict:
    types = dict(AccountStatusType.objects.values_list("name", "pk"))
    reasons = dict(StatusReason.objects.values_list("name", "pk"))
    return {
        "today": today,
        "now": now,
        "hold": types["Credit hold"],
        "suspended": types["Suspended until Paid"],
        "closed": types["Closed until Paid"],
        "terminated": types["Terminated"],
        "r_hold": reasons["Credit limit reached"],
        "r_dunning": reasons["Non-payment"],
    }


def run(today: date, now: datetime) -> dict[str, int]:
    """Run the three statements (the caller's transaction decides whether they stay)."""
    params = parameters(today, now)
    counts = {}
    with connection.cursor() as cursor:
        for name, statement in (
            ("credit", CREDIT_HOLD),
            ("dunning", DUNNING),
            ("scheduled", SCHEDULED),
        ):
            cursor.execute(statement, params)
            counts[name] = cursor.rowcount
    return counts
