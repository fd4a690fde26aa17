from django.db import migrations


def create_policies(apps, schema_editor):
    from billing.defaults import ensure_policies

    ensure_policies(apps.get_model("billing", "DunningPolicy"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
