"""subscriptions' section of the account overview (accounts/admin_frames.py): the account's
newest subscriptions with their resources."""

from __future__ import annotations

from accounts.admin_frames import OverviewSection, newest

from .models import Subscription

SUBSCRIPTION_ROWS = 50


def subscriptions(account, now) -> dict:
    rows, more = newest(
        Subscription.objects.filter(account=account)
        .select_related("plan")
        .prefetch_related("resources")
        .order_by("-created_at", "-id"),
        SUBSCRIPTION_ROWS,
    )
    return {"rows": rows, "more": more}


# Order keys: accounts/admin_frames.py lists every app's sections.
SECTIONS = (
    OverviewSection(
        "subscriptions", 500, "admin/subscriptions/overview/subscriptions.html", subscriptions
    ),
)
