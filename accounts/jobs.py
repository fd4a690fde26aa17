"""Batch jobs go on past a bad item (issue 15, item 3).

Every batch job — subscription and recurring charges, the credit-hold and dunning sweeps,
scheduled status changes, renewal deadlines, webhook fan-out and deliveries — runs each item in
its own savepoint through `isolated()`. When an item fails, its savepoint is rolled back, the
failure is logged and recorded as a `JobFailure` row (job, account, item, error, when) that an
operator reads in the admin, the job's counts say how many failed, and the job goes on.

A set-based sweep runs a whole batch in one statement; `run_batch()` redoes a failed batch
account by account, each in its own savepoint, so only the bad account is skipped.

A deadlock or serialization failure is not the item's fault: it goes up to the job's
`retry_on_conflict`, which runs the whole (idempotent) job again, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from .models import JobFailure
from .retry import is_retryable

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


def record_failure(
    job: str, exc: BaseException, *, account_id: int | None = None, item: str = ""
) -> JobFailure:
    """Log the failure with its trace and keep it for the operator."""
    logger.error(
        "Batch job %s skipped %s (account %s): %s",
        job,
        item or "an item",
        account_id,
        exc,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    return JobFailure.objects.create(job=job, account_id=account_id, item=item[:120], error=error)


@contextmanager
def isolated(
    job: str, counts: dict, *, account_id: int | None = None, item: str = ""
) -> Iterator[None]:
    """Run the body in its own savepoint; on an error roll it back (the counts too), record it,
    count it in counts["failed"] and carry on (the error does not leave the with block)."""
    before = dict(counts)
    try:
        with transaction.atomic():
            yield
    except Exception as exc:
        if is_retryable(exc):
            raise
        counts.clear()
        counts.update(before, failed=before.get("failed", 0) + 1)
        record_failure(job, exc, account_id=account_id, item=item)


def run_batch(job: str, ids: list[int], body: Callable[[list[int]], dict], counts: dict) -> None:
    """Run body(ids) in one savepoint and add the counts it returns; when it fails, run
    body([pk]) for each account of the batch in its own savepoint instead (see `isolated`)."""
    try:
        with transaction.atomic():
            done = body(ids)
    except Exception as exc:
        if is_retryable(exc):
            raise
        logger.warning("Batch job %s: a batch of %s failed (%s); one by one", job, len(ids), exc)
        for pk in ids:
            with isolated(job, counts, account_id=pk, item=f"account {pk}"):
                add_counts(counts, body([pk]))
        return
    add_counts(counts, done)


def add_counts(counts: dict, done: dict) -> None:
    """Add the counts of one item or batch to the job's."""
    for key, value in done.items():
        counts[key] = counts.get(key, 0) + value
