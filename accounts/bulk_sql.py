"""The set-based writer of account status changes on PostgreSQL: one statement updates the rows
(conditionally: only rows still in their `from` type move), inserts their history rows and their
outbox events (R-X6) — the payload events.record_status_changes writes, built by the database.
tests/accounts/test_change_agreement.py holds it to the model writer in accounts/bulk.py.

Two ways in, one statement: `apply_rows` takes the moves as arrays (bulk.change_statuses, after
it has checked the table and the reasons in Python), `change_selected` takes a caller's locking
SELECT (a sweep that decides its rows in SQL, like billing's R-CH1 hold) and checks the table
itself. Nothing outside accounts writes these tables.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from . import events, lifecycle, sqlbulk
from .actors import Actor
from .errors import InvalidTransition
from .models import Account, AccountStatusType, StatusReason
from .statuses import get_reason
from .transitions import next_state

MSG_MOVED_MEANWHILE = (
    "Accounts changed while the sweep ran, or the lifecycle does not allow a change it selected; "
    "nothing was written."
)


class ChangeRecord(NamedTuple):
    """A history row written by SQL, as status listeners read it (a StatusChange has the same
    attributes): no model instance per row on the sweeps' hot path."""

    pk: int
    account_id: int
    from_backend_status: str
    to_backend_status: str
    effective_at: datetime

    @property
    def account(self) -> Account:
        return Account.objects.select_related("status_type").get(pk=self.account_id)


# `input` has one row per move: id, from_type, to_type, rule_id, effective, requested, note.
# The last row the statement returns is a summary (hid NULL): how many moves came in.
APPLY = """
WITH {source}, moved AS (
  UPDATE accounts_account a
     SET status_type_id = i.to_type, status_reason_id = %(reason)s::bigint,
         status_changed_at = i.effective
    FROM input i
   WHERE a.id = i.id AND a.status_type_id = i.from_type {narrow}
  RETURNING a.id, a.number, a.name, i.from_type, i.to_type, i.rule_id, i.effective, i.requested,
            i.note, nextval(%(history_seq)s::oid::regclass) AS hid
), types AS MATERIALIZED (  -- each type's payload part built once, not once per row
  SELECT t.id, t.backend_status,
         jsonb_build_object('type', t.name, 'backend_status', t.backend_status) AS part
    FROM accounts_accountstatustype t
), actors AS MATERIALIZED (  -- and the actor's, once per rule
  SELECT r.rule_id, jsonb_build_object('kind', %(kind)s::text, 'user', %(username)s::text,
                                       'rule_id', r.rule_id) AS part
    FROM (SELECT DISTINCT i.rule_id FROM input i) AS r
){times}, hist AS (
  INSERT INTO accounts_statuschange (id, account_id, from_type_id, to_type_id, from_backend_status,
    to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at,
    note)
  SELECT m.hid, m.id, m.from_type, m.to_type, ft.backend_status, tt.backend_status, %(reason)s::bigint,
         %(kind)s::text, %(user)s::integer, m.rule_id, m.requested, m.effective, m.note
    FROM moved m
    JOIN types ft ON ft.id = m.from_type
    JOIN types tt ON tt.id = m.to_type
), outbox AS (
  INSERT INTO accounts_outboxevent (uuid, event_type, subject, account_id, payload, created_at)
  SELECT gen_random_uuid(), %(event_type)s::text, 'account:' || m.number, m.id,
         jsonb_build_object(
           'account', jsonb_build_object('id', m.id, 'number', m.number, 'name', m.name),
           'from', ft.part, 'to', tt.part,
           'reason', %(reason_name)s::text,
           'actor', ac.part, 'status_change_id', m.hid,
           'requested_at', {json_requested}, 'effective_at', {json_effective}),
         %(now)s::timestamptz
    FROM moved m
    JOIN types ft ON ft.id = m.from_type
    JOIN types tt ON tt.id = m.to_type
    JOIN actors ac ON ac.rule_id = m.rule_id {time_joins}
)
SELECT m.hid, m.id, ft.backend_status, tt.backend_status, m.effective
  FROM moved m
  JOIN types ft ON ft.id = m.from_type
  JOIN types tt ON tt.id = m.to_type
UNION ALL
SELECT NULL, (SELECT count(*) FROM input), NULL, NULL, NULL
"""


def json_time(column: str) -> str:
    """A timestamp as DjangoJSONEncoder writes it: UTC, milliseconds only when not zero, "Z"."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN date_part('microseconds', {column})::bigint %% 1000000 = 0 "
        f'THEN to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') '
        f'ELSE to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') END'
    )


FROM_ARRAYS = """input AS (
  SELECT * FROM unnest(%(ids)b::bigint[], %(from_types)b::bigint[], %(to_types)b::bigint[],
                       %(rules)b::text[], %(effective)b::timestamptz[], %(requested)b::timestamptz[],
                       %(notes)b::text[])
           AS u(id, from_type, to_type, rule_id, effective, requested, note)
)"""
APPLY_ROWS = APPLY.format(
    source=FROM_ARRAYS,
    # the ids as an array too: the planner reads the batch by index, not the table
    narrow="AND a.id = ANY(%(ids)b::bigint[])",
    # each distinct time written as JSON once (a batch has a few), not twice per row
    times=(
        ", times AS MATERIALIZED (\n"  # noqa: S608 - our own constant SQL
        f"  SELECT u.t, {json_time('u.t')} AS json\n"
        "    FROM (SELECT effective FROM input UNION SELECT requested FROM input) AS u (t)\n)"
    ),
    time_joins="JOIN times rq ON rq.t = m.requested JOIN times ef ON ef.t = m.effective",
    json_requested="rq.json",
    json_effective="ef.json",
)


@cache
def _apply_selected(source: str) -> str:
    """The statement over a caller's SELECT: a row already in the target type is left alone (as
    change_statuses skips it) and the table decides which from-types may move."""
    return APPLY.format(
        source=(
            f"source AS ({source}), input AS (\n"  # noqa: S608 - the caller's constant SELECT
            "  SELECT s.id, s.from_type, %(to_type)s::bigint AS to_type, %(rule)s::text AS rule_id,"
            " %(now)s::timestamptz AS effective, %(now)s::timestamptz AS requested, s.note"
            " FROM source s WHERE s.from_type IS DISTINCT FROM %(to_type)s::bigint\n)"
        ),
        narrow="AND i.from_type = ANY(%(allowed_from)s::bigint[])",
        times="",
        time_joins="",
        json_requested="%(now_json)s::text",  # one time for every row: sent once
        json_effective="%(now_json)s::text",
    )


def _common_params(reason: StatusReason, actor: Actor, now: datetime) -> dict:
    user = actor.user if getattr(actor.user, "pk", None) else None
    return {
        "history_seq": sqlbulk.sequence_oid("accounts_statuschange"),
        "reason": reason.pk,
        "reason_name": reason.name,
        "kind": actor.kind,
        "user": user.pk if user else None,
        "username": user.get_username() if user else None,
        "event_type": events.ACCOUNT_STATUS_CHANGED,
        "now": now,
    }


def _execute(sql: str, params: dict) -> list[ChangeRecord]:
    """Run the statement; every move that came in must have moved, else nothing is kept."""
    with transaction.atomic(), sqlbulk.server_cursor() as cursor:
        cursor.execute(sql, params, binary=True)
        rows = cursor.fetchall()
        changes = [ChangeRecord(*row) for row in rows if row[0] is not None]
        (wanted,) = [row[1] for row in rows if row[0] is None]
        if len(changes) != wanted:  # a row moved meanwhile, or the table refuses it
            raise InvalidTransition(MSG_MOVED_MEANWHILE)
    if changes:
        events.after_bulk_emit()
    return changes


def apply_rows(
    *, ids, from_types, to_types, rules, effective, requested, notes, reason, actor, now
) -> list[ChangeRecord]:
    """Write moves given as columns, already checked against the table and R-E3 (bulk.py calls
    it); the rows must be locked. Listeners are the caller's to notify."""
    params = _common_params(reason, actor, now) | {
        "ids": sqlbulk.int_array(ids),
        "from_types": sqlbulk.int_array(from_types),
        "to_types": sqlbulk.int_array(to_types),
        "rules": rules,
        "effective": effective,
        "requested": requested,
        "notes": notes,
    }
    return _execute(APPLY_ROWS, params)


def allowed_from_types(to_type: AccountStatusType, actor: Actor) -> list[int]:
    """The status types the transition table lets `actor` move to `to_type` from."""
    allowed = []
    for pk, backend in AccountStatusType.objects.values_list("pk", "backend_status"):
        try:
            next_state(backend, to_type.backend_status, actor.kind, actor.rule_id)
        except InvalidTransition:
            continue
        allowed.append(pk)
    return allowed


def change_selected(
    source: str,
    params: dict,
    *,
    to_type: AccountStatusType,
    actor: Actor,
    reason: StatusReason | str,
    now: datetime,
) -> list[ChangeRecord]:
    """Move every account a caller's SELECT yields to `to_type`, in one statement, with history
    and outbox rows; listeners get the changes at once. The SELECT gives the columns `id`,
    `from_type` and `note`, locks its rows (FOR UPDATE OF the account) and may use `%(now)s`
    and its own `params`. A row the table refuses aborts the whole statement. No target
    resolver is asked: use it for targets none redirects (lifecycle.resolve_target)."""
    reason_obj = get_reason(reason, to_type.backend_status)  # R-E3
    ours = _common_params(reason_obj, actor, now) | {
        "to_type": to_type.pk,
        "rule": actor.rule_id,
        "allowed_from": allowed_from_types(to_type, actor),
        # the payload's time as events.record_status_changes stores it, sent once
        "now_json": json.loads(json.dumps(now, cls=DjangoJSONEncoder)),
    }
    clash = set(params) & (set(ours) - {"now"})
    if clash:
        raise ValueError(f"The SELECT's parameters clash with the statement's: {sorted(clash)}")
    changes = _execute(_apply_selected(source), params | ours)
    lifecycle.notify(changes)
    return changes
