"""Reads that build operator pages from the accounts models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from . import scoping
from .models import Account, AccountStatusType, BackendStatus, StatusChange

# One GROUP BY over the accounts (an index-only scan: ~0.1 s at a million accounts), kept this
# long so that the admin index does not count every account on every page load.
DEFAULT_STATISTICS_MAX_AGE = 60
STATISTICS_CACHE_KEY = "accounts:account-statistics:counts"
# R-R3: each scope (the provider's operators, one reseller's) has its own cached counts.
SCOPED_STATISTICS_CACHE_KEY = STATISTICS_CACHE_KEY + ":{scope}"


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


def statistics_stamp() -> tuple[int, int]:
    """What changes whenever a count can: the newest account and the newest status change.

    Every status change writes its StatusChange row in its transaction (set-based sweeps too),
    so two primary-key lookups tell whether the cached counts still hold (issue 18: "Credit hold
    1" opened a list of 0). A change committed out of id order is caught by the cache's age."""
    newest_account = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    newest_change = StatusChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (newest_account or 0, newest_change or 0)


def statistics_cache_key(user=None) -> str:
    """The cache key of the counts `user` sees (R-R3): the provider's key is the historic one."""
    key = scoping.scope_key(user)
    if key == scoping.PROVIDER_SCOPE:
        return STATISTICS_CACHE_KEY
    return SCOPED_STATISTICS_CACHE_KEY.format(scope=key)


def counted_accounts_per_type(user=None) -> tuple[dict[int, int], datetime]:
    """({status type id: accounts}, when they were counted) among the accounts `user` sees (all
    for a provider operator or no user, R-R3): one GROUP BY query, cached per scope until an
    account or a status change is added, and for statistics_max_age() at most."""
    max_age = statistics_max_age()
    stamp = statistics_stamp() if max_age else None
    key = statistics_cache_key(user)
    cached = cache.get(key) if max_age else None
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    counted_at = timezone.now()
    counts = dict(
        scoping.scope(Account.objects.all(), user)
        .order_by()
        .values_list("status_type_id")
        .annotate(accounts=Count("id"))
        .values_list("status_type_id", "accounts")
    )
    if max_age:
        cache.set(key, (stamp, counts, counted_at), max_age)
    return counts, counted_at


def accounts_per_type(user=None) -> dict[int, int]:
    """{status type id: accounts}, as Account Statistics shows them to `user`."""
    return counted_accounts_per_type(user)[0]


def account_statistics(user=None) -> list[StatisticsRow]:
    """R-E2: accounts per status type flagged "Show in Account Statistics"; types with the same
    back-end status are added together, in the order of the back-end statuses. Counted among
    the accounts `user` sees (R-R3: a reseller operator, their reseller's)."""
    return counted_account_statistics(user)[0]


def counted_account_statistics(user=None) -> tuple[list[StatisticsRow], datetime]:
    """account_statistics() and the moment its counts were taken."""
    counts, counted_at = counted_accounts_per_type(user)
    return statistics_rows(counts), counted_at


def statistics_rows(counts: dict[int, int]) -> list[StatisticsRow]:
    """R-E2's rows for `counts` ({status type id: accounts}): the flagged types, those with the
    same back-end status added together, in the order of the back-end statuses."""
    types = AccountStatusType.objects.filter(show_in_statistics=True).order_by("name")
    grouped: dict[str, list[AccountStatusType]] = {}
    for status_type in types:
        grouped.setdefault(status_type.backend_status, []).append(status_type)
    rows = [
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
    return rows
