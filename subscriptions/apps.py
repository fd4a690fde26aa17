from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import integrity, lifecycle
        from billing import next_payment, step_effects

        from . import billing_dates, dunning_effects, hooks, scopes
        from . import integrity as checks

        lifecycle.on_status_change(hooks.follow_account_status)  # R-CH7, R-CH9, R-E8
        step_effects.on_subscription_effect(dunning_effects.schedule_for_dunning)  # R-D6, R-D3
        next_payment.register_source(billing_dates.prepaid_next_billing)  # R-S2
        scopes.register()  # R-R3: how subscriptions' rows reach a reseller (accounts.scoping)
        # verify_ledger (accounts.integrity): after billing's checks, once per run.
        integrity.register_check(checks.credit_hold_stopped_prepaid_pay_as_you_go, order=200)
        integrity.register_check(checks.held_subscriptions_remember_their_status, order=210)
