"""Plans, the resources they allocate, subscriptions and their history (DESIGN §4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ActorKind
from billing.models import RecurringCharge


class SubscriptionStatus(models.TextChoices):
    """Stable and transitional statuses (DESIGN §4); the table is in transitions.py."""

    ACTIVATING = "activating", _("Activating")
    ACTIVE = "active", _("Active")
    GRACED = "graced", _("Graced")
    RENEWING = "renewing", _("Renewing")
    UPDATING = "updating", _("Updating")
    STOPPING = "stopping", _("Stopping")
    STOPPED = "stopped", _("Stopped")
    WAITING_FOR_MANUAL_APPROVE = "waiting_for_manual_approve", _("Waiting for manual approve")
    DELETING = "deleting", _("Deleting")
    CANCELLED = "cancelled", _("Cancelled")


class Plan(models.Model):
    """What a customer can order: a service at a price per period, and its terms."""

    # The same choices as billing's recurring charges, so billing.recurring.is_billed reads a plan
    # exactly as it reads a RecurringCharge (DESIGN §2, one rule in one place).
    BillingModel = RecurringCharge.BillingModel

    class OnCreditHold(models.TextChoices):
        STOP = "stop", _("Stopped")
        MANUAL_APPROVE = "manual_approve", _("Waiting for manual approve")

    name = models.CharField(_("name"), max_length=120, unique=True)
    service = models.CharField(_("service"), max_length=80, help_text=_("e.g. Fax, VoIP"))
    price = models.DecimalField(_("price per period"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    period_months = models.PositiveSmallIntegerField(_("period (months)"), default=1)
    billing_model = models.CharField(_("billing model"), max_length=8, choices=BillingModel.choices)
    pay_as_you_go = models.BooleanField(_("pay-as-you-go"), default=False)
    trial_allowed = models.BooleanField(_("trial allowed"), default=False)
    trial_days = models.PositiveSmallIntegerField(_("trial length (days)"), default=30)
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=7,
        help_text=_("How long an expired subscription stays Graced before it stops."),
    )
    on_credit_hold = models.CharField(
        _("service terms on credit hold (R-CH7)"),
        max_length=16,
        choices=OnCreditHold.choices,
        default=OnCreditHold.STOP,
    )
    resource_kind = models.CharField(
        _("resource kind"), max_length=40, blank=True, help_text=_("e.g. fax number")
    )
    resources_included = models.PositiveSmallIntegerField(_("resources included"), default=0)
    orderable = models.BooleanField(_("can be ordered"), default=True)

    class Meta:
        ordering = ["service", "price", "name"]
        verbose_name = _("plan")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="plan_price_not_negative"),
            models.CheckConstraint(condition=Q(period_months__gte=1), name="plan_period_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_prepaid(self) -> bool:
        """Charged when a period starts (else in arrears, when it ends)."""
        return self.billing_model == self.BillingModel.PREPAID

    @property
    def is_prepaid_pay_as_you_go(self) -> bool:
        return self.is_prepaid and self.pay_as_you_go


class Resource(models.Model):
    """A numbered thing a subscription holds, such as a fax number."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        ALLOCATED = "allocated", _("Allocated")

    kind = models.CharField(_("kind"), max_length=40)
    identifier = models.CharField(_("identifier"), max_length=80)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.AVAILABLE
    )
    subscription = models.ForeignKey(
        "Subscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    allocated_at = models.DateTimeField(_("allocated"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "identifier"]
        verbose_name = _("resource")
        constraints = [
            models.UniqueConstraint(fields=["kind", "identifier"], name="one_resource_per_id"),
            models.CheckConstraint(
                condition=Q(status="allocated", subscription__isnull=False)
                | Q(status="available", subscription__isnull=True),
                name="allocated_iff_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"


class SubscriptionQuerySet(models.QuerySet):
    def live(self) -> "SubscriptionQuerySet":
        return self.exclude(status=SubscriptionStatus.CANCELLED)


class Subscription(models.Model):
    """One account's subscription to a plan: its status, current period and money state."""

    Status = SubscriptionStatus

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    # Not indexed on purpose: the sweeps flip thousands of statuses at once (R-CH7, R-CH9), and
    # with no index on the column (and room left on each page, migration 0004) PostgreSQL
    # rewrites the row in place (a HOT update) instead of adding an entry to every index.
    # Lists go through the account (indexed); the approval queue reads the table.
    status = models.CharField(_("status"), max_length=32, choices=SubscriptionStatus.choices)
    status_before_hold = models.CharField(
        _("status before the credit hold"),
        max_length=32,
        choices=SubscriptionStatus.choices,
        blank=True,
        help_text=_("Set by R-CH7 when a credit hold changed it; R-CH9 restores it."),
    )
    trial = models.BooleanField(_("trial"), default=False)
    auto_renew = models.BooleanField(_("renews automatically"), default=True)
    price = models.DecimalField(_("price per period"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    period_paid = models.DecimalField(
        _("paid for the current period"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Charged for the current period, net of refunds; what a refund may return."),
    )
    next_billing_date = models.DateField(_("next billing date"), db_index=True)
    billing_anchor = models.DateField(
        _("first billing day"),
        null=True,
        blank=True,
        help_text=_("Periods count whole months from this day (R-S1)."),
    )
    cancel_on = models.DateField(_("cancellation scheduled for"), null=True, blank=True)
    cancel_option = models.CharField(_("scheduled cancel option"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("ordered"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["account", "-created_at", "-id"]
        verbose_name = _("subscription")
        permissions = [
            ("approve_subscription", _("Can approve or stop a subscription waiting (R-CH7b)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="period_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} for {self.account_id} ({self.get_status_display()})"

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days


class SubscriptionChange(models.Model):
    """One row per subscription change: who, what, why (rule id) and when."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(max_length=32, choices=SubscriptionStatus.choices, blank=True)
    to_status = models.CharField(max_length=32, choices=SubscriptionStatus.choices)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_id = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription change")

    def __str__(self) -> str:
        return (
            f"{self.subscription_id}: {self.from_status or '—'} → {self.to_status} ({self.action})"
        )
