"""Trigram indexes for the account list's search by member (issue 18), PostgreSQL only.

The account list also finds accounts by a member's user name or email (`icontains`, which
PostgreSQL runs as `UPPER(col::text) LIKE UPPER('%term%')`); a GIN index over the same
expression with `gin_trgm_ops` answers it without reading every user, as 0007 does for the
account's number and name. Built CONCURRENTLY (the migration is not atomic); a no-op on SQLite.
"""

from django.db import migrations

INDEXES = {
    "auth_user_username_trgm": "username",
    "auth_user_email_trgm": "email",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON auth_user "
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
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0012_serviceapikey_scopes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
