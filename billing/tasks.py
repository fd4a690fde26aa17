"""Thin Celery tasks: parse arguments, call one service."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from . import recurring, sweeps
from .errors import InvalidDate


def parse_now(now: str | None) -> datetime:
    """Tasks take an explicit ISO `now` (R-X7); None means the current time."""
    if now is None:
        return timezone.now()
    try:
        parsed = datetime.fromisoformat(str(now))
    except ValueError:
        raise InvalidDate(f"“{now}” is not an ISO date-time.") from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


@shared_task(name="billing.tasks.credit_hold_sweep")
def credit_hold_sweep(now: str | None = None) -> dict:
    """Hold or release accounts by their money (R-CH1, R-CH5)."""
    return sweeps.credit_hold_sweep(parse_now(now))


@shared_task(name="billing.tasks.run_recurring_charges")
def run_recurring_charges(today: str | None = None) -> dict:
    """Invoice the recurring charges due by `today` (ISO date)."""
    return recurring.run_recurring_charges(parse_today(today))


def parse_today(today: str | None):
    if today is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(str(today))
    except ValueError:
        raise InvalidDate(f"“{today}” is not an ISO date.") from None


@shared_task(name="billing.tasks.dunning_sweep")
def dunning_sweep(today: str | None = None) -> dict:
    """Move accounts along their dunning ladders as of `today` (ISO date) (R-D1 … R-D3, R-X3)."""
    return sweeps.dunning_sweep(parse_today(today))
