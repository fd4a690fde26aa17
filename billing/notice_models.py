"""Notices (R-D7): operator-edited templates per dunning step, a reminder template per policy,
and the log of every notice sent. Re-exported by billing/models.py; the sandbox that renders the
templates is billing/notice_sandbox.py, the sending is billing/notices.py."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX = 200
BODY_MAX = 10_000


class NoticeTemplateBase(models.Model):
    """A subject and a plain-text body, checked by the sandbox on save (R-D7)."""

    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    body = models.TextField(_("body (plain text)"), max_length=BODY_MAX)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Refuse a template the sandbox would not render: unknown variable, tag or syntax."""
        from .notice_sandbox import template_errors

        super().clean()
        errors = {
            field: problems
            for field in ("subject", "body")
            if (problems := template_errors(getattr(self, field) or ""))
        }
        if errors:
            raise ValidationError(errors)


class StepNotice(NoticeTemplateBase):
    """The notice a dunning step sends (R-D7); without one the step's `notice` line is the
    subject of the built-in email."""

    step = models.OneToOneField(
        "billing.DunningStep",
        on_delete=models.CASCADE,
        related_name="notice_template",
        verbose_name=_("dunning step"),
    )

    class Meta:
        verbose_name = _("dunning notice template")
        verbose_name_plural = _("dunning notice templates")
        ordering = ["step__policy__name", "step__position"]

    def __str__(self) -> str:
        step = self.step
        return f"{step.policy.name} #{step.position} ({step.status_type.name})"


class ReminderNotice(NoticeTemplateBase):
    """A policy's reminder, sent once per open item N days before its due date (R-D7)."""

    policy = models.OneToOneField(
        "billing.DunningPolicy",
        on_delete=models.CASCADE,
        related_name="reminder",
        verbose_name=_("credit and dunning policy"),
    )
    days_before = models.PositiveSmallIntegerField(
        _("remind N days before the due date"),
        null=True,
        blank=True,
        help_text=_("Empty or 0: no reminders."),
    )

    class Meta:
        verbose_name = _("reminder notice template")
        verbose_name_plural = _("reminder notice templates")
        ordering = ["policy__name"]

    def __str__(self) -> str:
        return f"Reminder of {self.policy}"


class NoticeKind(models.TextChoices):
    DUNNING_STEP = "dunning_step", _("Dunning step")
    REMINDER = "reminder", _("Reminder")
    ACCOUNT_LOCKED = "account_locked", _("Account locked")
    ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class NoticeLog(models.Model):
    """One notice sent to an account's contacts: when, which, to whom, delivered or failed."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    step = models.ForeignKey(
        "billing.DunningStep",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dunning step"),
    )
    item = models.ForeignKey(
        "billing.OpenItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("open item"),
    )
    template = models.CharField(
        _("template"), max_length=120, help_text=_("Which template rendered it.")
    )
    subject = models.CharField(_("subject"), max_length=255)
    recipients = models.TextField(_("to"))
    status = models.CharField(
        _("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("sent"), db_index=True)

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="notice_account_time")]
        constraints = [
            # R-D7: a reminder goes out once per open item, however often the task runs.
            models.UniqueConstraint(
                fields=["item"], condition=Q(kind="reminder"), name="one_reminder_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.account_id}: {self.subject}"
