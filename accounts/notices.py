"""Email notices to an account's contacts: locked, unlocked with its renewal deadline (R-G2,
R-G3). Callers send them from transaction.on_commit, so a rolled-back change mails nobody."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .models import Account, Membership, StatusChange
from .resellers import contact_for

# Told of every notice these functions send or fail to send (billing's notice log, R-D7):
# listener(account_pk, kind, subject, recipients, error) — error is "" when it was delivered.
NoticeListener = Callable[[int, str, str, list[str], str], None]
_listeners: list[NoticeListener] = []

SUBJECT_LOCKED = _("Your account {account} is locked")
SUBJECT_UNLOCKED = _("Your account {account} is unlocked: renew by {deadline}")
CONTACT_ROLES = (Membership.Role.OWNER, Membership.Role.BILLING)


def recipients(account: Account, user_pk: int | None = None) -> list[str]:
    """The owner and billing contacts, plus the user the operator acted for; no duplicates."""
    users = get_user_model().objects.filter(
        memberships__account=account, memberships__role__in=CONTACT_ROLES
    )
    emails = list(users.exclude(email="").values_list("email", flat=True))
    if user_pk is not None:
        extra = get_user_model().objects.filter(pk=user_pk).exclude(email="").first()
        if extra is not None:
            emails.append(extra.email)
    return sorted(set(emails))


def on_notice(listener: NoticeListener) -> NoticeListener:
    """Register `listener`, called after each account email is sent or has failed."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def _send(
    template: str, subject: str, to: list[str], context: dict[str, Any], account_pk: int
) -> int:
    if not to:
        return 0
    # R-R1: a reseller's customers are sent to their reseller.
    context = {**context, "orders_contact": contact_for(context.get("account"))}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    try:
        sent = message.send()
    except Exception as exc:  # told, then raised as before (the on_commit caller logs it)
        _tell(account_pk, template, subject, to, f"{type(exc).__name__}: {exc}")
        raise
    _tell(account_pk, template, subject, to, "")
    return sent


def _tell(account_pk: int, kind: str, subject: str, to: list[str], error: str) -> None:
    for listener in _listeners:
        listener(account_pk, kind, subject, to, error)


def send_account_locked(account_pk: int, change_pk: int, user_pk: int | None = None) -> int:
    """Tell the account's contacts it is locked, and why."""
    account = Account.objects.get(pk=account_pk)
    change = StatusChange.objects.select_related("to_type", "reason").get(pk=change_pk)
    subject = str(SUBJECT_LOCKED.format(account=account.number))
    context = {"account": account, "status": change.to_type.name, "reason": change.reason.name}
    return _send("account_locked", subject, recipients(account, user_pk), context, account.pk)


def send_account_unlocked(account_pk: int, user_pk: int | None, deadline: date) -> int:
    """Tell the account's contacts it is unlocked and by when to renew (R-G3)."""
    account = Account.objects.select_related("status_type").get(pk=account_pk)
    subject = str(SUBJECT_UNLOCKED.format(account=account.number, deadline=deadline.isoformat()))
    context = {"account": account, "status": account.status_type.name, "deadline": deadline}
    return _send("account_unlocked", subject, recipients(account, user_pk), context, account.pk)
