"""The dunning ladder's data (DESIGN §5): a policy's steps, where each account stands on its
ladder, and the steps it passed. Re-exported from billing.models, so callers import them there."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepCondition(models.TextChoices):
    DAYS_PAST_DUE = "days_past_due", _("Days past the due date of the earliest unpaid invoice")
    BELOW_THRESHOLD = "below_threshold", _("Balance below the financial blocking threshold")
    CREDIT_EXHAUSTED = "credit_exhausted", _("Prepaid credit exhausted (balance at or below 0)")


class DunningStep(models.Model):
    """One rung of a policy's ladder: when <condition> holds for N days → status, fee, notice."""

    policy = models.ForeignKey(
        "billing.DunningPolicy", on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    condition = models.CharField(_("condition"), max_length=24, choices=StepCondition.choices)
    days = models.PositiveIntegerField(_("for N days"), default=0)
    status_type = models.ForeignKey(
        "accounts.AccountStatusType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("move to status"),
    )
    fee = models.DecimalField(_("fee"), max_digits=14, decimal_places=2, default=Decimal("0"))
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
            models.UniqueConstraint(fields=["policy", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} #{self.position}: {self.get_condition_display()} {self.days}d"


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
