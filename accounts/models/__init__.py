"""The accounts models, one module per concern; every model is importable from here."""

from .core import (
    Account,
    AccountQuerySet,
    AccountStatusType,
    ActorKind,
    BackendStatus,
    Membership,
    StatusChange,
    StatusReason,
)
from .events import OutboxEvent, WebhookDelivery, WebhookEndpoint
from .jobs import JobFailure
from .operations import AccountAudit, ScheduledStatusChange, UnlockAttempt
from .resellers import OperatorProfile, Reseller
from .service_keys import ServiceApiKey

__all__ = [
    "Account",
    "AccountAudit",
    "AccountQuerySet",
    "AccountStatusType",
    "ActorKind",
    "BackendStatus",
    "JobFailure",
    "Membership",
    "OperatorProfile",
    "OutboxEvent",
    "Reseller",
    "ScheduledStatusChange",
    "ServiceApiKey",
    "StatusChange",
    "StatusReason",
    "UnlockAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
