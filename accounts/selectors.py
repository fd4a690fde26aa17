"""Reads that build operator pages from the accounts models."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from .models import Account, AccountStatusType, BackendStatus

# One GROUP BY over the accounts (an index-only scan: ~0.1 s at a million accounts), kept this
# long so that the admin index does not count every account on every page load.
DEFAULT_STATISTICS_MAX_AGE = 60
STATISTICS_CACHE_KEY = "accounts:account-statistics:counts"


@dataclass(frozen=True)
class StatisticsRow:
    """One line of Account Statistics: a back-end status and the flagged types that share it."""

    backend_status: str
    backend_label: str
    label: str
    type_names: tuple[str, ...]
    type_ids: tuple[int, ...]
    count: int


def statistics_max_age() -> int:
    """Seconds the Account Statistics counts may be old (0: counted on every request)."""
    return int(getattr(settings, "ACCOUNT_STATISTICS_MAX_AGE", DEFAULT_STATISTICS_MAX_AGE))


def accounts_per_type() -> dict[int, int]:
    """{status type id: accounts}, one GROUP BY query, cached for statistics_max_age()."""
    max_age = statistics_max_age()
    counts = cache.get(STATISTICS_CACHE_KEY) if max_age else None
    if counts is None:
        counts = dict(
            Account.objects.order_by()
            .values_list("status_type_id")
            .annotate(accounts=Count("id"))
            .values_list("status_type_id", "accounts")
        )
        if max_age:
            cache.set(STATISTICS_CACHE_KEY, counts, max_age)
    return counts


def account_statistics() -> list[StatisticsRow]:
    """R-E2: accounts per status type flagged "Show in Account Statistics"; types with the same
    back-end status are added together, in the order of the back-end statuses."""
    counts = accounts_per_type()
    types = AccountStatusType.objects.filter(show_in_statistics=True).order_by("name")
    grouped: dict[str, list[AccountStatusType]] = {}
    for status_type in types:
        grouped.setdefault(status_type.backend_status, []).append(status_type)
    return [
        StatisticsRow(
            backend_status=backend,
            backend_label=str(BackendStatus(backend).label),
            label=" + ".join(t.name for t in grouped[backend]),
            type_names=tuple(t.name for t in grouped[backend]),
            type_ids=tuple(t.pk for t in grouped[backend]),
            count=sum(counts.get(t.pk, 0) for t in grouped[backend]),
        )
        for backend in BackendStatus.values
        if backend in grouped
    ]
