"""One row in one statement without the ORM's query compiler, for the per-request hot paths.

A payment through the API (issue 19) locks, reads and writes a handful of single rows; building
each statement through QuerySet → Query → SQLCompiler cost more CPU than PostgreSQL took to run
it. Here the column lists are built once per model from its `_meta` (they cannot drift from the
fields), values go in through each field's own `pre_save` / `get_db_prep_save` as `Model.save`
does, and rows come back through the fields' converters as a queryset's would. Plain SQL with
`%s` placeholders: PostgreSQL and SQLite alike (a caller adds `FOR UPDATE` only on PostgreSQL).
Names in the SQL come from `_meta` (quoted), never from input; every value is a parameter.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
from django.db import connection, models


@cache
def _readers(model: type[models.Model], vendor: str) -> tuple[str, list]:
    """The quoted column list of `model` (table-qualified) and each field's converters."""
    del vendor  # part of the cache key: the converters are the backend's
    table = connection.ops.quote_name(model._meta.db_table)
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in fields)
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
        if found:
            converters.append((index, col, found))
    return columns, converters


def columns(model: type[models.Model]) -> str:
    """`"table"."column", …` for every concrete field, in `from_row`'s order."""
    return _readers(model, connection.vendor)[0]


def from_row(model: type[models.Model], values: Sequence[Any]):
    """An instance of `model` from a row read with `columns(model)` (then any extra columns,
    which are ignored), as a queryset would build it."""
    fields_count = len(model._meta.concrete_fields)
    values = list(values[:fields_count])
    for index, col, converters in _readers(model, connection.vendor)[1]:
        for converter in converters:
            values[index] = converter(values[index], col, connection)
    return model.from_db(connection.alias, None, values)


def fetch_one(sql: str, params: Sequence[Any]) -> tuple | None:
    """The first row of one statement (None when there is none). On PostgreSQL a prepared
    statement, once per connection: these few statements run on every API request, and parsing
    and planning them again each time was a fifth of PostgreSQL's share of a payment (issue 19);
    the query text is bound on the server, not quoted in Python. Logged like Django's own
    queries (CaptureQueriesContext sees them), errors wrapped like Django's."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone() if cursor.description else None
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return row


def insert_returning(instance: models.Model, expression: str) -> Any:
    """`insert(instance)`, and the value of a constant SQL `expression` (no parameters) read by
    the same statement on PostgreSQL; by a SELECT after it elsewhere."""
    if connection.vendor != "postgresql":
        insert(instance)
        return fetch_one(f"SELECT {expression}", [])[0]  # noqa: S608
    return _insert(instance, None, expression)[1]


def insert(instance: models.Model, *, along: tuple[str, list] | None = None) -> models.Model:
    """INSERT one new instance and set its primary key: what `Model.save` does for a new row with
    an auto id, without the compiler (no signals are sent: callers are models without receivers,
    checked by tests/accounts/test_sqlrow.py). `along`: another data-modifying statement (an
    `update_statement`) run by the same statement on PostgreSQL — one round trip — and just
    before it elsewhere."""
    return _insert(instance, along, None)[0]


def _insert(instance, along, expression) -> tuple[models.Model, Any]:
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    quote = connection.ops.quote_name
    returning = quote(meta.pk.column) + (f", {expression}" if expression else "")
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {returning}"
    )
    if along is not None:
        other_sql, other_params = along
        if connection.vendor == "postgresql":
            sql, values = f"WITH along AS ({other_sql}) {sql}", [*other_params, *values]
        else:
            fetch_one(other_sql, other_params)
    row = fetch_one(sql, values)
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance, row[1] if expression else None


def update_statement(instance: models.Model, names: Sequence[str]) -> tuple[str, list]:
    """The UPDATE of these fields of one saved instance (`save(update_fields=…)` without the
    compiler), with its parameters: for `insert(along=…)` or `fetch_one`."""
    meta = instance._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",  # noqa: S608
        [*values, instance.pk],
    )
