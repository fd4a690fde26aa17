"""Scheduled status changes (R-E4, R-X5): made for a date, listed and cancellable until they run,
applied once when due by the sweep `apply_due_status_changes` — even with two workers at a time."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import arguments, sqlbulk
from .actors import Actor, as_actor
from .bulk import Move, change_statuses
from .changes import change_status
from .errors import AccountsError, InvalidSchedule
from .jobs import record_failure
from .models import Account, AccountStatusType, ActorKind, ScheduledStatusChange, StatusReason
from .retry import retry_on_conflict
from .statuses import get_reason, get_status_type

logger = logging.getLogger(__name__)

RULE_ID = "R-E4"
JOB = "accounts.tasks.apply_scheduled_status_changes"
MSG_PAST_DATE = _("A status change cannot be scheduled for {date}: that date has passed.")
MSG_NOT_A_DATE = _("The effective date must be a date.")
MSG_CUSTOMER_CANNOT_SCHEDULE = _("Only an operator may schedule a status change.")
MSG_NOT_CANCELLABLE = _("This scheduled change was already {state}; it can no longer be cancelled.")
MSG_ALREADY_THERE = _("The account already had this status; nothing changed.")
MSG_APPLIED = _("Applied: {from_type} → {to_type}.")
MSG_UNEXPECTED = _("Could not be applied because of an unexpected error: {error}")
State = ScheduledStatusChange.State


def check_schedule(
    status_type: Any, reason: Any, effective_on: Any, actor: Actor, today: date | None = None
) -> tuple[AccountStatusType, StatusReason]:
    """Refuse a schedule that could never run: wrong actor, date, type or reason (R-E4)."""
    if actor.kind == ActorKind.CUSTOMER:
        raise InvalidSchedule(MSG_CUSTOMER_CANNOT_SCHEDULE)
    if not isinstance(effective_on, date) or isinstance(effective_on, datetime):
        raise InvalidSchedule(MSG_NOT_A_DATE)
    if effective_on < (today or timezone.localdate()):
        raise InvalidSchedule(MSG_PAST_DATE.format(date=effective_on.isoformat()))
    target = get_status_type(status_type)
    return target, get_reason(reason, target.backend_status)


def schedule_status_change(
    account: Account,
    status_type: Any,
    *,
    reason: Any,
    effective_on: date,
    actor: Any,
    note: str = "",
    today: date | None = None,
) -> ScheduledStatusChange:
    """Schedule a status change for a date (R-E4); type and reason are checked now."""
    actor = as_actor(actor)
    arguments.text(note, "The note", error=InvalidSchedule)  # issue 15
    today = arguments.day(today, "Today", error=InvalidSchedule)
    target, reason_obj = check_schedule(status_type, reason, effective_on, actor, today)
    # Whether the lifecycle allows it is checked when it runs: the status may change until then.
    return ScheduledStatusChange.objects.create(
        account=account,
        status_type=target,
        reason=reason_obj,
        effective_on=effective_on,
        note=note,
        actor_kind=actor.kind,
        author=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        created_at=timezone.now(),
    )


@transaction.atomic
def cancel_scheduled_status_change(
    scheduled: ScheduledStatusChange, *, actor: Any
) -> ScheduledStatusChange:
    """Cancel a scheduled change that has not run yet (R-X5)."""
    actor = as_actor(actor)
    locked = ScheduledStatusChange.objects.select_for_update().get(pk=scheduled.pk)
    if locked.state != State.PENDING:
        raise InvalidSchedule(MSG_NOT_CANCELLABLE.format(state=locked.get_state_display().lower()))
    locked.state = State.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = actor.user if getattr(actor.user, "pk", None) else None
    locked.save(update_fields=["state", "cancelled_at", "cancelled_by"])
    return locked


def _actor_for(scheduled: ScheduledStatusChange) -> Actor:
    """It runs on its author's authority (an operator's decision, made earlier), marked R-E4."""
    return Actor(scheduled.actor_kind, scheduled.author, scheduled.rule_id or RULE_ID)


def _apply(scheduled: ScheduledStatusChange) -> None:
    """Apply one claimed row; a refusal is recorded on it, never raised (the batch goes on)."""
    try:
        with transaction.atomic():  # a refusal rolls back whatever the change began
            change = change_status(
                scheduled.account,
                scheduled.status_type,
                actor=_actor_for(scheduled),
                reason=scheduled.reason,
                note=scheduled.note,
                requested_at=scheduled.created_at,
            )
    except AccountsError as exc:
        scheduled.state, scheduled.outcome = State.REFUSED, exc.message
    except Exception as exc:  # recorded for the operator (here and as a JobFailure), logged
        record_failure(JOB, exc, account_id=scheduled.account_id, item=f"scheduled {scheduled.pk}")
        scheduled.state, scheduled.outcome = State.FAILED, str(MSG_UNEXPECTED.format(error=exc))
    else:
        scheduled.state = State.APPLIED
        scheduled.status_change = change
        scheduled.outcome = (
            str(MSG_APPLIED.format(from_type=change.from_type, to_type=change.to_type))
            if change
            else str(MSG_ALREADY_THERE)
        )
    scheduled.ran_at = timezone.now()
    scheduled.save(update_fields=["state", "outcome", "status_change", "ran_at"])


BATCH_SIZE = 2000


def apply_due_status_changes(today: date, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Apply every pending change due on or before `today`, each exactly once (R-E4): rows are
    claimed a batch at a time with SKIP LOCKED, so two workers never take the same row, and
    applied set-based; a refusal is recorded on its row and the batch goes on."""
    counts = {"applied": 0, "refused": 0, "failed": 0}
    last_id = 0
    while True:
        claimed = _claim_and_apply(today, last_id, batch_size)
        if not claimed:
            return counts
        last_id = claimed[-1].pk
        for scheduled in claimed:
            counts[scheduled.state] += 1


@retry_on_conflict  # a deadlock rolls the batch back; claiming it again is safe
def _claim_and_apply(today: date, last_id: int, batch_size: int) -> list[ScheduledStatusChange]:
    with transaction.atomic():
        claimed = list(
            ScheduledStatusChange.objects.due(today)
            .filter(pk__gt=last_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("status_type", "reason", "author")
            .order_by("id")[:batch_size]
        )
        if claimed:
            _apply_batch(claimed)
    return claimed


def _apply_batch(claimed: list[ScheduledStatusChange]) -> None:
    # No join in the locking query: when a concurrent change has just moved an account to
    # another type, PostgreSQL rechecks the join against the old type row and drops the account.
    types = {t.pk: t for t in AccountStatusType.objects.all()}
    accounts = {
        a.pk: a
        for a in Account.objects.filter(pk__in={s.account_id for s in claimed})
        .select_for_update()
        .order_by("pk")
    }
    for account in accounts.values():
        account.status_type = types[account.status_type_id]
    first, later, seen = [], [], set()
    for scheduled in claimed:  # a second change for the same account waits for the first
        scheduled.account = accounts[scheduled.account_id]
        (later if scheduled.account_id in seen else first).append(scheduled)
        seen.add(scheduled.account_id)
    groups: dict[tuple, list[ScheduledStatusChange]] = {}
    for scheduled in first:
        key = (scheduled.actor_kind, scheduled.author_id, scheduled.rule_id, scheduled.reason_id)
        groups.setdefault(key, []).append(scheduled)
    for group in groups.values():
        try:
            with transaction.atomic():
                _apply_group(group)
        except Exception:  # an unexpected error: row by row, so each records its own outcome
            logger.exception("Scheduled status changes applied one by one after an error")
            for scheduled in group:
                _apply(scheduled)
    for scheduled in later:
        _apply(scheduled)
    sqlbulk.update_rows(
        ScheduledStatusChange,
        ["state", "outcome", "status_change", "ran_at"],
        [(s.pk, s.state, s.outcome, s.status_change_id, s.ran_at) for s in first],
    )


def _apply_group(group: list[ScheduledStatusChange]) -> None:
    """One actor and reason: the changes go through bulk.change_statuses together."""
    refused: list = []
    moves = [Move(s.account, s.status_type, s.note, requested_at=s.created_at) for s in group]
    before = {s.pk: s.account.status_type for s in group}
    changes = change_statuses(
        moves, actor=_actor_for(group[0]), reason=group[0].reason, refused=refused
    )
    messages = {move.account.pk: error.message for move, error in refused}
    now = timezone.now()
    for scheduled in group:
        scheduled.ran_at = now
        change = changes.get(scheduled.account_id)
        if scheduled.account_id in messages:
            scheduled.state, scheduled.outcome = State.REFUSED, messages[scheduled.account_id]
        elif change is None:
            scheduled.state, scheduled.outcome = State.APPLIED, str(MSG_ALREADY_THERE)
        else:
            scheduled.state, scheduled.status_change_id = State.APPLIED, change.pk
            scheduled.outcome = str(
                MSG_APPLIED.format(from_type=before[scheduled.pk], to_type=scheduled.status_type)
            )
