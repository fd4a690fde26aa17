"""One account's status change (DESIGN §6 `accounts.services.change_status`): lock the row, then
the one writer every path shares (accounts/bulk.py), returning the model history row."""

from __future__ import annotations

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
from .statuses import get_status_type

MSG_FUTURE_CHANGE = _(
    "A change effective in the future is a scheduled change: schedule it instead (R-E4)."
)


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
) -> StatusChange | None:
    """Move an account to another status type; returns the history row, or None if already there."""
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
