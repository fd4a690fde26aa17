"""Accounts' one writer of status changes, for one account or many: the transition table, the
target resolvers, the reason check (R-E3), the conditional UPDATE, the history rows, the outbox
events (R-X6) and the status listeners, in the caller's transaction.

`change_statuses` takes moves (the accounts locked by the caller, their current type loaded);
`changes.change_status` is it for one account. On PostgreSQL the rows are written by one
statement (accounts/bulk_sql.py, which also serves callers that select their rows in SQL);
elsewhere, and for a caller that wants model instances back, by the ORM below.
tests/accounts/test_change_agreement.py holds the two writers to the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from . import bulk_sql, events, lifecycle, sqlbulk
from .actors import Actor
from .bulk_sql import ChangeRecord, apply_rows, change_selected
from .errors import AccountsError, InvalidTransition
from .models import Account, AccountStatusType, StatusChange, StatusReason
from .models import BackendStatus as S
from .statuses import get_reason
from .transitions import check_leaving_cancellation, next_state

__all__ = ["ChangeRecord", "Move", "apply_rows", "change_selected", "change_statuses"]


@dataclass(frozen=True)
class Move:
    """One account (locked, its current type loaded) to move to `to_type`. `account` may be a
    plain row with `pk`, `status_type_id` and `status_type` (a sweep's batch read as rows)."""

    account: Any
    to_type: AccountStatusType
    note: str = ""
    effective_at: datetime | None = None
    requested_at: datetime | None = None
    rule_id: str = ""  # the rule this move applies, when not the actor's (a dunning step's)


class Accepted(NamedTuple):
    """A move the table and the reason allow, with what its history row says."""

    move: Move
    current: AccountStatusType
    reason: StatusReason
    rule_id: str
    effective: datetime


def change_statuses(
    moves: list[Move],
    *,
    actor: Actor,
    reason: StatusReason | str,
    now: datetime | None = None,
    refused: list[tuple[Move, AccountsError]] | None = None,
    instances: bool = False,
) -> dict[int, StatusChange | ChangeRecord]:
    """Apply many changes: one conditional UPDATE per (from, to, rule, effective time) group, one
    history insert and one outbox insert; listeners get every change at once. A group the table
    or the reason refuses raises — or, when `refused` is a list, is collected there with its
    error and the rest goes on. A move to the type the account has is skipped. Returns the
    history rows by account id: StatusChange instances with `instances` or off PostgreSQL."""
    now = now or timezone.now()
    accepted = _accept(_resolve(moves, actor), actor, reason, refused, now)
    if not accepted:
        return {}
    with transaction.atomic():
        if connection.vendor == "postgresql" and not instances:
            changes = _write_sql(accepted, actor, now)
        else:
            changes = _write_orm(accepted, actor, now)
        for item in accepted:
            if isinstance(item.move.account, Account):  # a plain row is not read again
                item.move.account.status_type = item.move.to_type
                item.move.account.status_reason = item.reason
                item.move.account.status_changed_at = item.effective
        lifecycle.notify(changes)
    return {change.account_id: change for change in changes}


def _resolve(moves: list[Move], actor: Actor) -> list[Move]:
    """Let a higher app redirect each target (R-CH2); drop the moves that change nothing."""
    resolved = [resolved_move(move, actor) for move in moves]
    return [move for move in resolved if move.account.status_type_id != move.to_type.pk]


def _accept(moves, actor: Actor, reason, refused, now: datetime) -> list[Accepted]:
    """Check each (from, to, rule) group once against the table and R-E3."""
    groups: dict[tuple, list[Move]] = defaultdict(list)
    for move in moves:
        key = (move.account.status_type_id, move.to_type.pk, move.rule_id, unpaid_exit(move))
        groups[key].append(move)
    accepted = []
    for (_from, _to, rule_id, non_payment), group in groups.items():
        current, target = group[0].account.status_type, group[0].to_type
        try:
            reason_obj = check_move(current, target, actor, rule_id, non_payment, reason)
        except AccountsError as exc:
            if refused is None:
                raise
            refused.extend((move, exc) for move in group)
            continue
        accepted.extend(
            Accepted(move, current, reason_obj, rule_id, move.effective_at or now) for move in group
        )
    return accepted


def check_move(current, target, actor: Actor, rule_id: str, non_payment: bool, reason):
    """The table (R-C1), Enable's exit from a non-payment cancellation (R-D3) and the reason's
    fit (R-E3) for one move; returns the reason, or raises the domain error. The one check both
    the writer and a preview (changes.preview_status_change) apply."""
    next_state(current.backend_status, target.backend_status, actor.kind, rule_id)
    check_leaving_cancellation(
        current.backend_status, target.backend_status, non_payment=non_payment, rule_id=rule_id
    )
    return get_reason(reason, target.backend_status)


def resolved_move(move: Move, actor: Actor) -> Move:
    """`move` with its target as the resolvers redirect it (R-CH2) and the rule it applies."""
    target, rule_id = lifecycle.resolve_target(move.account, move.to_type, actor)
    rule_id = rule_id or move.rule_id or actor.rule_id
    if target is move.to_type and rule_id == move.rule_id:
        return move  # nothing redirected (a sweep's every move): no copy
    return Move(
        move.account,
        target,
        move.note,
        move.effective_at,
        move.requested_at,
        rule_id,
    )


def unpaid_exit(move: Move) -> bool:
    """A move out of a cancellation entered for non-payment (issue 15 #6: Enable's only)."""
    if (move.account.status_type.backend_status, move.to_type.backend_status) != (
        S.CANCELLED,
        S.ACTIVE,
    ):
        return False
    reason_id = getattr(move.account, "status_reason_id", None)
    return StatusReason.objects.filter(pk=reason_id, is_financial=True).exists()


def _write_sql(accepted: list[Accepted], actor: Actor, now: datetime) -> list[ChangeRecord]:
    """PostgreSQL: every accepted move in one statement; a row that moved meanwhile is an error."""
    by_reason: dict[int, list[Accepted]] = defaultdict(list)
    for item in accepted:  # one reason per statement (R-E3 has checked it fits each target)
        by_reason[item.reason.pk].append(item)
    changes: list[ChangeRecord] = []
    for items in by_reason.values():
        changes += bulk_sql.apply_rows(
            ids=[item.move.account.pk for item in items],
            from_types=[item.current.pk for item in items],
            to_types=[item.move.to_type.pk for item in items],
            rules=[item.rule_id for item in items],
            effective=[item.effective for item in items],
            requested=[item.move.requested_at or now for item in items],
            notes=[item.move.note for item in items],
            reason=items[0].reason,
            actor=actor,
            now=now,
        )
    return changes


def _write_orm(accepted: list[Accepted], actor: Actor, now: datetime) -> list[StatusChange]:
    """Any database: a conditional UPDATE per group, one history insert, one outbox insert."""
    by_group: dict[tuple, list[Accepted]] = defaultdict(list)
    for item in accepted:
        key = (item.current.pk, item.move.to_type.pk, item.reason.pk, item.effective)
        by_group[key].append(item)
    for (from_id, _to, _reason, effective), items in by_group.items():
        ids = [item.move.account.pk for item in items]
        target, reason = items[0].move.to_type, items[0].reason
        if _set_status(ids, from_id, target, reason, effective) != len(ids):
            raise InvalidTransition(bulk_sql.MSG_MOVED_MEANWHILE)
    return record_history(
        [
            history_row(
                item.move.account,
                item.current,
                item.move.to_type,
                item.reason,
                Actor(actor.kind, actor.user, item.rule_id),
                item.move.requested_at or now,
                item.effective,
                item.move.note,
            )
            for item in accepted
        ]
    )


def _set_status(ids, from_id, target, reason, effective) -> int:
    """The conditional UPDATE: only rows still in `from_id` move."""
    return Account.objects.filter(pk__any=ids, status_type_id=from_id).update(
        status_type=target, status_reason=reason, status_changed_at=effective
    )


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


def record_history(rows: list[StatusChange]) -> list[StatusChange]:
    """Insert history rows and their outbox events (R-X6) in the caller's transaction."""
    ids = sqlbulk.insert_rows(
        StatusChange,
        HISTORY_FIELDS,
        [tuple(getattr(row, name) for name in HISTORY_FIELDS) for row in rows],
    )
    for row, pk in zip(rows, ids, strict=True):
        row.pk = row.id = pk
    events.record_status_changes(rows)
    return rows


def history_row(
    account: Account,
    from_type: AccountStatusType | None,
    to_type: AccountStatusType,
    reason: StatusReason,
    actor: Actor,
    requested_at: datetime,
    effective_at: datetime,
    note: str,
) -> StatusChange:
    """The history row of one change (`from_type` None: the account's first row)."""
    return StatusChange(
        account=account,
        from_type=from_type,
        to_type=to_type,
        from_backend_status=from_type.backend_status if from_type else "",
        to_backend_status=to_type.backend_status,
        reason=reason,
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        requested_at=requested_at,
        effective_at=effective_at,
        note=note,
    )
