"""Set-based status changes for sweeps (issue 8): the same table, target resolvers, history,
outbox and listeners as `change_status`, for a batch of accounts the caller has already locked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from . import events, lifecycle, sqlbulk
from .actors import Actor
from .errors import AccountsError, InvalidTransition
from .models import Account, AccountStatusType, StatusChange, StatusReason
from .services import get_reason
from .transitions import next_state


@dataclass(frozen=True)
class Move:
    """One account (locked, its current type loaded) to move to `to_type`."""

    account: Account
    to_type: AccountStatusType
    note: str = ""
    effective_at: datetime | None = None
    requested_at: datetime | None = None


def change_statuses(
    moves: list[Move],
    *,
    actor: Actor,
    reason: StatusReason | str,
    now: datetime | None = None,
    refused: list[tuple[Move, str]] | None = None,
) -> dict[int, StatusChange]:
    """Apply many changes with one conditional UPDATE per (from, to, rule, effective time) group,
    one history insert and one outbox insert; listeners get every change at once. A group the
    table or the reason refuses raises — or, when `refused` is a list, is collected there with
    its message and the rest goes on. Returns the history rows by account id."""
    now = now or timezone.now()
    groups: dict[tuple, list[Move]] = defaultdict(list)
    for move in moves:
        target, rule_id = lifecycle.resolve_target(move.account, move.to_type, actor)
        if move.account.status_type_id == target.pk:
            continue
        key = (
            move.account.status_type_id,
            target.pk,
            rule_id or actor.rule_id,
            move.effective_at or now,
        )
        groups[key].append(
            Move(move.account, target, move.note, move.effective_at, move.requested_at)
        )
    accepted = []
    for (_from, _to, rule_id, effective), group in groups.items():
        current, target = group[0].account.status_type, group[0].to_type
        try:
            next_state(current.backend_status, target.backend_status, actor.kind, rule_id)
            reason_obj = get_reason(reason, target.backend_status)
        except AccountsError as exc:
            if refused is None:
                raise
            refused.extend((move, exc.message) for move in group)
            continue
        accepted.extend((move, current, reason_obj, rule_id, effective) for move in group)
    if not accepted:
        return {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            changes = _apply_sql(accepted, actor, now)
        else:
            changes = _apply_orm(accepted, actor, now)
        for move, _current, reason_obj, _rule, effective in accepted:
            move.account.status_type, move.account.status_reason = move.to_type, reason_obj
            move.account.status_changed_at = effective
        lifecycle.notify(changes)
    return {change.account_id: change for change in changes}


def _apply_orm(accepted, actor: Actor, now: datetime) -> list[StatusChange]:
    """Any database: a conditional UPDATE per group, one history insert, one outbox insert."""
    by_group: dict[tuple, list] = defaultdict(list)
    for item in accepted:
        move, current, reason_obj, rule_id, effective = item
        by_group[(current.pk, move.to_type.pk, rule_id, effective)].append(item)
    rows = []
    for (from_id, _to, rule_id, effective), items in by_group.items():
        ids = [item[0].account.pk for item in items]
        target, reason_obj = items[0][0].to_type, items[0][2]
        if _set_status(ids, from_id, target, reason_obj, effective) != len(ids):
            raise InvalidTransition("Accounts changed while the sweep ran; run it again.")
        group_actor = Actor(actor.kind, actor.user, rule_id)
        rows.extend(
            _history_row(move, current, reason_obj, group_actor, now, effective)
            for move, current, _r, _rule, _e in items
        )
    changes = _insert_history(rows)
    events.record_status_changes(changes)
    return changes


@dataclass(frozen=True)
class ChangeRecord:
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


# One statement: conditional update, history rows, outbox events (the payload of
# events.record_status_changes, built by the database; tests/accounts/test_bulk.py compares them).
APPLY = """
WITH input AS (
  SELECT * FROM unnest(%(ids)b::bigint[], %(from_types)b::bigint[], %(to_types)b::bigint[],
                       %(rules)b::text[], %(effective)b::timestamptz[], %(requested)b::timestamptz[],
                       %(notes)b::text[])
           AS u(id, from_type, to_type, rule_id, effective, requested, note)
), moved AS (
  UPDATE accounts_account a
     SET status_type_id = i.to_type, status_reason_id = %(reason)s::bigint,
         status_changed_at = i.effective
    FROM input i
   WHERE a.id = ANY(%(ids)b::bigint[])  -- an index scan of the batch, not of the table
     AND a.id = i.id AND a.status_type_id = i.from_type
  RETURNING a.id, a.number, a.name, i.from_type, i.to_type, i.rule_id, i.effective, i.requested,
            i.note, nextval(%(history_seq)s::oid::regclass) AS hid
), hist AS (
  INSERT INTO accounts_statuschange (id, account_id, from_type_id, to_type_id, from_backend_status,
    to_backend_status, reason_id, actor_kind, actor_user_id, rule_id, requested_at, effective_at,
    note)
  SELECT m.hid, m.id, m.from_type, m.to_type, ft.backend_status, tt.backend_status, %(reason)s::bigint,
         %(kind)s::text, %(user)s::integer, m.rule_id, m.requested, m.effective, m.note
    FROM moved m
    JOIN accounts_accountstatustype ft ON ft.id = m.from_type
    JOIN accounts_accountstatustype tt ON tt.id = m.to_type
  RETURNING id, account_id, from_type_id, to_type_id, from_backend_status, to_backend_status,
            rule_id, requested_at, effective_at
), outbox AS (
  INSERT INTO accounts_outboxevent (uuid, event_type, subject, account_id, payload, created_at)
  SELECT gen_random_uuid(), %(event_type)s::text, 'account:' || m.number, m.id,
         jsonb_build_object(
           'account', jsonb_build_object('id', m.id, 'number', m.number, 'name', m.name),
           'from', jsonb_build_object('type', ft.name, 'backend_status', ft.backend_status),
           'to', jsonb_build_object('type', tt.name, 'backend_status', tt.backend_status),
           'reason', %(reason_name)s::text,
           'actor', jsonb_build_object('kind', %(kind)s::text, 'user', %(username)s::text,
                                       'rule_id', m.rule_id),
           'status_change_id', m.hid,
           'requested_at', {json_time}, 'effective_at', {json_effective}),
         %(now)s::timestamptz
    FROM moved m
    JOIN accounts_accountstatustype ft ON ft.id = m.from_type
    JOIN accounts_accountstatustype tt ON tt.id = m.to_type
  RETURNING 1
)
SELECT m.hid, m.id, ft.backend_status, tt.backend_status, m.effective,
       (SELECT count(*) FROM outbox) + (SELECT count(*) FROM hist)
  FROM moved m
  JOIN accounts_accountstatustype ft ON ft.id = m.from_type
  JOIN accounts_accountstatustype tt ON tt.id = m.to_type
"""


def json_time(column: str) -> str:
    """A timestamp as DjangoJSONEncoder writes it: UTC, milliseconds only when not zero, "Z"."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN date_part('microseconds', {column})::bigint %% 1000000 = 0 "
        f'THEN to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') '
        f'ELSE to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') END'
    )


APPLY_SQL = APPLY.format(
    json_time=json_time("m.requested"), json_effective=json_time("m.effective")
)


def _apply_sql(accepted, actor: Actor, now: datetime) -> list[ChangeRecord]:
    """PostgreSQL: every accepted move in one statement; a row that moved meanwhile is an error."""
    return apply_rows(
        ids=[m.account.pk for m, *_ in accepted],
        from_types=[c.pk for _, c, *_ in accepted],
        to_types=[m.to_type.pk for m, *_ in accepted],
        rules=[rule for *_, rule, _ in accepted],
        effective=[eff for *_, eff in accepted],
        requested=[m.requested_at or now for m, *_ in accepted],
        notes=[m.note for m, *_ in accepted],
        reason=accepted[0][2],
        actor=actor,
        now=now,
    )


def apply_rows(
    *, ids, from_types, to_types, rules, effective, requested, notes, reason, actor, now
) -> list[ChangeRecord]:
    """The statement behind change_statuses, for callers that already hold plain columns (the
    dunning sweep's batch): the rows must be locked and each move allowed by the table."""
    user = actor.user if getattr(actor.user, "pk", None) else None
    params = {
        "history_seq": sqlbulk.sequence_oid("accounts_statuschange"),
        "ids": ids,
        "from_types": from_types,
        "to_types": to_types,
        "rules": rules,
        "effective": effective,
        "requested": requested,
        "notes": notes,
        "reason": reason.pk,
        "reason_name": reason.name,
        "kind": actor.kind,
        "user": user.pk if user else None,
        "username": user.get_username() if user else None,
        "event_type": events.ACCOUNT_STATUS_CHANGED,
        "now": now,
    }
    with sqlbulk.server_cursor() as cursor:
        cursor.execute(APPLY_SQL, params, binary=True)
        rows = cursor.fetchall()
    if len(rows) != len(ids):
        raise InvalidTransition("Accounts changed while the sweep ran; run it again.")
    events.after_bulk_emit()
    return [ChangeRecord(pk, account_id, frm, to, eff) for pk, account_id, frm, to, eff, _ in rows]


def _set_status(ids, from_id, target, reason, effective) -> int:
    """The conditional UPDATE: only rows still in `from_id` move."""
    if connection.vendor != "postgresql":
        return Account.objects.filter(pk__in=ids, status_type_id=from_id).update(
            status_type=target, status_reason=reason, status_changed_at=effective
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET status_type_id = %s, status_reason_id = %s, "
            "status_changed_at = %s WHERE id = ANY(%s) AND status_type_id = %s",
            [target.pk, reason.pk, effective, ids, from_id],
        )
        return cursor.rowcount


HISTORY_FIELDS = [
    "account",
    "from_type",
    "to_type",
    "from_backend_status",
    "to_backend_status",
    "reason",
    "actor_kind",
    "actor_user",
    "rule_id",
    "requested_at",
    "effective_at",
    "note",
]


def _insert_history(rows: list[StatusChange]) -> list[StatusChange]:
    ids = sqlbulk.insert_rows(
        StatusChange,
        HISTORY_FIELDS,
        [tuple(getattr(row, name) for name in HISTORY_FIELDS) for row in rows],
    )
    for row, pk in zip(rows, ids, strict=True):
        row.pk = row.id = pk
    return rows


def _history_row(move, current, reason, actor, now, effective) -> StatusChange:
    return StatusChange(
        account=move.account,
        from_type=current,
        to_type=move.to_type,
        from_backend_status=current.backend_status,
        to_backend_status=move.to_type.backend_status,
        reason=reason,
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        requested_at=move.requested_at or now,
        effective_at=effective,
        note=move.note,
    )
