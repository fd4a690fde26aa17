"""A reseller operator's account list at a million accounts (issue 17, R-R3).

The list's capped count (`SELECT count(*) FROM (SELECT id … WHERE reseller_id = … LIMIT 10001)`)
read 10,001 rows from the table (0.22 s: a reseller's accounts lie all over it); with `id` in the
index it is an index-only scan (8 ms). On PostgreSQL `account_reseller_number` (reseller, number)
is rebuilt with INCLUDE (id) under the same name, CONCURRENTLY (the migration is not atomic), so
Django's state still names it; other databases keep the plain index. The reseller foreign key's
own index goes: the composite index leads with it.
"""

import django.db.models.deletion
from django.db import migrations, models

COVERING = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS account_reseller_number_cover "
    "ON accounts_account (reseller_id, number) INCLUDE (id)"
)


def cover_id(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COVERING)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS account_reseller_number")
    schema_editor.execute(
        "ALTER INDEX account_reseller_number_cover RENAME TO account_reseller_number"
    )


def plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS account_reseller_number")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY account_reseller_number ON accounts_account (reseller_id, number)"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0017_account_list_filter_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="reseller",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty: the provider's own account.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="accounts.reseller",
                verbose_name="reseller",
            ),
        ),
        migrations.RunPython(cover_id, plain, elidable=False),
    ]
