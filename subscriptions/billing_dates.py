"""Subscriptions' part of R-S2: the next billing dates of running prepaid subscriptions, given to
billing's Next Payment date rule (billing.next_payment, registered in SubscriptionsConfig.ready())
and the one call every subscription service makes after it moved a period or a status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import F, Q

from accounts.actors import Actor
from accounts.models import Account
from billing.next_payment import earliest_by_account, sync_next_payment_dates

from .models import Plan, Subscription

S = Subscription.Status
# Running: in service or on its way there; a Graced, Stopped or waiting one bills nothing more.
RUNNING = (S.ACTIVATING, S.ACTIVE, S.RENEWING, S.UPDATING)


def prepaid_next_billing(account_ids: list[int]) -> dict[int, date]:
    """{account pk: earliest next billing date} of running prepaid subscriptions that renew."""
    return earliest_by_account(
        Subscription.objects.filter(
            account_id__any=account_ids,
            status__in=RUNNING,
            plan__billing_model=Plan.BillingModel.PREPAID,
            trial=False,
            auto_renew=True,
        ).filter(Q(cancel_on__isnull=True) | Q(cancel_on__gt=F("next_billing_date")))
    )


def sync_next_payment_date(
    account: Account | int, *, actor: Actor, note: str = "", now: datetime | None = None
) -> int:
    """R-S2 after a subscription moved: the account's Next Payment date follows (audited)."""
    pk = account.pk if isinstance(account, Account) else account
    return sync_next_payment_dates([pk], actor=actor, note=note, now=now)


def sync_many(account_ids: Iterable[int], *, actor: Actor, note: str = "") -> int:
    """R-S2 for a batch (credit hold, its release): one read per source, one audit insert."""
    return sync_next_payment_dates(account_ids, actor=actor, note=note)
