"""The recurring charge run: bill what is due, only in back-end statuses that are billed (DESIGN §2)."""

from __future__ import annotations

import calendar
from datetime import date

from accounts.actors import Actor
from accounts.jobs import isolated
from accounts.models import BackendStatus

from . import next_payment, services
from .models import RecurringCharge

JOB = "billing.tasks.run_recurring_charges"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(anchor: date, day: date) -> int:
    """Whole calendar months from `anchor`'s month to `day`'s month."""
    return (day.year - anchor.year) * 12 + day.month - anchor.month


def anchor_for(anchor: date | None, start: date) -> date:
    """R-S1: `anchor` when `start` is one of its billing days, else `start` (a new billing day)."""
    if anchor is None or anchor > start:
        return start
    return anchor if add_months(anchor, months_between(anchor, start)) == start else start


def billing_day_after(anchor: date, day: date, months: int) -> date:
    """R-S1: the billing day `months` after `day`, counted in whole months from `anchor` (so the
    31st bills the 30th in 30-day months and the 31st again after them), never from `day`."""
    return add_months(anchor, months_between(anchor, day) + months)


def is_billed(backend_status: str, charge: RecurringCharge) -> bool:
    """DESIGN §2 recurring-charges column: Active yes; Credit hold postpaid yes, prepaid
    pay-as-you-go stopped; Suspended, Administrative hold, Cancelled, Prospect, Deleted no."""
    if backend_status == BackendStatus.ACTIVE:
        return True
    if backend_status == BackendStatus.CREDIT_HOLD:
        return not (charge.billing_model == charge.BillingModel.PREPAID and charge.pay_as_you_go)
    return False


def run_recurring_charges(today: date) -> dict:
    """Invoice each due period once; periods in unbilled statuses are skipped, not billed later."""
    counts = {"invoiced": 0, "skipped": 0, "failed": 0}
    due_ids = list(
        RecurringCharge.objects.filter(active=True, next_billing_date__lte=today)
        .order_by("pk")
        .values_list("pk", "account_id")
    )
    for pk, account_id in due_ids:
        # One savepoint per charge: a bad one is recorded and skipped (issue 15, item 3).
        with isolated(JOB, counts, account_id=account_id, item=f"recurring charge {pk}"):
            charge = (
                RecurringCharge.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("account__status_type")
                .filter(pk=pk, next_billing_date__lte=today)
                .first()
            )
            if charge is None:
                continue  # another run has it, or it is no longer due
            while charge.next_billing_date <= today:
                billing_date = charge.next_billing_date
                if is_billed(charge.account.status_type.backend_status, charge):
                    services.issue_invoice(
                        charge.account,
                        amount=charge.amount,
                        billing_date=billing_date,
                        actor=Actor.system("R-B1"),
                        description=f"{charge.description} from {billing_date}",
                    )
                    charge.account.refresh_from_db()
                    counts["invoiced"] += 1
                else:
                    counts["skipped"] += 1
                # R-S1: count from the charge's first billing day, not the previous date.
                charge.billing_anchor = anchor_for(charge.billing_anchor, billing_date)
                charge.next_billing_date = billing_day_after(
                    charge.billing_anchor, billing_date, charge.period_months
                )
            charge.save(update_fields=["next_billing_date", "billing_anchor"])
            next_payment.sync_next_payment_date(  # R-S2
                charge.account, actor=Actor.system("R-S2"), note=f"{charge.description} renewed"
            )
    return counts
