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
    rows = []
    with transaction.atomic():
        for (from_id, _to, rule_id, effective), group in groups.items():
            current, target = group[0].account.status_type, group[0].to_type
            group_actor = Actor(actor.kind, actor.user, rule_id)
            try:
                next_state(current.backend_status, target.backend_status, actor.kind, rule_id)
                reason_obj = get_reason(reason, target.backend_status)
            except AccountsError as exc:
                if refused is None:
                    raise
                refused.extend((move, exc.message) for move in group)
                continue
            ids = [move.account.pk for move in group]
            if _set_status(ids, from_id, target, reason_obj, effective) != len(ids):
                raise InvalidTransition("Accounts changed while the sweep ran; run it again.")
            for move in group:
                rows.append(_history_row(move, current, reason_obj, group_actor, now, effective))
                move.account.status_type, move.account.status_reason = target, reason_obj
                move.account.status_changed_at = effective
        changes = _insert_history(rows)
        if changes:
            events.record_status_changes(changes)
            lifecycle.notify(changes)
    return {change.account_id: change for change in changes}


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
