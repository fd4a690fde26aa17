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
        for event in (
            DunningEvent.objects.filter(pk__in=to_send)
            .select_related("account", "step__status_type")
            .order_by("pk")
        ):
            _send(event, sorted(set(emails[event.account_id])))
            sent += 1
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
