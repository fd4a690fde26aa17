"""Accounts, their operator-defined status types and reasons, memberships and status history."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BackendStatus(models.TextChoices):
    """The fixed back-end statuses; behaviour hangs on these only (DESIGN §2)."""

    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    CREDIT_HOLD = "credit_hold", _("Credit hold")
    SUSPENDED = "suspended", _("Suspended")
    ADMINISTRATIVE_HOLD = "administrative_hold", _("Administrative hold")
    CANCELLED = "cancelled", _("Cancelled")
    DELETED = "deleted", _("Deleted")


class ActorKind(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    CUSTOMER = "customer", _("Customer")
    SYSTEM = "system", _("System")


class AccountStatusType(models.Model):
    """An operator-defined label for one back-end status, and its reporting bucket (R-E1)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    backend_status = models.CharField(
        _("back-end status"), max_length=32, choices=BackendStatus.choices
    )
    image_url = models.URLField(_("image URL"), blank=True)
    show_in_statistics = models.BooleanField(_("show in Account Statistics"), default=True)
    is_default = models.BooleanField(
        _("default for its back-end status"),
        default=False,
        help_text=_("The type automation uses when it moves an account to this back-end status."),
    )

    class Meta:
        ordering = ["backend_status", "name"]
        verbose_name = _("account status type")
        constraints = [
            models.UniqueConstraint(
                fields=["backend_status"],
                condition=Q(is_default=True),
                name="one_default_type_per_backend_status",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StatusReason(models.Model):
    """Why a status changed (R-E3); it may be used only for the back-end statuses it lists."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    backend_statuses = models.JSONField(
        _("back-end statuses"),
        default=list,
        help_text=_("The back-end statuses an account may be moved to for this reason."),
    )
    is_financial = models.BooleanField(
        _("non-payment reason"),
        default=False,
        help_text=_(
            "A status entered for this reason is released automatically on payment (R-X1)."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("status reason")

    def __str__(self) -> str:
        return self.name

    def fits(self, backend_status: str) -> bool:
        return backend_status in self.backend_statuses


class AccountQuerySet(models.QuerySet):
    def in_backend_status(self, *statuses: str) -> "AccountQuerySet":
        return self.filter(status_type__backend_status__in=statuses)

    def exempt_from_dunning(self, today: date) -> "AccountQuerySet":
        """R-X2: exempt for good, or "do not suspend before" a date still ahead of `today`."""
        return self.filter(Q(dunning_exempt=True) | Q(dunning_exempt_until__gt=today))

    def subject_to_dunning(self, today: date) -> "AccountQuerySet":
        """R-X2: the accounts a dunning sweep may act on at `today`."""
        return self.exclude(Q(dunning_exempt=True) | Q(dunning_exempt_until__gt=today))

    def renewal_overdue(self, today: date) -> "AccountQuerySet":
        """R-G3: unlocked accounts whose renewal deadline passed before `today` without renewal."""
        return self.filter(renewal_deadline__lt=today)


class Account(models.Model):
    """A customer company: its status, money limits and billing dates."""

    number = models.CharField(_("account number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status_type = models.ForeignKey(
        AccountStatusType,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("status"),
    )
    status_reason = models.ForeignKey(
        StatusReason,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reason for the current status"),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    financial_blocking_threshold = models.DecimalField(
        _("financial blocking threshold"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    allowed_negative_days = models.PositiveIntegerField(
        _("allowed negative-balance period (days)"),
        null=True,
        blank=True,
        help_text=_("Empty means infinite: a negative balance alone never causes a credit hold."),
    )
    next_payment_date = models.DateField(_("next payment date"), null=True, blank=True)
    balance = models.DecimalField(
        _("balance"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Cached sum of the ledger; written only by billing services."),
    )
    negative_since = models.DateTimeField(
        _("balance negative since"),
        null=True,
        blank=True,
        help_text=_("When the balance last went below zero; written only by billing services."),
    )
    # A string reference, not an import: billing sits above accounts (STYLE: app layering).
    dunning_policy = models.ForeignKey(
        "billing.DunningPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("credit and dunning policy"),
        help_text=_("Empty means the default policy."),
    )
    # R-X2: written only by accounts.services.set_dunning_exemption, which audits each change.
    dunning_exempt = models.BooleanField(
        _("exempt from dunning"),
        default=False,
        help_text=_("A VIP account: dunning never suspends, closes or locks it (R-X2)."),
    )
    dunning_exempt_until = models.DateField(
        _("exempt from dunning until"),
        null=True,
        blank=True,
        help_text=_("Do not suspend before this date: dunning may act on it from this day on."),
    )
    # R-G3: set by an unlock, cleared by a renewal; the sweep relocks the account after it.
    renewal_deadline = models.DateField(
        _("renewal deadline"),
        null=True,
        blank=True,
        help_text=_("The last day to renew after an unlock; the account is locked again after it."),
    )
    # R-R1: the provider's own accounts have none; moved only by accounts.resellers.move_account.
    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        # account_reseller_number (reseller, number) leads with it: no index of its own.
        db_index=False,
        related_name="accounts",
        verbose_name=_("reseller"),
        help_text=_("Empty: the provider's own account."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("account")
        # R-R3: a reseller operator's account list is one reseller's accounts in number order.
        indexes = [
            models.Index(fields=["reseller", "number"], name="account_reseller_number"),
            # Issue 18: the list's renewal-deadline (R-G3) and exemption (R-X2) filters; few rows
            # have either, so these partial indexes are small and spare a scan of every account.
            models.Index(
                fields=["renewal_deadline"],
                name="account_renewal_deadline",
                condition=Q(renewal_deadline__isnull=False),
            ),
            models.Index(
                fields=["dunning_exempt_until"],
                name="account_exempt_until",
                condition=Q(dunning_exempt_until__isnull=False),
            ),
            models.Index(fields=["id"], name="account_vip", condition=Q(dunning_exempt=True)),
        ]
        # The operator portal's gear-menu actions (issue 6); groups: accounts/admin_groups.py.
        permissions = [
            ("unlock_user_account", _("Can unlock a user account (R-G2)")),
            ("lock_user_account", _("Can lock a user account")),
            (
                "change_account_status",
                _("Can change, suspend, cancel, enable or schedule a status"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def backend_status(self) -> str:
        return self.status_type.backend_status

    def is_dunning_exempt(self, today: date) -> bool:
        """R-X2, the same rule as AccountQuerySet.exempt_from_dunning for one loaded account."""
        until = self.dunning_exempt_until
        return self.dunning_exempt or (until is not None and until > today)


class Membership(models.Model):
    """A user's place in an account; a user may belong to several accounts (R-C3)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        BILLING = "billing", _("Billing contact")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"], name="one_membership_per_user_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account.number} ({self.get_role_display()})"


class StatusChange(models.Model):
    """One row per account status change: who, why (reason and rule id) and when."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="status_changes")
    from_type = models.ForeignKey(
        AccountStatusType, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_type = models.ForeignKey(AccountStatusType, on_delete=models.PROTECT, related_name="+")
    from_backend_status = models.CharField(max_length=32, choices=BackendStatus.choices, blank=True)
    to_backend_status = models.CharField(max_length=32, choices=BackendStatus.choices)
    reason = models.ForeignKey(StatusReason, on_delete=models.PROTECT, related_name="+")
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rule_id = models.CharField(max_length=16, blank=True)
    requested_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-effective_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-effective_at"], name="statuschange_account_time"),
            # Account Statistics over time (issue 18): the changes of the last weeks, all accounts.
            models.Index(fields=["effective_at"], name="statuschange_effective_at"),
            # The funnel's "back to Active" (issue 18): returns to Active only, a few of the rows.
            models.Index(
                fields=["effective_at"],
                name="statuschange_to_active_at",
                condition=Q(to_backend_status="active"),
            ),
        ]

    def __str__(self) -> str:
        frm = self.from_type.name if self.from_type_id else "—"
        return f"{self.account_id}: {frm} → {self.to_type.name}"
