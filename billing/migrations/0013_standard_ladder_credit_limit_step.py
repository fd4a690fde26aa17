"""Issue 16: the Standard ladder gains R-D1's "credit limit reached → Suspended until Paid" step
(seed 001, R-D5) in front of its steps, and every step to a cancelled status (Terminated, R-D3)
cancels the subscriptions at once (R-D6) — before, nothing happened to them."""

from django.db import migrations


def forward(apps, schema_editor):
    from billing.defaults import add_credit_limit_step, cancelled_steps_cancel_subscriptions

    policy = apps.get_model("billing", "DunningPolicy")
    step = apps.get_model("billing", "DunningStep")
    status_type = apps.get_model("accounts", "AccountStatusType")
    add_credit_limit_step(policy, step, status_type)
    cancelled_steps_cancel_subscriptions(step)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0012_dunning_step_conditions_and_effects"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
