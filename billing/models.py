"""Money: the append-only ledger, invoices, recurring charges and the credit/dunning policy."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ActorKind


class DunningPolicy(models.Model):
    """An account's credit and dunning policy (R-B2, DESIGN §5): the credit defaults live here,
    with per-account overrides on the account itself; the dunning ladder is its steps."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    default_threshold = models.DecimalField(
        _("default financial blocking threshold"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
    )
    default_allowed_negative_days = models.PositiveIntegerField(
        _("default allowed negative-balance period (days)"),
        null=True,
        blank=True,
        help_text=_("Empty means infinite."),
    )
    reactivation_fee = models.DecimalField(
        _("reactivation fee"), max_digits=14, decimal_places=2, default=Decimal("10.00")
    )
    suspended_pays_usage = models.BooleanField(
        _("suspended accounts still pay usage"), default=True
    )
    lock_on_exhaustion = models.BooleanField(
        _("lock when prepaid credit runs out (R-G1)"), default=False
    )
    is_default = models.BooleanField(_("default for new accounts"), default=False)
    # R-R2: a reseller's own policies; empty = the provider's. Its default one is what its new
    # accounts take when none is named (billing.hooks.account_defaults_from_policy).
    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dunning_policies",
        verbose_name=_("reseller"),
        help_text=_("Empty: the provider's policy."),
    )
    is_reseller_default = models.BooleanField(
        _("default for the reseller's new accounts"),
        default=False,
        help_text=_("The policy a new account of this reseller takes when none is named (R-R2)."),
    )

    class Meta:
        verbose_name = _("credit and dunning policy")
        verbose_name_plural = _("credit and dunning policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_policy"
            ),
            models.UniqueConstraint(
                fields=["reseller"],
                condition=Q(is_reseller_default=True),
                name="one_default_policy_per_reseller",
            ),
            models.CheckConstraint(
                condition=Q(is_reseller_default=False) | Q(reseller__isnull=False),
                name="reseller_default_has_reseller",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Issue 3 calls the credit side of the policy a CreditPolicy; it is one policy per account.
CreditPolicy = DunningPolicy


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    USAGE = "usage", _("Usage")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")
    FEE = "fee", _("Fee")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntry(models.Model):
    """One posting; positive credits the account, negative debits it. Never edited (R-B1)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=255)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    invoice = models.ForeignKey(
        "Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        # The operator portal's money actions (issue 6); groups: accounts/admin_groups.py.
        permissions = [
            ("record_payment", _("Can record a payment")),
            ("set_financial_blocking_threshold", _("Can set the financial blocking threshold")),
            ("bill_account", _("Can bill a cancelled account (R-E8)")),
        ]
        ordering = ["-created_at", "-id"]
        constraints = [
            # Key first (issue 19): the same index finds a key whatever its account — the
            # posting's replay check and the admin's payment-reference search — so there is no
            # second index for PostgreSQL to mistake for it (with statistics taken before the
            # keys arrived it scanned this one whole, 1.2 ms a payment) or to write per entry.
            models.UniqueConstraint(
                fields=["idempotency_key", "account"],
                condition=Q(idempotency_key__isnull=False),
                name="one_entry_per_idempotency_key",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="ledger_account_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class Invoice(models.Model):
    """A bill: its charge is in the ledger; unpaid ones anchor dunning dates (R-X3)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    outstanding = models.DecimalField(_("outstanding"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=255)
    billing_date = models.DateField(_("billing date"))
    due_date = models.DateField(_("due date"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-billing_date", "-id"]
        indexes = [
            models.Index(
                fields=["account", "due_date"],
                name="invoice_account_due",
                condition=Q(paid_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


# The run bills "<description> from YYYY-MM-DD" into LedgerEntry/Invoice.description (255).
RECURRING_DESCRIPTION_MAX = 255 - len(" from 2000-01-01")
MSG_RECURRING_DESCRIPTION_TOO_LONG = _(
    "A recurring charge's description can be at most {limit} characters: its invoices add "
    "“from <date>” to it."
)


class RecurringCharge(models.Model):
    """A charge billed every period while the account's back-end status is billed (DESIGN §2)."""

    class BillingModel(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid")
        POSTPAID = "postpaid", _("Postpaid")

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="recurring_charges"
    )
    description = models.CharField(_("description"), max_length=255)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    period_months = models.PositiveSmallIntegerField(_("period (months)"), default=1)
    billing_model = models.CharField(
        max_length=8, choices=BillingModel.choices, default=BillingModel.POSTPAID
    )
    pay_as_you_go = models.BooleanField(default=False)
    next_billing_date = models.DateField(_("next billing date"), db_index=True)
    billing_anchor = models.DateField(
        _("first billing day"),
        null=True,
        blank=True,
        help_text=_(
            "Periods count whole months from this day (R-S1); empty: from the next billing date."
        ),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["next_billing_date", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.amount})"

    def clean(self) -> None:
        """Refuse a description the run could not write: the invoice's description is
        "<description> from YYYY-MM-DD" in a 255-character column (issue 15, item 3)."""
        super().clean()
        if len(self.description or "") > RECURRING_DESCRIPTION_MAX:
            raise ValidationError(
                {
                    "description": MSG_RECURRING_DESCRIPTION_TOO_LONG.format(
                        limit=RECURRING_DESCRIPTION_MAX
                    )
                }
            )


class OpenItem(models.Model):
    """A debit waiting to be paid (R-B3): one per debit entry, with its own due date; credits
    settle it (Settlement rows), oldest due date first. `settled_at` is empty while it is open."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="open_items"
    )
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="open_item")
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="open_item"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    settled = models.DecimalField(
        _("settled"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    due_date = models.DateField(_("due date"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("open item")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["account", "due_date"],
                name="open_item_account_due",
                condition=Q(settled_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, settled__gte=0, settled__lte=models.F("amount")),
                name="open_item_settled_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} due {self.due_date}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.settled


class Settlement(models.Model):
    """Part of a credit (payment, refund, credit adjustment, a debit's reversal) applied to an
    open item; a reversal of that credit releases it, which reopens the item (R-B3)."""

    item = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="settlements")
    credit = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="settlements")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("settled at"))
    released_by = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of entry {self.credit_id} on item {self.item_id}"


# The dunning ladder's models live in their own module (issue 16); imported here so that Django
# registers them with billing and every caller keeps importing them from billing.models.
from .dunning_models import (  # noqa: E402, F401
    DunningEvent,
    DunningState,
    DunningStep,
    StepCondition,
    SubscriptionEffect,
)
from .notice_models import NoticeKind, NoticeLog, NoticeStatus, ReminderNotice, StepNotice  # noqa: E402, F401, I001
