from django.db import migrations


def create_steps(apps, schema_editor):
    from billing.defaults import ensure_steps

    ensure_steps(
        apps.get_model("billing", "DunningPolicy"),
        apps.get_model("billing", "DunningStep"),
        apps.get_model("accounts", "AccountStatusType"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_dunning_steps"),
        ("accounts", "0002_default_status_types_and_reasons"),
    ]

    operations = [migrations.RunPython(create_steps, migrations.RunPython.noop)]
