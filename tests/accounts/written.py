"""What a run of a status-change path wrote, without the ids a second run cannot share: the
accounts' status columns, every history column and every outbox event (R-X6). Agreement tests
run two paths on the same state, each undone by a savepoint, and compare these."""

import json
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max

from accounts.models import Account, OutboxEvent, StatusChange

HISTORY_COLUMNS = [
    "account_id",
    "from_type_id",
    "to_type_id",
    "from_backend_status",
    "to_backend_status",
    "reason_id",
    "actor_kind",
    "actor_user_id",
    "rule_id",
    "requested_at",
    "effective_at",
    "note",
]


def marks() -> tuple[int, int]:
    """The last history and outbox ids: a run's rows come after them."""
    return (
        StatusChange.objects.aggregate(last=Max("pk"))["last"] or 0,
        OutboxEvent.objects.aggregate(last=Max("pk"))["last"] or 0,
    )


def written(since: tuple[int, int], account_ids: list[int]) -> dict:
    """Everything a run wrote for these accounts after `since` (see marks)."""
    history = StatusChange.objects.filter(pk__gt=since[0], account_id__in=account_ids)
    outbox = OutboxEvent.objects.filter(pk__gt=since[1], account_id__in=account_ids)
    return {
        "accounts": list(
            Account.objects.filter(pk__in=account_ids)
            .order_by("pk")
            .values_list("pk", "status_type_id", "status_reason_id", "status_changed_at")
        ),
        "history": sorted(history.values_list(*HISTORY_COLUMNS), key=repr),
        "outbox": sorted(
            json.dumps(
                [
                    event.event_type,
                    event.subject,
                    event.account_id,
                    {k: v for k, v in event.payload.items() if k != "status_change_id"},
                ],
                sort_keys=True,
            )
            for event in outbox
        ),
    }


def run_and_undo(run: Callable[[], object], account_ids: list[int]) -> tuple[object, dict]:
    """Run one path, read what it wrote, then roll it back."""
    since = marks()
    savepoint = transaction.savepoint()
    try:
        result = run()
        seen = written(since, account_ids)
    finally:
        transaction.savepoint_rollback(savepoint)
    return result, seen
