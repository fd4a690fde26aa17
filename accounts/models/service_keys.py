"""Per-service API keys for the entitlement endpoint (R-G1): only a hash of each key is stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _

API_SCOPES = ("read", "write", "payments", "entitlement")  # issue 19; accounts/rest/scopes.py


def default_scopes() -> list[str]:
    """A new key answers the service endpoints only; the REST API needs scopes given to it."""
    return ["entitlement"]


class ServiceApiKey(models.Model):
    """A key a provider's service (fax server, VoIP switch) presents to ask about entitlement.

    The key is shown once when it is issued; the database keeps its public prefix (to find the
    row) and the SHA-256 of the whole key (to check it in constant time), never the key.
    """

    name = models.CharField(_("service name"), max_length=120, unique=True)
    service = models.CharField(
        _("service"),
        max_length=80,
        blank=True,
        help_text=_(
            "The plans' service this key answers for, e.g. Fax or VoIP (R-S3); "
            "empty: it answers for the account as a whole."
        ),
    )
    scopes = models.JSONField(
        _("scopes"),
        default=default_scopes,
        blank=True,
        help_text=_("What the key may do: read, write, payments, entitlement (the REST API)."),
    )
    # R-R3: a reseller's key answers for that reseller's accounts only (404 for the others).
    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("reseller"),
        help_text=_("Empty: the provider's key, which answers for every account."),
    )
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, editable=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive key is refused with 401.")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service API key")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
