"""One account's status change (DESIGN §6 `accounts.services.change_status`): lock the row, then
the one writer every path shares (accounts/bulk.py), returning the model history row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import arguments, bulk
from .actors import as_actor
from .errors import InvalidTransition
from .models import Account, AccountStatusType, ActorKind, StatusChange, StatusReason
from .retry import retry_on_conflict
from .statuses import get_reason, get_status_type

MSG_FUTURE_CHANGE = _(
    "A change effective in the future is a scheduled change: schedule it instead (R-E4)."
)


@dataclass(frozen=True)
class StatusPreview:
    """What a status change would do (R-X5): from which type to which (after the resolvers,
    R-CH2), under which rule — nothing written."""

    from_type: AccountStatusType
    to_type: AccountStatusType
    rule_id: str

    @property
    def changes(self) -> bool:
        return self.from_type.pk != self.to_type.pk


def preview_status_change(
    account: Account, status_type: AccountStatusType | str, *, actor: Any, reason
) -> StatusPreview:
    """change_status's answer without writing: the same resolvers, table, exit rule and reason
    check (bulk.check_move) raise the same domain errors; the account is not locked."""
    actor = as_actor(actor)
    move = bulk.resolved_move(bulk.Move(account, get_status_type(status_type)), actor)
    if move.to_type.pk == account.status_type_id:  # already there: only the reason is checked
        get_reason(reason, move.to_type.backend_status)
    else:
        bulk.check_move(
            account.status_type, move.to_type, actor, move.rule_id, bulk.unpaid_exit(move), reason
        )
    return StatusPreview(account.status_type, move.to_type, move.rule_id)


@retry_on_conflict  # only at the outermost level; inside a transaction the caller retries
def change_status(
    account: Account,
    status_type: AccountStatusType | str,
    *,
    actor: Any,
    reason: StatusReason | str,
    effective_at: datetime | None = None,
    note: str = "",
    requested_at: datetime | None = None,
    preview: bool = False,
) -> StatusChange | StatusPreview | None:
    """Move an account to another status type; returns the history row, or None if already there.
    With `preview`, what it would do (preview_status_change), nothing written (R-X5)."""
    actor = as_actor(actor)
    effective_at = arguments.moment(effective_at, "The effective time", error=InvalidTransition)
    arguments.text(note, "The note", error=InvalidTransition)
    now = timezone.now()
    # Sweeps pass their explicit `now` (R-X7 time travel); people schedule future changes (R-E4).
    if (
        actor.kind != ActorKind.SYSTEM
        and effective_at is not None
        and effective_at > now + timedelta(seconds=5)
    ):
        raise InvalidTransition(MSG_FUTURE_CHANGE)
    if preview:
        return preview_status_change(account, status_type, actor=actor, reason=reason)
    target = get_status_type(status_type)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.status_type_id == target.pk:
            return None
        move = bulk.Move(locked, target, note, effective_at, requested_at)
        change = bulk.change_statuses([move], actor=actor, reason=reason, now=now, instances=True)
        change = change.get(locked.pk)
    if change is not None:
        account.status_type = locked.status_type
        account.status_reason = locked.status_reason
        account.status_changed_at = locked.status_changed_at
    return change
