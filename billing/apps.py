from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import lifecycle

        from . import hooks

        lifecycle.resolves_target(hooks.unlock_below_threshold_gives_credit_hold)
        lifecycle.on_status_change(hooks.after_status_changes)
