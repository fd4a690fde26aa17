from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Field, ForeignObject
        from django.utils.module_loading import autodiscover_modules

        from . import scoping
        from .lookups import AnyOf, RelatedAnyOf

        Field.register_lookup(AnyOf)
        ForeignObject.register_lookup(RelatedAnyOf)
        scoping.register_accounts_models()  # R-R3: how each model's rows reach a reseller
        # The control panel's frame is filled by each app's `panel` module (accounts' own,
        # billing's, subscriptions'), found like admin.autodiscover finds `admin`: no static
        # import of a higher app, so the layers hold (STYLE: "Which app may know which").
        autodiscover_modules("panel")
        autodiscover_modules("rest")  # the REST API's resources (accounts/rest/registry.py)
