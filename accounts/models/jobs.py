"""Failures of batch jobs (issue 15, item 3): one row per item a job skipped, for the operator."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """An item (a subscription, a charge, an account, an event) a batch job could not process:
    its savepoint was rolled back, the job went on with the next item."""

    job = models.CharField(_("job"), max_length=64, db_index=True)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    item = models.CharField(_("item"), max_length=120, blank=True)
    error = models.TextField(_("error"))
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("job failure")
        verbose_name_plural = _("job failures")

    def __str__(self) -> str:
        return f"{self.job}: {self.item or self.account_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
