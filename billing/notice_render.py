"""What a notice says (R-D7): the documented values for one account, and the subject and body a
step's or a policy's reminder template renders in the sandbox. Nothing here writes; the admin's
preview and the sending (billing/notices.py) both call these functions, so a preview shows
exactly what would be sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import resellers
from accounts.models import Account

from . import notice_sandbox
from .amounts import cents
from .models import DunningEvent, DunningStep, OpenItem, ReminderNotice, StepNotice
from .release import release_of

BUILT_IN = "built-in dunning email (the step's notice line)"


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    body: str
    template: str  # which template rendered it, for the notice log
    html: str = ""


def contact_for(account: Account) -> str:
    """Who the customer contacts about the account, as a notice names it: the reseller's
    contact for a reseller's account, else the provider's (accounts.resellers, R-R1)."""
    return resellers.contact_for(account).described


def pay_link_for(account: Account) -> str:
    """The control panel's payment page of the account, as an absolute URL."""
    path = reverse("panel:pay", args=[account.number])
    return settings.PANEL_BASE_URL.rstrip("/") + path


def values_for(account: Account, *, now: datetime, due_date: date | None) -> dict:
    """The documented variables (notice_sandbox.VARIABLES), every value a plain string."""
    owed = OpenItem.objects.filter(
        account=account, settled_at__isnull=True, due_date=due_date
    ).aggregate(total=Sum("amount") - Sum("settled"))["total"]
    return {
        "account": {"name": str(account.name), "number": str(account.number)},
        "amount_due": money(release_of(account, now).amount),  # R-CH4b: the one answer
        "item_amount": money(cents(owed)),
        "currency": str(account.currency),
        "due_date": due_date.isoformat() if due_date else "",
        "pay_link": pay_link_for(account),
        "contact": contact_for(account),
    }


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def from_template(template: StepNotice | ReminderNotice, values: dict, label: str):
    subject = notice_sandbox.render(template.subject, values)
    return RenderedNotice(
        subject=" ".join(subject.split()),  # one header line, whatever the template's spacing
        body=notice_sandbox.render(template.body, values),
        template=label,
    )


def step_notice(event: DunningEvent, *, now: datetime) -> RenderedNotice:
    """The notice of a step an account passed: the step's template (due_date is the event's
    anchor), or the built-in email with the step's notice line as its subject when it has none."""
    # The reverse one-to-one; callers select_related("step__notice_template") for a batch.
    template = getattr(event.step, "notice_template", None)
    if template is not None:
        values = values_for(event.account, now=now, due_date=event.anchor)
        return from_template(template, values, step_label(event.step))
    return built_in_step_notice(event, now=now)


def built_in_step_notice(event: DunningEvent, *, now: datetime) -> RenderedNotice:
    account, step = event.account, event.step
    context = {
        "event": event,
        "account": account,
        "step": step,
        "required": release_of(account, now).amount,  # R-CH4b
        "support": contact_for(account),
    }
    return RenderedNotice(
        subject=f"[{account.number}] {step.notice}",
        body=render_to_string("emails/dunning_step.txt", context),
        html=render_to_string("emails/dunning_step.html", context),
        template=BUILT_IN,
    )


def reminder_notice(account, reminder: ReminderNotice, item: OpenItem, *, now) -> RenderedNotice:
    values = values_for(account, now=now, due_date=item.due_date)
    return from_template(reminder, values, template_label(reminder))


def step_label(step: DunningStep) -> str:
    return f"{step.policy.name} #{step.position} ({step.status_type.name})"


def template_label(template: StepNotice | ReminderNotice) -> str:
    """Which template it is, in the notice log's and the preview's words."""
    if isinstance(template, StepNotice):
        return step_label(template.step)
    return f"reminder of {template.policy.name}"


def preview(template: StepNotice | ReminderNotice, account: Account, now=None):
    """What `template` says to `account` now; writes nothing. A step's notice is counted from
    the earliest open item's due date, a reminder from the next item not yet due (as each would
    be sent); today when there is no such item."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    items = OpenItem.objects.filter(account=account, settled_at__isnull=True)
    if isinstance(template, ReminderNotice):
        items = items.filter(due_date__gt=today)
    first = items.first()
    due = first.due_date if first is not None else today
    return from_template(template, values_for(account, now=now, due_date=due), "preview")
