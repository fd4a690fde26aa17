"""Resellers (DESIGN §7, R-R1–R-R3): the provider's partners who run their own customers in the
same back office, and the tie of a staff user to one of them (a reseller operator)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reseller(models.Model):
    """A partner between the provider and its customers; its accounts take its defaults (R-R2)
    and its contact is the one their customers are sent to (R-R1)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    orders_contact = models.CharField(
        _("orders contact"),
        max_length=200,
        help_text=_(
            "Where the reseller's customers renew or order, e.g. orders@reseller.example "
            "(named by the unlock refusal, R-G2, and the blocked-company texts, R-R1)."
        ),
    )
    orders_email = models.EmailField(_("orders email"), blank=True)
    support_contact = models.CharField(
        _("support contact"),
        max_length=200,
        blank=True,
        help_text=_("Who the reseller's customers call for help, e.g. a phone number or desk."),
    )
    support_email = models.EmailField(_("support email"), blank=True)
    default_financial_blocking_threshold = models.DecimalField(
        _("default financial blocking threshold"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the new account takes its policy's threshold (R-B2)."),
    )
    default_allowed_negative_days = models.PositiveIntegerField(
        _("default allowed negative-balance period (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: the new account takes its policy's period (an infinite period is a policy's, "
            "R-R2, R-B2)."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive reseller takes no new accounts; its existing ones stay."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reseller")
        permissions = [
            ("move_account_reseller", _("Can move an account to another reseller (R-R1)")),
        ]

    def __str__(self) -> str:
        return self.name

    def account_defaults(self) -> dict:
        """The fields a new account of this reseller takes unless given (R-R2, R-B2)."""
        defaults: dict = {}
        if self.default_financial_blocking_threshold is not None:
            defaults["financial_blocking_threshold"] = Decimal(
                self.default_financial_blocking_threshold
            )
        if self.default_allowed_negative_days is not None:
            defaults["allowed_negative_days"] = self.default_allowed_negative_days
        return defaults


class OperatorProfile(models.Model):
    """Ties a staff user to one reseller: a reseller operator sees and acts on that reseller's
    objects only (R-R3). A staff user without a profile (or with no reseller) is a provider
    operator and sees everything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="operator_profile",
        verbose_name=_("user"),
    )
    reseller = models.ForeignKey(
        Reseller,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operators",
        verbose_name=_("reseller"),
        help_text=_("Empty: a provider operator, who sees every reseller's accounts."),
    )

    class Meta:
        verbose_name = _("operator profile")

    def __str__(self) -> str:
        return f"{self.user} ({self.reseller or _('provider')})"
