"""Account Statistics over time (R-E2, issue 18): accounts per status type at the end of each
week, read back from the status history. Set-based: the counts of now (one GROUP BY over the
accounts, the same cached counts the sidebar and the drill-down read) and one GROUP BY over the
status changes since the first day shown; each earlier count is the count of now with the
changes after that day undone. An account's first history row (from_type empty) takes it out
of the days before it existed.

Every function takes `scope`, a queryset of the accounts to count (None: all of them), so a
narrower view (one reseller's accounts) counts with the same rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Account, StatusChange
from .selectors import StatisticsRow, counted_account_statistics, statistics_rows

WEEKS = 12


@dataclass(frozen=True)
class StatusOverTime:
    """The dates shown (week ends, oldest first, today last) and, per Account Statistics row,
    its count on each date."""

    dates: tuple[date, ...]
    rows: tuple[tuple[StatisticsRow, tuple[int, ...]], ...]


def week_ends(today: date, weeks: int = WEEKS) -> tuple[date, ...]:
    """today and the same weekday of each of the `weeks` weeks before, oldest first."""
    return tuple(today - timedelta(days=7 * n) for n in range(weeks, -1, -1))


def rows_now(scope: QuerySet[Account] | None = None) -> tuple[list[StatisticsRow], datetime]:
    """Account Statistics (R-E2) of `scope`: the sidebar's cached counts for all accounts, one
    GROUP BY of the scope's accounts otherwise."""
    if scope is None:
        return counted_account_statistics()
    counted_at = timezone.now()
    counts = dict(
        scope.order_by()
        .values_list("status_type_id")
        .annotate(n=Count("id"))
        .values_list("status_type_id", "n")
    )
    return statistics_rows(counts), counted_at


def changes_since(first: date, scope: QuerySet[Account] | None = None) -> list[tuple]:
    """(day, from type id, to type id, how many) of the status changes after the end of `first`:
    one GROUP BY (index statuschange_effective_at)."""
    start = timezone.make_aware(datetime.combine(first + timedelta(days=1), time.min))
    changes = StatusChange.objects.filter(effective_at__gte=start)
    if scope is not None:
        changes = changes.filter(account__in=scope.values("pk"))
    return list(
        changes.order_by()
        .annotate(day=TruncDate("effective_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "from_type_id", "to_type_id")
        .annotate(n=Count("id"))
    )


def status_over_time(
    today: date, scope: QuerySet[Account] | None = None, weeks: int = WEEKS
) -> tuple[StatusOverTime, datetime]:
    """Each Account Statistics row's count at the end of each week end (today last), and when
    the counts of now were taken."""
    dates = week_ends(today, weeks)
    rows, counted_at = rows_now(scope)
    undo: dict[date, dict[int, int]] = {d: defaultdict(int) for d in dates}
    for day, from_type, to_type, n in changes_since(dates[0], scope):
        for d in dates:
            if day > d:  # a change after d: before it the account had from_type
                undo[d][to_type] -= n
                if from_type is not None:
                    undo[d][from_type] += n
    series = []
    for row in rows:
        values = tuple(
            max(0, row.count + sum(undo[d].get(t, 0) for t in row.type_ids)) for d in dates
        )
        series.append((row, values))
    return StatusOverTime(dates, tuple(series)), counted_at
