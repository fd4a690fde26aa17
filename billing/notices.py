"""Notices by email to an account's contacts (owners and billing contacts), sent after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.models import Membership

from .models import DunningEvent

CONTACT_ROLES = (Membership.Role.OWNER, Membership.Role.BILLING)


def contacts(account) -> list[str]:
    return sorted(
        {
            m.user.email
            for m in account.memberships.select_related("user").filter(role__in=CONTACT_ROLES)
            if m.user.email
        }
    )


def send_dunning_notice(event_id: int) -> bool:
    """Email the step's notice; marks the event so a notice goes out once."""
    event = DunningEvent.objects.select_related("account", "step__status_type").get(pk=event_id)
    if event.notice_sent:
        return False
    recipients = contacts(event.account)
    if recipients:
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
    DunningEvent.objects.filter(pk=event.pk).update(notice_sent=True)
    return bool(recipients)
