"""Thin Celery tasks: parse arguments, call one service."""

from celery import shared_task

from accounts.tasks import parse_today

from . import charging, dunning_effects


@shared_task(name="subscriptions.tasks.run_subscription_charges")
def run_subscription_charges(today: str | None = None) -> dict:
    """Run the subscriptions due by `today` (ISO date): cancellations, charges, expiry."""
    return charging.run_subscription_charges(parse_today(today))


@shared_task(name="subscriptions.tasks.run_dunning_cancellations")
def run_dunning_cancellations(account_ids: list[int], today: str | None = None) -> dict:
    """R-D6: run the cancellations a dunning step scheduled for these accounts, due by `today`."""
    return dunning_effects.run_due_cancellations(account_ids, parse_today(today))
