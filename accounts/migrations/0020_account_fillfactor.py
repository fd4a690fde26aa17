"""Room on every page of the accounts table for the row's next version (PostgreSQL only).

An account row is rewritten by every posting (the cached balance, R-B1) and, after a credit hold,
again in the same transaction by the Next Payment date sync (R-S2). Neither column is indexed, so
PostgreSQL can write the new version on the same page without touching the table's twelve
indexes (two of them GIN trigram indexes) — a HOT update — but only when the page has room: at
the default fillfactor of 100 a freshly loaded table has none. 85 leaves 15% of each page free.

Measured (docs/PERFORMANCE.md, issue 16 and 19): bench_sweeps at 200,000 accounts 3.24x -> 3.05x
its floor, one run each on a quiet machine. Only pages written from now on keep the room; an
existing installation packs its table anew with `VACUUM FULL accounts_account` (it locks the
table) or pg_repack, in a quiet hour.
"""

from django.db import migrations

FILLFACTOR = 85


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE accounts_account SET (fillfactor = {FILLFACTOR})")


def pack_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_account RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0019_statuschange_to_active_index"),
    ]

    operations = [
        migrations.RunPython(leave_room, pack_full, elidable=False),
    ]
