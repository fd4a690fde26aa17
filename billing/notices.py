"""Notices by email to an account's contacts (owners and billing contacts), sent after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.models import Membership

from .models import DunningEvent

CONTACT_ROLES = (Membership.Role.OWNER, Membership.Role.BILLING)


def send_dunning_notices(event_ids: list[int]) -> int:
    """Email each step's notice to the account's contacts once; returns how many were sent.
    Called after the sweep's batch commits, with a fixed number of queries per batch."""
    events = list(
        DunningEvent.objects.filter(pk__in=event_ids, notice_sent=False)
        .select_related("account", "step__status_type")
        .order_by("pk")
    )
    if not events:
        return 0
    emails: dict[int, list[str]] = {}
    for membership in Membership.objects.filter(
        account_id__in={e.account_id for e in events}, role__in=CONTACT_ROLES
    ).select_related("user"):
        if membership.user.email:
            emails.setdefault(membership.account_id, []).append(membership.user.email)
    sent = 0
    for event in events:
        recipients = sorted(set(emails.get(event.account_id, [])))
        if recipients:
            _send(event, recipients)
            sent += 1
    DunningEvent.objects.filter(pk__in=[e.pk for e in events]).update(notice_sent=True)
    return sent


def _send(event: DunningEvent, recipients: list[str]) -> None:
    from .services import required_payment

    context = {
        "event": event,
        "account": event.account,
        "step": event.step,
        "required": required_payment(event.account),
        "support": getattr(settings, "ORDERS_CONTACT", ""),
    }
    send_mail(
        subject=f"[{event.account.number}] {event.step.notice}",
        message=render_to_string("emails/dunning_step.txt", context),
        html_message=render_to_string("emails/dunning_step.html", context),
        from_email=None,
        recipient_list=recipients,
    )
