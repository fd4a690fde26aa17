"""The Account Statistics page of the operator portal (R-E2, issue 18): accounts per status type
over the last weeks (from the status history), and the charts other apps register in
`statistics_charts` (billing: the dunning funnel and receivables aging), each drawn as inline
SVG with its numbers in a table under it and an "as of" time.

Each chart's figures are cached on their own (page_figures): the status chart's tally is brought
up to the newest status change on every request (accounts/statistics.py), so a count and the
list it opens always agree (issue 18 defect 6); a registered chart is kept until its `stamp()`
changes, or without a stamp for ACCOUNT_STATISTICS_MAX_AGE seconds, saying "as of HH:MM" (0:
all computed on every request).

    from accounts.admin_frames import StatisticsChart, statistics_charts
    statistics_charts.register(
        StatisticsChart("aging", 200, "admin/billing/statistics/aging.html", aging_context)
    )

`context(scope, now)` returns the dict the template reads as `data`; `scope` is a queryset of
the accounts to count, or None for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from . import charts, scoping
from .models import Account
from .selectors import statistics_max_age
from .statistics import (
    TALLY_CACHE_KEY,
    count_tally,
    current_tally,
    status_over_time,
    week_ends,
)

PAGE_CACHE_KEY = "accounts:account-statistics:page:{scope}:{chart}"


@dataclass(frozen=True)
class StatisticsChart:
    """One chart of the statistics page; its template reads `context(scope, now)` as `data`."""

    key: str
    order: int
    template: str
    context: Callable[[QuerySet[Account] | None, datetime], dict]
    # What changes whenever the chart's figures can; None: kept for the cache's age only.
    stamp: Callable[[], tuple] | None = None


class StatisticsCharts:
    """The charts apps register below the accounts' own, by order key."""

    def __init__(self):
        self._charts: dict[str, StatisticsChart] = {}

    def register(self, *charts_: StatisticsChart) -> None:
        for chart in charts_:
            taken = {c.order: c.key for c in self._charts.values()}
            if chart.key in self._charts or chart.order in taken:
                raise ImproperlyConfigured(f"Statistics chart {chart.key!r} is registered twice.")
            self._charts[chart.key] = chart

    def charts(self) -> tuple[StatisticsChart, ...]:
        return tuple(sorted(self._charts.values(), key=lambda c: c.order))


statistics_charts = StatisticsCharts()


def status_chart(
    scope: QuerySet[Account] | None, now: datetime, scope_key: str = scoping.PROVIDER_SCOPE
) -> dict:
    """Accounts per status row at each week end (a stacked area), with a link from each row's
    count of now to the accounts it counts."""
    today = timezone.localdate(now)
    over_time = status_over_time(today, scope, current_tally(today, scope, scope_key))
    changelist = reverse("admin:accounts_account_changelist")
    series = [
        charts.Series(row.backend_status, row.label, values) for row, values in over_time.rows
    ]
    return {
        "chart": charts.stacked_area(list(over_time.dates), series),
        "dates": over_time.dates,
        "rows": [
            {
                "row": row,
                "values": values,
                "url": f"{changelist}?status_type__id__in={','.join(map(str, row.type_ids))}",
            }
            for row, values in over_time.rows
        ],
        "as_of": now,  # the tally was brought up to the newest status change just now
    }


def cached(key: str, stamp: tuple, compute: Callable[[], dict], max_age: int) -> dict:
    """compute(), kept under `key` while `stamp` stays the same, for max_age seconds at most."""
    if not max_age:
        return compute()
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = compute()
    cache.set(key, (stamp, value), max_age)
    return value


def refresh_figures(
    scope: QuerySet[Account] | None = None, scope_key: str = scoping.PROVIDER_SCOPE
) -> int:
    """Count every chart again and keep the figures (the beat task refresh_account_statistics),
    so no operator's request pays the full count at a million accounts; returns the charts."""
    max_age = statistics_max_age()
    if not max_age:
        return 0
    today = timezone.localdate()
    tally = count_tally(week_ends(today)[0], scope)
    cache.set(TALLY_CACHE_KEY.format(scope=scope_key), tally, max_age)
    now = timezone.now()
    charts_ = statistics_charts.charts()
    for chart in charts_:
        stamp = (chart.stamp() if chart.stamp else (), today)
        key = PAGE_CACHE_KEY.format(scope=scope_key, chart=chart.key)
        cache.set(key, (stamp, chart.context(scope, now)), max_age)
    return len(charts_) + 1


def page_figures(
    scope: QuerySet[Account] | None = None, scope_key: str = scoping.PROVIDER_SCOPE
) -> dict:
    """Every chart's data for the page. The status chart is brought up to the newest status
    change on every request (its counts link to lists, and must agree with them: defect 6); a
    registered chart with a `stamp` is kept while its stamp holds; one without (billing's, which
    link nowhere) for ACCOUNT_STATISTICS_MAX_AGE seconds, its "as of" time on the page."""
    now = timezone.now()
    today = timezone.localdate(now)
    max_age = statistics_max_age()
    figures = {"status": status_chart(scope, now, scope_key), "parts": []}
    for chart in statistics_charts.charts():
        stamp = (chart.stamp() if chart.stamp and max_age else (), today)
        data = cached(
            PAGE_CACHE_KEY.format(scope=scope_key, chart=chart.key),
            stamp,
            lambda chart=chart: chart.context(scope, now),
            max_age,
        )
        figures["parts"].append((chart.key, chart.template, data))
    return figures


class StatisticsPageMixin:
    """Adds `statistics/` (admin:accounts_account_statistics) to the account admin."""

    def get_urls(self):
        page = path(
            "statistics/",
            self.admin_site.admin_view(self.statistics_view),
            name="accounts_account_statistics",
        )
        return [page, *super().get_urls()]

    def statistics_view(self, request):
        if not request.user.has_perm("accounts.view_account"):
            raise PermissionDenied
        # R-R3: a reseller operator's charts count their reseller's accounts, cached apart.
        scope = self.get_queryset(request) if scoping.is_reseller_operator(request.user) else None
        figures = page_figures(scope, scoping.scope_key(request.user))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Account Statistics",
            "status": figures["status"],
            "parts": [
                {"key": key, "template": template, "data": data}
                for key, template, data in figures["parts"]
            ],
            "max_age": statistics_max_age(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/statistics.html", context)
