"""Give the existing operator groups what was added to them since 0003: the open items and their
settlements (R-B3) to every group, the batch jobs' failures (issue 15) to Billing managers and
Administrators. Lives in subscriptions, the top of the layering, so every app's models exist."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.admin_groups import grant_added_permissions


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_added_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0005_subscription_billing_anchor"),
        ("accounts", "0012_serviceapikey_scopes"),
        ("billing", "0009_convert_open_items"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
