"""Trigram indexes for the admin's account search (issue 8, part 3), PostgreSQL only.

The admin searches `number` and `name` with `icontains`, which PostgreSQL runs as
`UPPER(col::text) LIKE UPPER('%term%')`; a GIN index over the same expression with
`gin_trgm_ops` (pg_trgm) answers it without reading a million rows. The indexes are built
CONCURRENTLY (the migration is not atomic), so a live accounts table keeps taking writes while
they build. On SQLite (the embedded first-run default) this migration does nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "account_number_trgm": "number",
    "account_name_trgm": "name",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON accounts_account "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0006_operator_permissions"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
