from django.db import migrations


def create_defaults(apps, schema_editor):
    from accounts.defaults import ensure_defaults

    ensure_defaults(apps.get_model("accounts", "AccountStatusType"), apps.get_model("accounts", "StatusReason"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
