"""R-S1: a subscription's periods count whole months from its first day (the billing anchor)."""

from django.db import migrations, models
from django.db.models import F


def fill_anchor(apps, schema_editor):
    # The first day was not stored; the current period's start is on the billing day the
    # subscription has now (one that already drifted from the 31st to the 30th stays there).
    Subscription = apps.get_model("subscriptions", "Subscription")
    Subscription.objects.filter(billing_anchor__isnull=True).update(
        billing_anchor=F("period_start")
    )


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0004_subscription_status_hot_updates")]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="billing_anchor",
            field=models.DateField(
                blank=True,
                help_text="Periods count whole months from this day (R-S1).",
                null=True,
                verbose_name="first billing day",
            ),
        ),
        migrations.RunPython(fill_anchor, migrations.RunPython.noop, elidable=True),
    ]
