"""A real database failure for one row: a trigger that refuses any insert or update of `table`
whose `column` equals `value` — what a bad row (a value over its column, a broken constraint)
does to a batch job, on PostgreSQL and on SQLite alike, without mocking the code under test."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

POISON_MESSAGE = "poisoned row for the batch isolation test"


@contextmanager
def poisoned(table: str, column: str, value: int):
    """Writes of that row fail while the block runs (the trigger is dropped after it)."""
    with connection.cursor() as cursor:
        for statement in _create(table, column, int(value)):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in _drop(table):
                cursor.execute(statement)


def _create(table: str, column: str, value: int) -> list[str]:
    if connection.vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION poison_row() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{POISON_MESSAGE}'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER poison_{table} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"WHEN (NEW.{column} = {value}) EXECUTE FUNCTION poison_row()",
        ]
    return [
        f"CREATE TRIGGER poison_{table}_{event.lower()} BEFORE {event} ON {table} "
        f"WHEN NEW.{column} = {value} BEGIN SELECT RAISE(ABORT, '{POISON_MESSAGE}'); END"
        for event in ("INSERT", "UPDATE")
    ]


def _drop(table: str) -> list[str]:
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS poison_{table} ON {table}"]
    return [f"DROP TRIGGER IF EXISTS poison_{table}_{event}" for event in ("insert", "update")]
