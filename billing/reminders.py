"""Reminder notices (R-D7): N days before an open item's due date (its policy's reminder
template says N; empty or 0 sends none), once per item, however often the task runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Membership

from . import notice_render, notices
from .models import NoticeKind, NoticeLog, OpenItem, ReminderNotice

BATCH = 500
# One run sends at most this many (about 13 ms each on PostgreSQL, docs/notices.md): far below
# the task's time limit; the hourly beat picks up the rest, each still before its due date.
PER_RUN = 5000


def due_items(reminder: ReminderNotice, today: date):
    """Open items of the policy's accounts due within its N days (after today), not yet reminded.
    An item opened fewer than N days before its due date is reminded at once."""
    policy = reminder.policy
    of_policy = Q(account__dunning_policy=policy)
    if policy.is_default:  # an account without a policy has the default one (policy_for)
        of_policy |= Q(account__dunning_policy__isnull=True)
    reminded = NoticeLog.objects.filter(kind=NoticeKind.REMINDER, item=OuterRef("pk"))
    # Only accounts with someone to tell: the rest would be read again on every run.
    told = Membership.objects.filter(
        account_id=OuterRef("account_id"), role__in=notices.CONTACT_ROLES
    ).exclude(user__email="")
    return (
        OpenItem.objects.filter(
            of_policy,
            settled_at__isnull=True,
            due_date__gt=today,
            due_date__lte=today + timedelta(days=reminder.days_before),
        )
        .exclude(Exists(reminded))
        .filter(Exists(told))
        .select_related("account")
        .order_by("due_date", "id")
    )


def send_reminders(today: date, now: datetime | None = None, *, limit: int = PER_RUN) -> dict:
    """Send the reminders due `today`, at most `limit`; returns counts of delivered, failed and
    skipped (no one to tell, or another run claimed the item first)."""
    now = now or timezone.now()
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    for reminder in ReminderNotice.objects.filter(days_before__gt=0).select_related("policy"):
        items = list(due_items(reminder, today)[: min(BATCH, limit)])
        while items and limit > 0:
            _send_batch(reminder, items, now, counts)
            limit -= len(items)
            last = items[-1]
            items = list(
                due_items(reminder, today).filter(
                    Q(due_date__gt=last.due_date) | Q(due_date=last.due_date, id__gt=last.id)
                )[: min(BATCH, max(limit, 0))]
            )
    return counts


def _send_batch(reminder, items, now, counts) -> None:
    emails = notices.contact_emails({item.account_id for item in items})
    for item in items:
        to = emails.get(item.account_id)
        entry = _claim(item, to, now) if to else None
        if entry is None:
            counts["skipped"] += 1
            continue
        rendered = notices.render_or_fail(
            entry, lambda i=item: notice_render.reminder_notice(i.account, reminder, i, now=now)
        )
        delivered = notices.deliver(entry, rendered)
        counts["delivered" if delivered else "failed"] += 1


def _claim(item: OpenItem, to: list[str], now: datetime) -> NoticeLog | None:
    """The item's reminder log row, or None when another run has it (one per item, R-D7)."""
    try:
        with transaction.atomic():
            return notices.start_log(
                item.account_id, NoticeKind.REMINDER, to, now,
                item_id=item.pk, template="reminder",
            )  # fmt: skip
    except IntegrityError:
        return None
