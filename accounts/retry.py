"""Run a whole transaction again when PostgreSQL aborts it for a deadlock or a serialization
failure: the database rolled everything back, so a second attempt starts from a clean slate.

Only the outermost call retries. Inside an atomic block the enclosing transaction is already
doomed by such an error, so the error goes up to whoever opened it (a nested retry would run on a
broken transaction). Every retry is counted (`retries_seen`) and logged, so a test can show that
races met and were absorbed, not leaked to the caller.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from psycopg import errors as pg_errors

logger = logging.getLogger(__name__)

RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)
MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.02  # doubled per attempt, with full jitter (sleep in [0, delay))

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_retries: Counter[str] = Counter()


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization failure, as psycopg raises it or as Django wraps it."""
    if isinstance(exc, RETRYABLE):
        return True
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, RETRYABLE)


def retries_seen() -> dict[str, int]:
    """How many retries each wrapped function needed since the process started (or reset)."""
    with _lock:
        return dict(_retries)


def reset_retries() -> None:
    with _lock:
        _retries.clear()


def _record(name: str, attempt: int, exc: BaseException) -> None:
    with _lock:
        _retries[name] += 1
    logger.warning(
        "%s: %s on attempt %d; retrying", name, type(exc.__cause__ or exc).__name__, attempt
    )


def retry_on_conflict(
    func: Callable[P, R] | None = None,
    *,
    attempts: int = MAX_ATTEMPTS,
    using: str = DEFAULT_DB_ALIAS,
):
    """Decorate a service whose transaction may lose a race; use bare or with arguments."""

    def decorate(inner: Callable[P, R]) -> Callable[P, R]:
        name = f"{inner.__module__}.{inner.__qualname__}"

        @functools.wraps(inner)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if connections[using].in_atomic_block:
                return inner(*args, **kwargs)  # the outermost transaction owns the retry
            for attempt in range(1, attempts + 1):
                try:
                    return inner(*args, **kwargs)
                except (OperationalError, *RETRYABLE) as exc:
                    if attempt == attempts or not is_retryable(exc):
                        raise
                    _record(name, attempt, exc)
                    time.sleep(random.uniform(0, BASE_DELAY_SECONDS * 2**attempt))  # noqa: S311
            raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

        return wrapper

    return decorate(func) if func is not None else decorate
