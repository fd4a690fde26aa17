"""One sweep at a time: a PostgreSQL advisory lock, or a file lock on SQLite (STYLE: Celery safety)."""

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


@contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Yield True when this process holds the lock for `name`, False when another one does."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    lock_dir = Path(settings.VAR_DIR) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    # One lock per database file; an in-memory database belongs to this process alone.
    database = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        database += f"-{os.getpid()}"
    key = f"{name}-{zlib.crc32(database.encode()):08x}"
    with open(lock_dir / f"{key}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
