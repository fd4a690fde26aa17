"""The account's Next Payment date written with its audit row (R-S2; R-G2's 30-day rule reads it).

What the date should be is billing's rule (`billing.next_payment`): the earliest next billing date
of the account's running prepaid subscriptions and recurring charges. This module only writes it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from . import sqlbulk
from .actors import Actor
from .models import Account, AccountAudit

FIELD = "next_payment_date"
RULE_ID = "R-S2"


def set_next_payment_dates(
    wanted: dict[int, date], *, actor: Actor, note: str = "", now: datetime | None = None
) -> int:
    """Write each account's Next Payment date that differs from `wanted` (account pk → date), with
    one audit row each; returns how many changed. Locks the rows (no-op if the caller holds them)."""
    if not wanted:
        return 0
    current = dict(
        Account.objects.select_for_update()
        .filter(pk__any=sorted(wanted))
        .order_by("pk")
        .values_list("pk", FIELD)
    )
    changed = {pk: day for pk, day in wanted.items() if pk in current and current[pk] != day}
    if not changed:
        return 0
    # One statement for the dates and one for the audit rows, whatever the batch's size.
    sqlbulk.update_rows(Account, [FIELD], sorted(changed.items()))
    sqlbulk.insert_rows(
        AccountAudit,
        ["account", "old_value", "new_value"],
        [
            (pk, current[pk].isoformat() if current[pk] else "", day.isoformat())
            for pk, day in sorted(changed.items())
        ],
        same={
            "field": FIELD,
            "actor_kind": actor.kind,
            "actor_user": actor.user if getattr(actor.user, "pk", None) else None,
            "rule_id": RULE_ID,
            "note": note,
            "at": now or timezone.now(),
        },
    )
    return len(changed)
