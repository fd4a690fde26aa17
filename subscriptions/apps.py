from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import lifecycle

        from . import hooks

        lifecycle.on_status_change(hooks.follow_account_status)  # R-CH7, R-CH9, R-E8
