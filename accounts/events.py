"""Provisioning events (R-X6): the outbox, its fan-out to endpoints and the delivery attempts.

`emit()` is the one way to publish an event: it writes an OutboxEvent in the caller's transaction,
so the event exists exactly when the change it reports commits. After the commit a Celery task
fans it out to one WebhookDelivery per matching active endpoint, and each delivery is POSTed,
signed (accounts.webhooks), retried with exponential backoff and finally marked delivered or failed.
The beat task `dispatch_webhooks` repeats fan-out and due retries, so a lost task is harmless.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import jobs, sqlbulk, sqlrow, webhooks
from .actors import as_actor
from .errors import InvalidEvent
from .models import Account, OutboxEvent, StatusChange, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

ACCOUNT_STATUS_CHANGED = "account.status_changed"
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MSG_BAD_EVENT_TYPE = (
    "An event type is lower-case words joined by dots, such as {example}; not “{value}”."
)
MSG_BAD_SUBJECT = "An event needs a subject such as “account:1000000001” (at most 120 characters)."
MSG_BAD_PAYLOAD = "An event payload must be a JSON object: {problem}"
GAVE_UP_IN_FLIGHT = "Gave up: the last attempt did not report back."
Pending = WebhookDelivery.Status.PENDING
# The tasks (accounts/tasks.py) call this module; it names them instead of importing them, so the
# imports point one way. A signature by name runs the registered task as .delay() would.
FAN_OUT_TASK = "accounts.tasks.fan_out_outbox_events"
DELIVER_TASK = "accounts.tasks.deliver_webhook"


def _validated(event_type: str, subject: str, payload: dict[str, Any]) -> tuple[str, dict]:
    if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.match(event_type):
        raise InvalidEvent(
            MSG_BAD_EVENT_TYPE.format(example=ACCOUNT_STATUS_CHANGED, value=event_type)
        )
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 120:
        raise InvalidEvent(MSG_BAD_SUBJECT)
    if not isinstance(payload, dict):
        raise InvalidEvent(MSG_BAD_PAYLOAD.format(problem=f"got {type(payload).__name__}"))
    try:  # dates, Decimals and UUIDs become strings now, so what is stored is what is sent
        payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise InvalidEvent(MSG_BAD_PAYLOAD.format(problem=exc)) from None
    return subject.strip(), payload


def emit(
    event_type: str,
    subject: str,
    payload: dict[str, Any],
    *,
    account: Account | int | None = None,
) -> OutboxEvent:
    """Record an event in the caller's transaction; delivery starts after it commits (R-X6)."""
    return emit_many([(event_type, subject, payload, account)])[0]


def emit_many(
    items: list[tuple[str, str, dict[str, Any], Account | int | None]],
) -> list[OutboxEvent]:
    """Record many events with one insert (sweeps); same rules and delivery as emit(). An event's
    account is an Account, its id (a sweep's row) or None."""
    now = timezone.now()
    events = []
    for event_type, subject, payload, account in items:
        subject, payload = _validated(event_type, subject, payload)
        events.append(
            OutboxEvent(
                uuid=uuid.uuid4(),
                event_type=event_type,
                subject=subject,
                account_id=getattr(account, "pk", account),
                payload=payload,
                created_at=now,
            )
        )
    if len(events) == 1:  # a posting's one event (issue 19): a plain INSERT, no arrays, which
        # also says whether any endpoint listens — the fan-out after commit asks nothing more
        listening = sqlrow.insert_returning(events[0], ANY_ENDPOINT)
        transaction.on_commit(partial(_enqueue_fan_out, bool(listening)), robust=True)
        return events
    ids = sqlbulk.insert_rows(
        OutboxEvent,
        ["uuid", "event_type", "subject", "account", "payload", "created_at"],
        [(e.uuid, e.event_type, e.subject, e.account_id, e.payload, e.created_at) for e in events],
    )
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
    if events:
        after_bulk_emit()
    return events


OUTBOX_FROM_ROWS = """
{ctes}
INSERT INTO accounts_outboxevent (uuid, event_type, subject, account_id, payload, created_at)
SELECT gen_random_uuid(), e.event_type, e.subject, e.account_id, e.payload, e.created_at
  FROM ({rows}) AS e (event_type, subject, account_id, payload, created_at)
"""


def emit_rows_sql(ctes: str, rows: str, params: dict[str, Any]) -> int:
    """PostgreSQL, set-based: write one outbox event per row of `rows` (a SELECT of event_type,
    subject, account_id, payload jsonb, created_at) after the caller's `ctes` (a WITH clause whose
    data-modifying statements produce those rows) — one statement; returns the rows written.

    A higher app's sweep decides its rows; accounts owns the outbox table and the fan-out."""
    with sqlbulk.server_cursor() as cursor:
        cursor.execute(OUTBOX_FROM_ROWS.format(ctes=ctes, rows=rows), params)
        written = cursor.rowcount
    if written:
        after_bulk_emit()
    return written


def after_bulk_emit() -> None:
    """Events were written (here or by a sweep's SQL): fan them out once the transaction commits."""
    transaction.on_commit(_enqueue_fan_out, robust=True)


def record_status_changes(changes: list[StatusChange]) -> list[OutboxEvent]:
    """The outbox rows for account status changes, in the changes' transaction (R-X6)."""
    return emit_many([_status_change_event(change) for change in changes])


def _status_change_event(change: StatusChange) -> tuple[str, str, dict, Account]:
    account = change.account
    user = change.actor_user
    payload = {
        "account": {"id": account.pk, "number": account.number, "name": account.name},
        "from": {
            "type": change.from_type.name if change.from_type_id else None,
            "backend_status": change.from_backend_status or None,
        },
        "to": {"type": change.to_type.name, "backend_status": change.to_backend_status},
        "reason": change.reason.name,
        "actor": {
            "kind": change.actor_kind,
            "user": user.get_username() if user else None,
            "rule_id": change.rule_id,
        },
        "status_change_id": change.pk,
        "requested_at": change.requested_at,
        "effective_at": change.effective_at,
    }
    return ACCOUNT_STATUS_CHANGED, f"account:{account.number}", payload, account


# Whether any endpoint is active. Read by the transaction that writes the events (a single
# event: by its INSERT), so an endpoint switched on while it commits misses that one prompt
# fan-out; the beat's dispatch_webhooks (every 30 s) fans out what is left.
ANY_ENDPOINT = "EXISTS (SELECT 1 FROM accounts_webhookendpoint WHERE active)"


def _enqueue_fan_out(listening: bool | None = None) -> None:
    # Nothing to deliver to: skip the broker; the beat task would find nothing either.
    if listening is None:
        listening = bool(sqlrow.fetch_one(f"SELECT {ANY_ENDPOINT}", [])[0])  # noqa: S608
    if listening:
        current_app.signature(FAN_OUT_TASK).delay()


def _enqueue_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        current_app.signature(DELIVER_TASK, args=(delivery_id,)).delay()


def fan_out(*, now: datetime | None = None, enqueue: bool = True, batch_size: int = 200) -> int:
    """Turn every event not yet fanned out into pending deliveries; return how many were made."""
    now = now or timezone.now()
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    made, counts, failed = 0, {"failed": 0}, set()
    while True:
        with transaction.atomic():
            # Two workers fanning out at once take disjoint events (skip_locked) — one delivery
            # per (endpoint, event) is also a unique constraint.
            events = list(
                OutboxEvent.objects.filter(fanned_out_at__isnull=True)
                .exclude(pk__in=failed)  # left for the next run, not retried in this one
                .select_for_update(skip_locked=True)
                .order_by("id")[:batch_size]
            )
            if not events:
                return made
            new_ids, done = [], []
            owners = reseller_of_accounts({e.account_id for e in events} - {None})
            for event in events:  # one savepoint per event (issue 15, item 3)
                before = counts["failed"]
                item = f"event {event.pk}"
                owner = owners.get(event.account_id)
                with jobs.isolated(FAN_OUT_TASK, counts, account_id=event.account_id, item=item):
                    new_ids += _fan_out_event(event, endpoints, now, owner)
                    done.append(event.pk)
                if counts["failed"] > before:
                    failed.add(event.pk)
            OutboxEvent.objects.filter(pk__in=done).update(fanned_out_at=now)
            made += len(new_ids)
            if enqueue and new_ids:
                transaction.on_commit(partial(_enqueue_deliveries, new_ids), robust=True)


def reseller_of_accounts(account_ids: set[int]) -> dict[int, int | None]:
    """{account id: its reseller id} for a batch of events (one query)."""
    if not account_ids:
        return {}
    return dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "reseller_id"))


def _fan_out_event(
    event: OutboxEvent, endpoints: list, now: datetime, reseller_id: int | None = None
) -> list[int]:
    """The event's new deliveries, one per endpoint that wants it: the provider's endpoints get
    every event, a reseller's only its own accounts' (R-R3)."""
    new_ids = []
    for endpoint in endpoints:
        if endpoint.reseller_id not in (None, reseller_id):
            continue
        if endpoint.wants(event.event_type):
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint, event=event, defaults={"next_attempt_at": now}
            )
            new_ids += [delivery.pk] if created else []
    return new_ids


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … after the 1st, 2nd, 3rd failed attempt, capped."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take a due delivery for one attempt; a lease keeps others off it while the POST runs."""
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        WebhookDelivery.objects.filter(
            due, pk=delivery_id, status=Pending, attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS
        ).update(attempts=F("attempts") + 1, next_attempt_at=lease, last_attempt_at=now)
    )


def deliver(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt at a due delivery and record it; None when it is not due or not pending."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    try:
        outcome = webhooks.post(delivery, timestamp=now)
    except Exception as exc:  # a bad endpoint or event: final, and shown to the operator
        item = f"delivery {delivery.pk}"
        jobs.record_failure(DELIVER_TASK, exc, account_id=delivery.event.account_id, item=item)
        outcome = webhooks.Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    fields: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.ok:
        fields.update(
            status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None
        )
    elif outcome.retryable and delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        fields.update(next_attempt_at=now + backoff(delivery.attempts))
    else:
        if outcome.retryable:
            fields["last_error"] = f"Gave up after {delivery.attempts} attempts: {outcome.error}"
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    # Conditional: if the lease ran out and another worker took over, its record wins.
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Pending, attempts=delivery.attempts
    ).update(**fields)
    if not outcome.ok:
        logger.warning(
            "Webhook delivery %s to %s: %s", delivery.pk, delivery.endpoint, outcome.error
        )
    delivery.refresh_from_db()
    return delivery


def dispatch(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Beat: fan out stragglers, give up lost last attempts, enqueue every due delivery."""
    now = now or timezone.now()
    fanned_out = fan_out(now=now, enqueue=False)
    gave_up = WebhookDelivery.objects.filter(
        status=Pending, attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS, next_attempt_at__lte=now
    ).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=GAVE_UP_IN_FLIGHT
    )
    due = list(
        WebhookDelivery.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=Pending,
            attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    _enqueue_deliveries(due)
    return {"fanned_out": fanned_out, "gave_up": gave_up, "enqueued": len(due)}


@transaction.atomic
def retry_delivery(delivery: WebhookDelivery, *, actor: Any) -> WebhookDelivery:
    """An operator sends a failed delivery again, with a fresh set of attempts."""
    as_actor(actor)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.FAILED).update(
        status=Pending, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    transaction.on_commit(partial(_enqueue_deliveries, [delivery.pk]), robust=True)
    delivery.refresh_from_db()
    return delivery
