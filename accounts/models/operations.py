"""Operator acts on accounts that need their own record: audited field changes (R-X2, R-G3),
scheduled status changes (R-E4) and unlock attempts, allowed or refused (R-G2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Account, AccountStatusType, ActorKind, StatusChange, StatusReason


class AccountAudit(models.Model):
    """One audited change of an account field that is not a status (R-X2 exemptions, R-G3)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_rows")
    field = models.CharField(_("what changed"), max_length=64)
    old_value = models.CharField(_("old value"), max_length=255, blank=True)
    new_value = models.CharField(_("new value"), max_length=255, blank=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_id = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("account audit row")
        indexes = [models.Index(fields=["account", "-at"], name="accountaudit_account_time")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.field} {self.old_value or '—'} → {self.new_value or '—'}"


class ScheduledStatusChangeQuerySet(models.QuerySet):
    def pending(self) -> "ScheduledStatusChangeQuerySet":
        return self.filter(state=ScheduledStatusChange.State.PENDING)

    def due(self, today) -> "ScheduledStatusChangeQuerySet":
        """Pending changes whose effective date has come (R-E4)."""
        return self.pending().filter(effective_on__lte=today)


class ScheduledStatusChange(models.Model):
    """R-E4 "Change User Status" component: a status change that runs on a date, until then
    listed and cancellable (R-X5). The date is a calendar date in settings.TIME_ZONE; the sweep
    applies it on the first run whose `today` is on or after it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused when due")
        FAILED = "failed", _("Failed when due")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="scheduled_status_changes"
    )
    status_type = models.ForeignKey(
        AccountStatusType, on_delete=models.PROTECT, related_name="+", verbose_name=_("new status")
    )
    reason = models.ForeignKey(StatusReason, on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective on"))
    note = models.TextField(_("note"), blank=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    rule_id = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(_("scheduled at"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    ran_at = models.DateTimeField(_("ran at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    status_change = models.ForeignKey(
        StatusChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScheduledStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("scheduled status change")
        indexes = [
            models.Index(
                fields=["effective_on", "id"],
                name="scheduledchange_pending_due",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.status_type.name} on {self.effective_on}"


class UnlockAttempt(models.Model):
    """Every Unlock User Account request, allowed or refused, with the message shown (R-G2)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unlock_attempts"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="unlock_attempts"
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    allowed = models.BooleanField(_("allowed"))
    message = models.TextField(_("message"))
    next_payment_date = models.DateField(_("next payment date then"), null=True, blank=True)
    on_date = models.DateField(_("requested on"))
    status_change = models.ForeignKey(
        StatusChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("unlock attempt")

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        return f"Unlock {self.user} ({self.account_id or '—'}): {verdict}"
