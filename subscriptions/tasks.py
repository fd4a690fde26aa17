"""Thin Celery tasks: parse arguments, call one service."""

from celery import shared_task

from accounts.tasks import parse_today

from . import charging


@shared_task(name="subscriptions.tasks.run_subscription_charges")
def run_subscription_charges(today: str | None = None) -> dict:
    """Run the subscriptions due by `today` (ISO date): cancellations, charges, expiry."""
    return charging.run_subscription_charges(parse_today(today))
