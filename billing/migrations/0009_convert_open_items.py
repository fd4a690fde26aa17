"""R-B3: turn every existing debit into an open item and settle it by replaying the ledger in
order (billing.open_items.convert_all); entries and balances are read, never written."""

from django.db import migrations


def convert(apps, schema_editor):
    from billing import open_items

    open_items.convert_all(open_items.Book.of(apps))


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_open_items")]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop, elidable=True)]
