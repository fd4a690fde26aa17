"""R-S3: a service API key belongs to one service (blank: it answers for the whole account)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_job_failure")]

    operations = [
        migrations.AddField(
            model_name="serviceapikey",
            name="service",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The plans' service this key answers for, e.g. Fax or VoIP (R-S3); "
                    "empty: it answers for the account as a whole."
                ),
                max_length=80,
                verbose_name="service",
            ),
        ),
    ]
