"""Issue 19: a service API key holds scopes (read, write, payments, entitlement); existing keys
keep answering the service endpoints only."""

import accounts.models.service_keys
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0011_serviceapikey_service")]

    operations = [
        migrations.AddField(
            model_name="serviceapikey",
            name="scopes",
            field=models.JSONField(
                blank=True,
                default=accounts.models.service_keys.default_scopes,
                help_text="What the key may do: read, write, payments, entitlement (the REST API).",
                verbose_name="scopes",
            ),
        ),
    ]
