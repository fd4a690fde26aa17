"""Set-based status changes for sweeps (issue 8): the same table, history, outbox and listeners as
`change_status`, for a batch of accounts the caller has already locked in its transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import events, lifecycle
from .actors import Actor
from .errors import InvalidTransition
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


def change_statuses(
    moves: list[Move], *, actor: Actor, reason: StatusReason | str, now: datetime | None = None
) -> list[StatusChange]:
    """Apply many changes with one conditional UPDATE per (from, to, effective time) group, one
    history insert and one outbox insert; listeners get every change at once. Each group is
    checked against the transition table first: a refused group raises and nothing is written."""
    now = now or timezone.now()
    moves = [m for m in moves if m.account.status_type_id != m.to_type.pk]
    if not moves:
        return []
    groups: dict[tuple, list[Move]] = defaultdict(list)
    for move in moves:
        effective = move.effective_at or now
        groups[(move.account.status_type_id, move.to_type.pk, effective)].append(move)
    reasons: dict[str, StatusReason] = {}
    rows = []
    with transaction.atomic():
        for (from_id, _to_id, effective), group in groups.items():
            current, target = group[0].account.status_type, group[0].to_type
            next_state(current.backend_status, target.backend_status, actor.kind, actor.rule_id)
            if target.backend_status not in reasons:
                reasons[target.backend_status] = get_reason(reason, target.backend_status)
            reason_obj = reasons[target.backend_status]
            ids = [move.account.pk for move in group]
            updated = Account.objects.filter(pk__in=ids, status_type_id=from_id).update(
                status_type=target, status_reason=reason_obj, status_changed_at=effective
            )
            if updated != len(ids):
                raise InvalidTransition("Accounts changed while the sweep ran; run it again.")
            for move in group:
                rows.append(_history_row(move, current, target, reason_obj, actor, now, effective))
                move.account.status_type, move.account.status_reason = target, reason_obj
                move.account.status_changed_at = effective
        changes = StatusChange.objects.bulk_create(rows)
        events.record_status_changes(changes)
        lifecycle.notify(changes)
    return changes


def _history_row(move, current, target, reason, actor, now, effective) -> StatusChange:
    return StatusChange(
        account=move.account,
        from_type=current,
        to_type=target,
        from_backend_status=current.backend_status,
        to_backend_status=target.backend_status,
        reason=reason,
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        requested_at=now,
        effective_at=effective,
        note=move.note,
    )
