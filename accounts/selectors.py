"""Reads that build operator pages from the accounts models."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from .models import AccountStatusType, BackendStatus


@dataclass(frozen=True)
class StatisticsRow:
    """One line of Account Statistics: a back-end status and the flagged types that share it."""

    backend_status: str
    backend_label: str
    label: str
    type_names: tuple[str, ...]
    type_ids: tuple[int, ...]
    count: int


def account_statistics() -> list[StatisticsRow]:
    """R-E2: accounts per status type flagged "Show in Account Statistics"; types with the same
    back-end status are added together, in the order of the back-end statuses."""
    types = (
        AccountStatusType.objects.filter(show_in_statistics=True)
        .annotate(accounts_count=Count("accounts"))
        .order_by("name")
    )
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
            count=sum(t.accounts_count for t in grouped[backend]),
        )
        for backend in BackendStatus.values
        if backend in grouped
    ]
