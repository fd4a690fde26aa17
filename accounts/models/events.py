"""Provisioning events (R-X6): an outbox written with each status change, fanned out to the
configured HTTP endpoints as deliveries that a Celery task POSTs, signed, with retries."""

import fnmatch
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Account


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """A provider's service (fax server, VoIP switch) that receives status-change events."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=new_secret,
        help_text=_("The receiver checks X-Lifecycle-Signature: HMAC-SHA256 of the body with it."),
    )
    active = models.BooleanField(_("active"), default=True)
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_('Types or patterns to send, e.g. ["account.*"]; empty sends every event.'),
    )
    # R-R3: a reseller's endpoint receives its own accounts' events only.
    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("reseller"),
        help_text=_("Empty: the provider's endpoint, which receives every account's events."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        patterns = self.event_types or ["*"]
        return any(fnmatch.fnmatchcase(event_type, str(pattern)) for pattern in patterns)


class OutboxEvent(models.Model):
    """One event, written in the transaction of the change it reports (R-X6)."""

    uuid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    # Not indexed: a handful of types over millions of rows selects nothing an index would help
    # with, and each index is one more write per event a sweep records (issue 8).
    event_type = models.CharField(_("type"), max_length=64)
    subject = models.CharField(_("subject"), max_length=120)
    # No database constraint (issue 16): an event is a record of what was sent and outlives the
    # account it names (SET_NULL, done by the ORM as before). It is written in the transaction of
    # the change it reports, by the code that holds that account's row, so the id is never
    # dangling; the constraint only cost a check per event at COMMIT — 88,000 of them in one day's
    # sweeps at 200,000 accounts, 0.3–0.45 s of the sweeps' 7.4 s (docs/PERFORMANCE.md).
    account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_events",
        db_constraint=False,
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"))
    fanned_out_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox event")
        indexes = [
            models.Index(
                fields=["id"], name="outbox_not_fanned_out", condition=Q(fanned_out_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: the delivery log shown in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.get_status_display()})"
