"""Thin Celery tasks: parse arguments, call one service. Beat calls the fan-out tasks, which
split the account id space so several workers share one sweep (issue 8)."""

from celery import shared_task
from django.conf import settings

from accounts.retry import retry_on_conflict
from accounts.tasks import parse_now, parse_today

from . import recurring, reminders, sweeps
from .errors import BillingError


def parse_range(low, high) -> tuple[int, int] | None:
    """Both ends or neither; whole numbers, low < high."""
    if low is None and high is None:
        return None
    try:
        low, high = int(low), int(high)
    except (TypeError, ValueError):
        raise BillingError(
            f"An id range needs two whole numbers, not {low!r} and {high!r}."
        ) from None
    if low >= high:
        raise BillingError(f"An id range must be low < high, not {low} ≥ {high}.")
    return low, high


@shared_task(name="billing.tasks.credit_hold_sweep")
def credit_hold_sweep(now: str | None = None, low=None, high=None) -> dict:
    """Hold or release accounts by their money (R-CH1, R-CH5), optionally in one id range."""
    # A sweep is idempotent, so a deadlock or serialization failure reruns it whole.
    return retry_on_conflict(sweeps.credit_hold_sweep)(
        parse_now(now), batch_size=settings.SWEEP_BATCH_SIZE, id_range=parse_range(low, high)
    )


@shared_task(name="billing.tasks.dunning_sweep")
def dunning_sweep(today: str | None = None, low=None, high=None) -> dict:
    """Move accounts along their dunning ladders as of `today` (R-D1 … R-D3, R-X3)."""
    return retry_on_conflict(sweeps.dunning_sweep)(
        parse_today(today), batch_size=settings.SWEEP_BATCH_SIZE, id_range=parse_range(low, high)
    )


@shared_task(name="billing.tasks.fan_out_credit_hold_sweep")
def fan_out_credit_hold_sweep(now: str | None = None, slices: int | None = None) -> list[str]:
    """Enqueue one credit-hold sweep per id range; returns the enqueued task ids."""
    now = parse_now(now).isoformat()
    ranges = sweeps.id_ranges(int(slices or settings.SWEEP_SLICES))
    return [credit_hold_sweep.delay(now=now, low=lo, high=hi).id for lo, hi in ranges]


@shared_task(name="billing.tasks.fan_out_dunning_sweep")
def fan_out_dunning_sweep(today: str | None = None, slices: int | None = None) -> list[str]:
    """Enqueue one dunning sweep per id range; returns the enqueued task ids."""
    today = parse_today(today).isoformat()
    ranges = sweeps.id_ranges(int(slices or settings.SWEEP_SLICES))
    return [dunning_sweep.delay(today=today, low=lo, high=hi).id for lo, hi in ranges]


@shared_task(name="billing.tasks.run_recurring_charges")
def run_recurring_charges(today: str | None = None) -> dict:
    """Invoice the recurring charges due by `today` (ISO date)."""
    return recurring.run_recurring_charges(parse_today(today))


@shared_task(name="billing.tasks.send_reminders")
def send_reminders(today: str | None = None) -> dict:
    """Send the reminder notices due `today` (ISO date): N days before a due date, once (R-D7)."""
    return reminders.send_reminders(parse_today(today))
