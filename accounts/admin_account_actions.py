"""accounts' items of the account's gear menu (DESIGN §1, seed 002), and the helpers every app's
account actions share: each handler validates a form and calls one service.

Business rules stay in the services; a refusal comes back as the service's message. billing and
subscriptions register their items (money, cancel, enable) from their own admin.py (issue 13).
"""

from __future__ import annotations

from django.contrib import messages
from django.utils import timezone

from . import services
from .admin_forms import ScheduledChangeForm, ScheduleForm, StatusForm
from .admin_gear import GearAction
from .models import BackendStatus as S
from .models import ScheduledStatusChange

CHANGE_STATUS = "accounts.change_account_status"


def not_in(*statuses: str):
    """An `applies` check: the item does not apply to an account in one of `statuses`."""

    def why(account) -> str | None:
        status = account.status_type
        if status.backend_status in statuses:
            return f"the account is {status.name}."
        return None

    return why


def only_in(*statuses: str):
    """An `applies` check: the item applies only to an account in one of `statuses`."""

    def why(account) -> str | None:
        status = account.status_type
        if status.backend_status not in statuses:
            return f"the account is {status.name}."
        return None

    return why


def preview_row(subject: str, entry) -> dict:
    """One row of a ledger preview (R-X5) from a planned entry (a dict) or a written one."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name, None)
    return {
        "subject": subject,
        "kind": str(get("kind")).capitalize(),
        "amount": get("amount"),
        "description": get("description"),
        "on_date": get("on_date"),
    }


def ledger_preview(rows: list[dict], summary: str) -> dict:
    """What the confirmation page shows (R-X5): the entries to be written and their total."""
    return {"rows": rows, "summary": summary, "total": sum(r["amount"] for r in rows)}


def entries_text(entries) -> str:
    """The written ledger entries in one line of a success message."""
    if not entries:
        return "no ledger entries"
    return "; ".join(f"{entry.get_kind_display()} {entry.amount}" for entry in entries)


def status_message(account, change) -> str:
    """The operator's message after a status change (None: the account already had it)."""
    account.refresh_from_db()
    if change is None:
        return f"Account {account.number} already had that status; nothing changed."
    return f"Account {account.number} is now {account.status_type.name}."


def _change_status(request, account, default_note: str = ""):
    """The `perform` of the status forms: the service, then the message for the operator."""

    def perform(data):
        change = services.change_status(
            account,
            data["status_type"],
            actor=request.user,
            reason=data["reason"],
            note=data["note"] or default_note,
        )
        return status_message(account, change)

    return perform


def change_status_action(admin, request, account, action):
    """Change status…: any status type with a reason that fits it (R-E3)."""
    return admin.run_form_action(
        request, account, action, form_class=StatusForm,
        perform=_change_status(request, account), form_kwargs={"account": account},
        intro="Only the statuses the lifecycle lets an operator choose from this one are "
        "offered, and only reasons that fit the chosen status (R-E3).",
    )  # fmt: skip


def suspend_action(admin, request, account, action):
    """Suspend…: a Suspended type, immediately and with no refund."""
    perform = _change_status(request, account, "Suspended: immediately, with no refund")
    return admin.run_form_action(
        request, account, action, form_class=StatusForm, perform=perform,
        form_kwargs={"account": account, "backend_statuses": (S.SUSPENDED,)},
        intro="Suspended accounts keep their subscriptions and configuration (provisioned, "
        "not billed); the option that applies is “Immediately with no refund”.",
    )  # fmt: skip


def schedule_action(admin, request, account, action):
    """Schedule status change… (R-E4)."""

    def perform(data):
        scheduled = services.schedule_status_change(
            account,
            data["status_type"],
            reason=data["reason"],
            effective_on=data["effective_on"],
            actor=request.user,
            note=data["note"],
        )
        return (
            f"Scheduled {scheduled.status_type.name} for account {account.number} on "
            f"{scheduled.effective_on}; it can be withdrawn until then."
        )

    return admin.run_form_action(
        request, account, action, form_class=ScheduleForm, perform=perform,
        form_kwargs={"account": account, "initial": {"effective_on": timezone.localdate()}},
        intro="The change runs on its date (R-E4); whether the lifecycle allows it is "
        "checked then.",
    )  # fmt: skip


def cancel_scheduled_action(admin, request, account, action):
    """Withdraw scheduled change (R-X5), from the overview's list of scheduled changes; not
    named "Cancel", which is the account's Cancel… on the same page (issue 18)."""
    form = ScheduledChangeForm(request.POST)
    scheduled = (
        ScheduledStatusChange.objects.filter(
            account=account, pk=form.cleaned_data["scheduled"]
        ).first()
        if form.is_valid()
        else None
    )
    if scheduled is None:
        return admin.gear_done(
            request, account, "There is no such scheduled change.", messages.ERROR
        )

    def perform(_data):
        services.cancel_scheduled_status_change(scheduled, actor=request.user)
        return (
            f"Withdrew the scheduled change to {scheduled.status_type.name} on "
            f"{scheduled.effective_on}."
        )

    return admin.run_form_action(
        request, account, action, form_class=ScheduledChangeForm, perform=perform
    )


# The order keys place every app's items in one menu (accounts/admin_frames.py lists them all).
GEAR_ACTIONS = (
    GearAction("change-status", "Change status…", CHANGE_STATUS, change_status_action,
               not_in(S.DELETED), order=10),
    GearAction("suspend", "Suspend…", CHANGE_STATUS, suspend_action,
               only_in(S.ACTIVE, S.CREDIT_HOLD, S.SUSPENDED), order=20),
    GearAction("schedule", "Schedule status change…", CHANGE_STATUS, schedule_action,
               not_in(S.DELETED), order=70),
    GearAction("cancel-scheduled", "Withdraw scheduled change", CHANGE_STATUS,
               cancel_scheduled_action, in_menu=False, order=90),
)  # fmt: skip
