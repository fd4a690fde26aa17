"""The credit-hold sweep (R-CH1 b and anything missed): candidates by query, each re-checked under
its row lock, keyset batches, one transaction per account, one sweep at a time."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, BackendStatus

from . import ladder, services
from .locks import single_flight

BATCH_SIZE = 500


def _candidates(now: datetime):
    """Active accounts that may need a hold, and held ones that may be released."""
    may_hold = Q(status_type__backend_status=BackendStatus.ACTIVE) & (
        Q(balance__lt=F("financial_blocking_threshold"))
        | Q(negative_since__isnull=False, allowed_negative_days__isnull=False)
    )
    may_release = Q(
        status_type__backend_status__in=(BackendStatus.CREDIT_HOLD, BackendStatus.SUSPENDED)
    ) & Q(balance__gte=F("financial_blocking_threshold"))
    return Account.objects.filter(may_hold | may_release)


def keyset_batches(queryset, batch_size: int):
    """Yield lists of primary keys in ascending order, each batch read afresh (keyset paging)."""
    last_id = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last_id = ids[-1]


def credit_hold_sweep(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Hold or release every account whose money says so at `now`; a rerun changes nothing."""
    now = now or timezone.now()
    counts = {"held": 0, "released": 0, "checked": 0, "skipped": False}
    with single_flight("credit_hold_sweep") as mine:
        if not mine:
            counts["skipped"] = True
            return counts
        for ids in keyset_batches(_candidates(now), batch_size):
            for pk in ids:
                counts["checked"] += 1
                with transaction.atomic():
                    change = services.evaluate_credit(services._lock(pk), now=now)
                if change is not None:
                    released = change.to_backend_status == BackendStatus.ACTIVE
                    counts["released" if released else "held"] += 1
    return counts


def _dunning_candidates(today: date):
    """Accounts in service, not exempt (R-X2), with an unpaid invoice due or money below a line."""
    return (
        Account.objects.subject_to_dunning(today)
        .in_backend_status(*ladder.DUNNING_STATUSES)
        .filter(
            Q(invoices__paid_at__isnull=True, invoices__due_date__lte=today)
            | Q(balance__lt=F("financial_blocking_threshold"))
            | Q(balance__lte=0, dunning_policy__steps__condition="credit_exhausted")
        )
        .distinct()
    )


def dunning_sweep(today: date, batch_size: int = BATCH_SIZE) -> dict:
    """Put every account on the ladder step its dates call for (R-X3); a rerun changes nothing."""
    counts = {"accounts_moved": 0, "steps_recorded": 0, "checked": 0, "skipped": False}
    with single_flight("dunning_sweep") as mine:
        if not mine:
            counts["skipped"] = True
            return counts
        for ids in keyset_batches(_dunning_candidates(today), batch_size):
            for pk in ids:
                counts["checked"] += 1
                with transaction.atomic():
                    events = ladder.apply_dunning(services._lock(pk), today)
                counts["steps_recorded"] += len(events)
                counts["accounts_moved"] += int(bool(events))
    return counts
