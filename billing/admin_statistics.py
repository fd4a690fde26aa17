"""billing's charts on the Account Statistics page (issue 18), registered in accounts' frame:
the dunning funnel (order 100) and receivables aging (order 200). The figures come from
billing/statistics.py; here they become bars with their numbers. Neither links to a list, so they
are kept for ACCOUNT_STATISTICS_MAX_AGE seconds (no stamp: a payment stream would recount them on
every request at a million accounts) and say "as of HH:MM"."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.admin_frames import StatisticsChart
from accounts.charts import BarItem, horizontal_bars, vertical_bars
from accounts.models import Account

from . import statistics


def funnel_context(scope: QuerySet[Account] | None, now: datetime) -> dict:
    """The funnel as bars: reached the ladder, each step now, back to Active."""
    funnel = statistics.dunning_funnel(timezone.localdate(now), scope)
    days = funnel.window_days
    rows = [("entered", f"Reached the ladder ({days} days)", funnel.entered)]
    labels = [rows[0][1]]
    for step in funnel.steps:
        tag = f" ({step.rule_id})" if step.rule_id else ""
        rows.append(
            (
                "step",
                f"{step.policy}, step {step.position}: {step.status}, {step.condition}{tag}",
                step.accounts,
            )
        )
        labels.append(f"{step.status}, {step.condition}{tag}")
    rows.append(("recovered", f"Back to Active ({days} days)", funnel.recovered))
    labels.append(rows[-1][1])
    items = [
        BarItem(key, label, value, f"{value:,}")
        for (key, _long, value), label in zip(rows, labels, strict=True)
    ]
    return {
        "funnel": funnel,
        "chart": horizontal_bars(items),
        "rows": rows,
        "money": sorted(funnel.money_recovered.items()),
        "as_of": now,
    }


def aging_context(scope: QuerySet[Account] | None, now: datetime) -> dict:
    """One bar chart of the overdue amounts per currency, with items and accounts per bucket."""
    per_currency = statistics.aging(timezone.localdate(now), scope)
    return {
        "currencies": [
            {
                "aging": aging,
                "chart": vertical_bars(
                    [BarItem(b.key, b.label, b.amount, f"{b.amount:,}") for b in aging.buckets]
                ),
            }
            for aging in per_currency
        ],
        "as_of": now,
    }


CHARTS = (
    StatisticsChart("dunning-funnel", 100, "admin/billing/statistics/funnel.html", funnel_context),
    StatisticsChart("aging", 200, "admin/billing/statistics/aging.html", aging_context),
)
