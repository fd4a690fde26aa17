"""R-S1: a recurring charge's periods count whole months from its first billing day."""

from django.db import migrations, models
from django.db.models import F


def fill_anchor(apps, schema_editor):
    # The first billing day is not stored anywhere; the next billing date is the best anchor we
    # have (a charge that already drifted from the 31st to the 30th stays on the 30th).
    RecurringCharge = apps.get_model("billing", "RecurringCharge")
    RecurringCharge.objects.filter(billing_anchor__isnull=True).update(
        billing_anchor=F("next_billing_date")
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_dunning_event_account_index_covered")]

    operations = [
        migrations.AddField(
            model_name="recurringcharge",
            name="billing_anchor",
            field=models.DateField(
                blank=True,
                help_text=(
                    "Periods count whole months from this day (R-S1); empty: from the next "
                    "billing date."
                ),
                null=True,
                verbose_name="first billing day",
            ),
        ),
        migrations.RunPython(fill_anchor, migrations.RunPython.noop, elidable=True),
    ]
