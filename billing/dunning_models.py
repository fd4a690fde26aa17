"""The dunning ladder's data (DESIGN §5): a policy's steps, where each account stands on its
ladder, and the steps it passed. Re-exported from billing.models, so callers import them there."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StepCondition(models.TextChoices):
    DAYS_PAST_DUE = "days_past_due", _("Days past the due date of the earliest unpaid invoice")
    BELOW_THRESHOLD = "below_threshold", _("Balance below the financial blocking threshold")
    CREDIT_EXHAUSTED = "credit_exhausted", _("Prepaid credit exhausted (balance at or below 0)")


class SubscriptionEffect(models.TextChoices):
    """What a step does to the account's subscriptions (R-D6; Kill Bill's IMMEDIATE / END_OF_TERM)."""

    NONE = "none", _("None")
    CANCEL_NOW = "cancel_now", _("Cancel at once, with a prorated credit")
    CANCEL_AT_PERIOD_END = "cancel_period_end", _("Cancel at the end of the period")


MSG_NO_CONDITION = _(
    "Give the step at least one condition: a balance or days-past-due condition, a number of "
    "overdue items or an overdue amount (R-D5)."
)
MSG_FEE_AND_PERCENT = _(
    "Charge a fixed fee or a percentage of the overdue amount, not both (R-D6)."
)
MSG_CAP_WITHOUT_PERCENT = _(
    "A cap limits a percentage fee: set the percentage too, or clear the cap."
)
MSG_TERMINATED_KEEPS_SUBSCRIPTIONS = _(
    "A step to “{status}” (a cancelled status) cancels the account's subscriptions (R-D3, R-D6): "
    "choose “at once” or “at the end of the period”."
)


class DunningStep(models.Model):
    """One rung of a policy's ladder: when all its conditions have held for N days → status,
    fee, notice, subscription effect (R-D5, R-D6)."""

    policy = models.ForeignKey(
        "billing.DunningPolicy", on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    condition = models.CharField(
        _("condition"), max_length=24, choices=StepCondition.choices, blank=True
    )
    # R-D5: more conditions, each optional; all that are set must hold (billing/dunning.py).
    min_overdue_items = models.PositiveIntegerField(
        _("overdue items ≥"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Open items due and unpaid (R-B3); 1 = days past the anchor."),
    )
    min_overdue_amount = models.DecimalField(
        _("total overdue ≥"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    days = models.PositiveIntegerField(_("for N days"), default=0)
    status_type = models.ForeignKey(
        "accounts.AccountStatusType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("move to status"),
    )
    fee = models.DecimalField(
        _("fee"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_percent = models.DecimalField(
        _("fee, % of overdue"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    fee_cap = models.DecimalField(
        _("fee cap"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    subscription_effect = models.CharField(
        _("subscriptions"),
        max_length=20,
        choices=SubscriptionEffect.choices,
        default=SubscriptionEffect.NONE,
    )
    notice = models.CharField(
        _("notice"),
        max_length=200,
        blank=True,
        help_text=_("The subject of the email sent to the account's contacts."),
    )
    releases_on_payment = models.BooleanField(
        _("a sufficient payment releases it automatically"), default=True
    )
    rule_id = models.CharField(_("rule id"), max_length=16, blank=True)

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="one_step_per_position"),
            models.CheckConstraint(
                condition=Q(fee_percent__isnull=True) | Q(fee_percent__gte=0, fee_percent__lte=100),
                name="step_fee_percent_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} #{self.position}: {self.conditions_text()} {self.days}d"

    def conditions_text(self) -> str:
        """The step's conditions in words, joined by “and” (R-D5)."""
        parts = [str(self.get_condition_display())] if self.condition else []
        if self.min_overdue_items:
            parts.append(f"{self.min_overdue_items} or more overdue items")
        if self.min_overdue_amount:
            parts.append(f"total overdue at least {self.min_overdue_amount}")
        return " and ".join(parts) or "no condition"

    def clean(self) -> None:
        """R-D5, R-D6: at least one condition; a fixed fee or a capped percentage; a step to a
        cancelled status cancels the subscriptions."""
        super().clean()
        errors = {}
        if not (self.condition or self.min_overdue_items or self.min_overdue_amount):
            errors["condition"] = MSG_NO_CONDITION
        if self.fee_percent is not None and self.fee:
            errors["fee_percent"] = MSG_FEE_AND_PERCENT
        if self.fee_cap is not None and self.fee_percent is None:
            errors["fee_cap"] = MSG_CAP_WITHOUT_PERCENT
        status = self.status_type if self.status_type_id else None
        if (
            status is not None
            and status.backend_status == "cancelled"
            and self.subscription_effect == SubscriptionEffect.NONE
        ):
            errors["subscription_effect"] = MSG_TERMINATED_KEEPS_SUBSCRIPTIONS.format(
                status=status.name
            )
        if errors:
            raise ValidationError(errors)


class DunningState(models.Model):
    """Where an account stands on its ladder; moves only forward until a release resets it."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="dunning_state"
    )
    step = models.ForeignKey(
        "billing.DunningStep", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    anchor_due_date = models.DateField(null=True, blank=True)
    restart_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Back to Active on this day: the ladder counts again from here."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account_id}: step {self.step.position if self.step_id else 0}"


class DunningEvent(models.Model):
    """A step an account passed: once per (account, anchor, step), with its fee and notice (R-X3)."""

    # No index of its own: the unique (account, anchor, step) index below starts with the account.
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="dunning_events",
        db_index=False,
    )
    step = models.ForeignKey("billing.DunningStep", on_delete=models.PROTECT, related_name="events")
    anchor = models.DateField(
        _("counted from"),
        help_text=_(
            "The due date of the earliest unpaid invoice, or the day the balance condition began."
        ),
    )
    due_on = models.DateField(_("the step was due on"))
    applied_on = models.DateField(_("applied by the sweep of"))
    fee_entry = models.OneToOneField(
        "billing.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "anchor", "step"], name="one_event_per_account_anchor_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.step} due {self.due_on}"
