"""Thin Celery tasks: parse the explicit `today`/`now` (R-X7), call one service."""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from . import admin_statistics, events, scheduling, unlocking
from .errors import InvalidDate


def parse_today(today: str | date | None) -> date:
    """An ISO date (YYYY-MM-DD); None means today in settings.TIME_ZONE."""
    if today is None:
        return timezone.localdate()
    if isinstance(today, date) and not isinstance(today, datetime):
        return today
    try:
        return date.fromisoformat(str(today))
    except ValueError:
        raise InvalidDate(f"“{today}” is not an ISO date (YYYY-MM-DD).") from None


def parse_now(now: str | datetime | None) -> datetime:
    """An ISO date-time; naive means UTC; None means now."""
    if now is None:
        return timezone.now()
    try:
        parsed = now if isinstance(now, datetime) else datetime.fromisoformat(str(now))
    except ValueError:
        raise InvalidDate(f"“{now}” is not an ISO date-time.") from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


@shared_task(name="accounts.tasks.apply_scheduled_status_changes")
def apply_scheduled_status_changes(today: str | None = None) -> dict:
    """Apply the scheduled status changes due by `today` (R-E4)."""
    return scheduling.apply_due_status_changes(parse_today(today))


@shared_task(name="accounts.tasks.enforce_renewal_deadlines")
def enforce_renewal_deadlines(today: str | None = None) -> dict:
    """Lock again the accounts whose renewal deadline passed before `today` (R-G3)."""
    return unlocking.enforce_renewal_deadlines(parse_today(today))


@shared_task(name="accounts.tasks.fan_out_outbox_events")
def fan_out_outbox_events() -> int:
    """Create the deliveries of new outbox events and enqueue them (R-X6)."""
    return events.fan_out()


@shared_task(name="accounts.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int, now: str | None = None) -> str | None:
    """One attempt at one webhook delivery; its retries are driven by dispatch_webhooks."""
    delivery = events.deliver(int(delivery_id), now=parse_now(now))
    return delivery.status if delivery else None


@shared_task(name="accounts.tasks.dispatch_webhooks")
def dispatch_webhooks(now: str | None = None) -> dict:
    """Beat: fan out stragglers and enqueue the deliveries whose next attempt is due (R-X6)."""
    return events.dispatch(now=parse_now(now))


@shared_task(name="accounts.tasks.refresh_account_statistics")
def refresh_account_statistics() -> int:
    """Count the Account Statistics page's charts again ahead of the operators (issue 18)."""
    return admin_statistics.refresh_figures()
