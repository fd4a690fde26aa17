"""The credit-hold sweep's common case — an Active account money no longer covers goes to credit
hold (R-CH1) — as one PostgreSQL statement per batch: this module selects and locks the rows
(SKIP LOCKED) and accounts.bulk.change_selected wraps that SELECT in its one statement that
updates, writes the history rows and the outbox events. Billing writes no accounts table.

The rule is credit.should_hold; `SHOULD_HOLD` is its SQL form. tests/billing/test_sql_rules.py
holds the two, and the sweep's model path, to the same held accounts and the same rows on
randomized accounts. Everything else (releases, R-G1 locks) takes the Python path in sweeps.py."""

from __future__ import annotations

from datetime import datetime

from accounts import bulk
from accounts.actors import Actor
from accounts.models import BackendStatus

from .decisions import REASON_HOLD, Policies

# credit.should_hold over an accounts_account row `a` and the parameter %(now)s::timestamptz.
SHOULD_HOLD = """(
  a.balance < a.financial_blocking_threshold
  OR (a.balance < 0 AND a.negative_since IS NOT NULL AND a.allowed_negative_days IS NOT NULL
      AND (a.allowed_negative_days = 0
           OR %(now)s::timestamptz - a.negative_since > make_interval(days => a.allowed_negative_days)))
)"""

# credit.hold_rule_note, the same words, over the account row `a`.
HOLD_NOTE = """CASE WHEN a.balance < a.financial_blocking_threshold
  THEN 'R-CH1 (a): balance ' || a.balance::text || ' is below the threshold '
       || a.financial_blocking_threshold::text
  ELSE 'R-CH1 (b): balance negative since '
       || to_char(a.negative_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
       || ' UTC, longer than the allowed ' || a.allowed_negative_days::text || ' day(s)' END"""

# The accounts of the batch R-CH1 puts on credit hold, locked: Active, on a policy that does
# not lock instead (R-G1 takes the Python path), and money no longer covers.
HOLD = f"""
SELECT a.id, a.status_type_id AS from_type, {HOLD_NOTE} AS note
  FROM accounts_account a
  JOIN accounts_accountstatustype t ON t.id = a.status_type_id
  JOIN billing_dunningpolicy p ON p.id = COALESCE(a.dunning_policy_id, %(default_policy)s::bigint)
 WHERE a.id = ANY(%(ids)b::bigint[]) AND t.backend_status = 'active' AND NOT p.lock_on_exhaustion
   AND {SHOULD_HOLD}
   FOR UPDATE OF a SKIP LOCKED
"""


def hold(ids: list[int], now: datetime, policies: Policies) -> list[int]:
    """Put every Active account of `ids` that R-CH1 says should be held on credit hold; returns
    the ids moved. Runs inside the caller's transaction: this module decides the rows, accounts'
    set-based change API writes them (status, history, outbox) and tells the listeners."""
    changes = bulk.change_selected(
        HOLD,
        {"ids": ids, "default_policy": policies.default().pk},
        to_type=policies.default_type(BackendStatus.CREDIT_HOLD),
        actor=Actor.system("R-CH1"),
        reason=REASON_HOLD,
        now=now,
    )
    return [change.account_id for change in changes]
