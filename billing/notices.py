"""Notices by email to an account's contacts (owners and billing contacts), sent after commit,
each recorded in the notice log (R-D7): when, which template, to whom, delivered or failed."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import Membership

from . import notice_render
from .models import DunningEvent, NoticeKind, NoticeLog, NoticeStatus
from .notice_render import RenderedNotice

CONTACT_ROLES = (Membership.Role.OWNER, Membership.Role.BILLING)
ERROR_MAX = 2000
log = logging.getLogger(__name__)


def send_dunning_notices(event_ids: list[int], now: datetime | None = None) -> int:
    """Email each step's notice to the account's contacts once; returns how many were sent.
    Called after the sweep's batch commits, with a fixed number of queries per batch."""
    now = now or timezone.now()
    pending = dict(
        DunningEvent.objects.filter(pk__in=event_ids, notice_sent=False).values_list(
            "pk", "account_id"
        )
    )
    if not pending:
        return 0
    emails = contact_emails(set(pending.values()))
    sent = 0
    if emails:  # only accounts with someone to tell get their events loaded and rendered
        to_send = [pk for pk, account_id in pending.items() if account_id in emails]
        # Marked first: a crash mid-batch must not send a step's notice twice (R-X3).
        DunningEvent.objects.filter(pk__in=to_send).update(notice_sent=True)
        for event in (
            DunningEvent.objects.filter(pk__in=to_send)
            .select_related("account", "step__status_type", "step__policy", "step__notice_template")
            .order_by("pk")
        ):
            entry = start_log(
                event.account_id, NoticeKind.DUNNING_STEP, emails[event.account_id], now,
                step_id=event.step_id, template=notice_render.step_label(event.step),
            )  # fmt: skip
            rendered = render_or_fail(entry, lambda e=event: notice_render.step_notice(e, now=now))
            sent += deliver(entry, rendered)
    DunningEvent.objects.filter(pk__in=list(pending)).update(notice_sent=True)
    return sent


def contact_emails(account_ids) -> dict[int, list[str]]:
    """The addresses a notice goes to, by account; accounts with nobody to tell are absent."""
    emails: dict[int, list[str]] = {}
    for account_id, email in (
        Membership.objects.filter(account_id__any=account_ids, role__in=CONTACT_ROLES)
        .exclude(user__email="")
        .values_list("account_id", "user__email")
    ):
        emails.setdefault(account_id, []).append(email)
    return emails


def start_log(account_id, kind, recipients, now, *, template, step_id=None, item_id=None):
    """The notice's log row, written before it is sent ("Sending" until delivered or failed)."""
    return NoticeLog.objects.create(
        account_id=account_id,
        kind=kind,
        step_id=step_id,
        item_id=item_id,
        template=template[:120],
        subject="",
        recipients=", ".join(sorted(set(recipients))),
        created_at=now,
    )


def render_or_fail(entry: NoticeLog, make) -> RenderedNotice | None:
    """Render, or record why it could not be rendered (a template saved around the admin)."""
    try:
        return make()
    except Exception as exc:  # the notice fails, the batch goes on
        _fail(entry, f"Could not render the template: {exc}")
        return None


def deliver(entry: NoticeLog, rendered: RenderedNotice | None) -> int:
    """Send a rendered notice to the log row's recipients; record delivered or failed (with the
    mail backend's message). Returns 1 when it was delivered."""
    if rendered is None:
        return 0
    entry.subject = rendered.subject[:255]
    entry.template = rendered.template[:120]
    message = EmailMultiAlternatives(
        rendered.subject,
        rendered.body,
        settings.DEFAULT_FROM_EMAIL,
        entry.recipients.split(", "),
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    try:
        message.send()
    except Exception as exc:  # SMTP, DNS, a refused connection: the log says which
        log.warning("Notice %s to account %s failed: %s", entry.pk, entry.account_id, exc)
        _fail(entry, f"{type(exc).__name__}: {exc}")
        return 0
    entry.status = NoticeStatus.DELIVERED
    entry.save(update_fields=["subject", "template", "status"])
    return 1


def _fail(entry: NoticeLog, error: str) -> None:
    entry.status = NoticeStatus.FAILED
    entry.error = error[:ERROR_MAX]
    entry.save(update_fields=["subject", "template", "status", "error"])


def log_account_email(account_pk: int, kind: str, subject: str, to: list[str], error: str):
    """Record the lock and unlock emails accounts sends (accounts.notices.on_notice) in the log."""
    NoticeLog.objects.create(
        account_id=account_pk,
        kind=kind,
        template=f"built-in {kind.replace('_', ' ')} email",
        subject=subject[:255],
        recipients=", ".join(sorted(set(to))),
        status=NoticeStatus.FAILED if error else NoticeStatus.DELIVERED,
        error=error[:ERROR_MAX],
        created_at=timezone.now(),
    )
