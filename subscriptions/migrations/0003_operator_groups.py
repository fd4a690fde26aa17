"""The operator groups (Support agent, Billing manager, Administrator) with their permissions.

It lives in subscriptions, the top of the app layering, so that it runs after every app's
permissions are declared; the groups themselves are defined in accounts/admin_groups.py."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.admin_groups import OPERATOR_GROUPS, ensure_operator_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate): create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_operator_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(OPERATOR_GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0002_operator_permissions"),
        ("accounts", "0006_operator_permissions"),
        ("billing", "0005_operator_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
