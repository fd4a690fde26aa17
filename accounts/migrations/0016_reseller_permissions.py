"""Give the existing operator groups issue 17's permissions: every group views resellers;
Administrators manage resellers and their operators and move accounts between them (R-R1,
R-R3). A group's own edits are kept (permissions are only added)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.admin_groups import grant_reseller_permissions


def grant(apps, schema_editor):
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_reseller_permissions(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_statuschange_effective_at_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
