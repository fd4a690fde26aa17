"""Account Statistics over time (R-E2, issue 18): accounts per status type at the end of each
week, read back from the status history. Set-based: the counts of now (one GROUP BY over the
accounts) and one GROUP BY over the status changes since the first day shown, taken in one
snapshot (a Tally); each earlier count is the count of now with the changes after that day
undone. An account's first history row (from_type empty) takes it out of the days before it
existed.

Every status change writes its history row in its transaction (set-based sweeps too), so a
cached tally is brought up to date by applying the rows added since its newest one — a few rows
read by primary key instead of a million counted — and the counts still equal the lists they
open (issue 18 defect 6). A change committed out of id order, or an account deleted outright, is
caught by the recount that ACCOUNT_STATISTICS_MAX_AGE forces, as for the sidebar.

Every function takes `scope`, a queryset of the accounts to count (None: all of them), so a
narrower view (one reseller's accounts) counts with the same rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Account, StatusChange
from .scoping import PROVIDER_SCOPE
from .selectors import StatisticsRow, statistics_max_age, statistics_rows

WEEKS = 12
TALLY_CACHE_KEY = "accounts:account-statistics:tally:{scope}"
RECOUNT_ABOVE = 20_000


@dataclass(frozen=True)
class StatusOverTime:
    """The dates shown (week ends, oldest first, today last) and, per Account Statistics row,
    its count on each date."""

    dates: tuple[date, ...]
    rows: tuple[tuple[StatisticsRow, tuple[int, ...]], ...]


def week_ends(today: date, weeks: int = WEEKS) -> tuple[date, ...]:
    """today and the same weekday of each of the `weeks` weeks before, oldest first."""
    return tuple(today - timedelta(days=7 * n) for n in range(weeks, -1, -1))


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


@dataclass
class Tally:
    """The counts of now per status type, and the status changes per (day, from type, to type)
    after the first week end, as of status change `upto`: the status chart's whole input."""

    first: date
    upto: int
    counts: dict[int, int]
    changes: dict[tuple[date, int | None, int], int]
    counted_at: datetime


def newest_change() -> int:
    return StatusChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def count_tally(first: date, scope: QuerySet[Account] | None = None) -> Tally:
    """Count everything: one GROUP BY over the accounts, one over the window's changes, in one
    snapshot (REPEATABLE READ on PostgreSQL when no transaction is open), so `upto` is exactly
    the newest change the counts include."""
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        upto = newest_change()
        accounts = Account.objects.all() if scope is None else scope
        counts = dict(
            accounts.order_by()
            .values_list("status_type_id")
            .annotate(n=Count("id"))
            .values_list("status_type_id", "n")
        )
        changes = {(d, f, t): n for d, f, t, n in changes_since(first, scope)}
    return Tally(first, upto, counts, changes, timezone.now())


def advance(tally: Tally, scope: QuerySet[Account] | None = None) -> Tally | None:
    """`tally` with the status changes added since `upto` applied (a new account's first row
    adds it; a change moves one account from a type to another); None when there are more than
    RECOUNT_ABOVE of them (counting again is then cheaper)."""
    newest = newest_change()
    if newest == tally.upto:
        return tally
    rows = StatusChange.objects.filter(pk__gt=tally.upto)
    if scope is not None:
        rows = rows.filter(account__in=scope.values("pk"))
    rows = list(
        rows.order_by("pk")
        .annotate(day=TruncDate("effective_at", tzinfo=timezone.get_current_timezone()))
        .values_list("pk", "day", "from_type_id", "to_type_id")[: RECOUNT_ABOVE + 1]
    )
    if len(rows) > RECOUNT_ABOVE:
        return None
    counts, changes = dict(tally.counts), dict(tally.changes)
    for _pk, day, from_type, to_type in rows:
        counts[to_type] = counts.get(to_type, 0) + 1
        if from_type is not None:
            counts[from_type] = counts.get(from_type, 0) - 1
        if day > tally.first:
            changes[(day, from_type, to_type)] = changes.get((day, from_type, to_type), 0) + 1
    upto = max([newest, *(pk for pk, *_rest in rows)])
    return Tally(tally.first, upto, counts, changes, tally.counted_at)


def current_tally(
    today: date, scope: QuerySet[Account] | None = None, scope_key: str = PROVIDER_SCOPE
) -> Tally:
    """The tally for the weeks up to `today`: kept in the cache and brought up to date with the
    changes added since (a few rows by primary key) instead of counted again, and counted again
    at least every ACCOUNT_STATISTICS_MAX_AGE seconds (0: every time)."""
    first = week_ends(today)[0]
    max_age = statistics_max_age()
    if not max_age:
        return count_tally(first, scope)
    key = TALLY_CACHE_KEY.format(scope=scope_key)
    cached = cache.get(key)
    tally = advance(cached, scope) if cached is not None and cached.first == first else None
    if tally is None:
        tally = count_tally(first, scope)
    age = (timezone.now() - tally.counted_at).total_seconds()
    cache.set(key, tally, max(1, int(max_age - age)))
    return tally


def status_over_time(
    today: date, scope: QuerySet[Account] | None = None, tally: Tally | None = None
) -> StatusOverTime:
    """Each Account Statistics row's count at the end of each week end (today last)."""
    dates = week_ends(today)
    tally = tally or count_tally(dates[0], scope)
    rows = statistics_rows(tally.counts)
    undo: dict[date, dict[int, int]] = {d: defaultdict(int) for d in dates}
    for (day, from_type, to_type), n in tally.changes.items():
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
    return StatusOverTime(dates, tuple(series))
