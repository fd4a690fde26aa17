"""Give the existing operator groups the notice permissions (issue 16, R-D7): Support agents view
the templates and the notices sent, Billing managers and Administrators also edit the templates.
A new database gets them with the groups (subscriptions 0003, accounts.admin_groups)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.admin_groups import grant_notice_permissions


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_notice_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0013_standard_ladder_credit_limit_step"),
        ("accounts", "0016_reseller_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
