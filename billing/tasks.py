"""Thin Celery tasks: parse arguments, call one service."""

from celery import shared_task

from accounts.tasks import parse_now, parse_today

from . import recurring, sweeps


@shared_task(name="billing.tasks.credit_hold_sweep")
def credit_hold_sweep(now: str | None = None) -> dict:
    """Hold or release accounts by their money (R-CH1, R-CH5)."""
    return sweeps.credit_hold_sweep(parse_now(now))


@shared_task(name="billing.tasks.run_recurring_charges")
def run_recurring_charges(today: str | None = None) -> dict:
    """Invoice the recurring charges due by `today` (ISO date)."""
    return recurring.run_recurring_charges(parse_today(today))


@shared_task(name="billing.tasks.dunning_sweep")
def dunning_sweep(today: str | None = None) -> dict:
    """Move accounts along their dunning ladders as of `today` (ISO date) (R-D1 … R-D3, R-X3)."""
    return sweeps.dunning_sweep(parse_today(today))
