from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import exemptions, integrity, lifecycle, resellers
        from accounts import notices as account_emails

        from . import hooks, notices, scopes
        from . import integrity as checks
        from .resellers import follow_reseller

        lifecycle.resolves_target(hooks.unlock_below_threshold_gives_credit_hold)
        lifecycle.on_status_change(hooks.after_status_changes)
        lifecycle.provides_account_defaults(hooks.account_defaults_from_policy)  # R-B2
        exemptions.on_exemption_change(hooks.release_exempted)  # R-X2
        scopes.register()  # R-R3: how billing's rows reach a reseller (accounts.scoping)
        resellers.on_reseller_change(follow_reseller)  # R-R2: a moved account's policy
        account_emails.on_notice(notices.log_account_email)  # R-D7: lock/unlock in the log
        # verify_ledger (accounts.integrity): per chunk of accounts the money checks around
        # accounts' history (40) and outbox (50) ones, then the dunning states once.
        integrity.register_check(checks.balances, order=10, per_chunk=True)  # R-B1, R-CH1
        integrity.register_check(checks.ledger_entries, order=20, per_chunk=True)  # R-B1
        integrity.register_check(checks.invoices, order=30, per_chunk=True)  # R-B1, R-B3
        integrity.register_check(checks.open_items, order=35, per_chunk=True)  # R-B3
        integrity.register_check(checks.status_rules, order=60, per_chunk=True)  # R-CH1, R-CH5
        integrity.register_check(checks.dunning_states, order=100)  # R-X3
