"""accounts' sections of the account overview (accounts/admin_frames.py): the users row, the
status history, scheduled changes (R-E4), the delivery log (R-X6), unlock attempts and audited
changes (R-G2, R-X2, R-G3). Each reads the newest few rows (issue 8)."""

from __future__ import annotations

from .admin_overview import STATUS_ROW, OverviewSection, newest
from .models import (
    AccountAudit,
    Membership,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
    WebhookDelivery,
)

MEMBER_ROWS = 20
HISTORY_ROWS = 50
SCHEDULED_ROWS = 20
LOG_ROWS = 20


def members(account, now) -> dict:
    rows, more = newest(
        Membership.objects.filter(account=account).select_related("user").order_by("id"),
        MEMBER_ROWS,
    )
    return {"rows": rows, "more": more}


def history(account, now) -> dict:
    rows, more = newest(
        StatusChange.objects.filter(account=account)
        .select_related("from_type", "to_type", "reason", "actor_user")
        .order_by("-effective_at", "-id"),
        HISTORY_ROWS,
    )
    return {"rows": rows, "more": more}


def scheduled(account, now) -> dict:
    rows, more = newest(
        ScheduledStatusChange.objects.filter(account=account)
        .select_related("status_type", "reason", "author", "cancelled_by")
        .order_by("-state", "effective_on", "id"),  # "pending" sorts first
        SCHEDULED_ROWS,
    )
    return {"rows": rows, "more": more}


def deliveries(account, now) -> dict:
    rows = (
        WebhookDelivery.objects.filter(event__account=account)
        .select_related("endpoint", "event")
        .order_by("-created_at", "-id")
    )
    return {"rows": list(rows[:LOG_ROWS])}


def audit(account, now) -> dict:
    unlocks = UnlockAttempt.objects.filter(account=account).select_related("user", "actor_user")
    audited = AccountAudit.objects.filter(account=account).select_related("actor_user")
    return {"unlock_attempts": list(unlocks[:LOG_ROWS]), "audit_rows": list(audited[:LOG_ROWS])}


def _template(name: str) -> str:
    return f"admin/accounts/overview/{name}.html"


# Order keys: accounts/admin_frames.py lists every app's sections.
SECTIONS = (
    OverviewSection("members", 70, _template("members"), members, place=STATUS_ROW),
    OverviewSection("history", 300, _template("history"), history),
    OverviewSection("scheduled", 400, _template("scheduled"), scheduled),
    OverviewSection("deliveries", 700, _template("deliveries"), deliveries),
    OverviewSection("audit", 800, _template("audit"), audit),
)
