"""The Accounts gear menu (DESIGN §1, seed 002): each handler validates a form and calls one service.

Business rules stay in the services; a refusal comes back as the service's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone

from billing import ladder
from billing import services as billing
from billing.models import LedgerEntry
from subscriptions import services as subscription_services
from subscriptions.account_actions import cancel_account

from . import services
from .admin_forms import (
    CANCEL_OPTION_LABELS,
    CancelForm,
    ConfirmForm,
    PaymentForm,
    ReasonForm,
    ScheduledChangeForm,
    ScheduleForm,
    StatusForm,
    ThresholdForm,
)
from .admin_gear import GearAction
from .models import BackendStatus as S
from .models import ScheduledStatusChange

CHANGE_STATUS = "accounts.change_account_status"


def _not_in(*statuses: str):
    def why(account) -> str | None:
        status = account.status_type
        if status.backend_status in statuses:
            return f"the account is {status.name}."
        return None

    return why


def _only_in(*statuses: str):
    def why(account) -> str | None:
        status = account.status_type
        if status.backend_status not in statuses:
            return f"the account is {status.name}."
        return None

    return why


ACCOUNT_GEAR_ACTIONS = (
    GearAction("change-status", "Change status…", CHANGE_STATUS, "change_status_action",
               _not_in(S.DELETED)),
    GearAction("suspend", "Suspend…", CHANGE_STATUS, "suspend_action",
               _only_in(S.ACTIVE, S.CREDIT_HOLD, S.SUSPENDED)),
    GearAction("cancel", "Cancel…", CHANGE_STATUS, "cancel_action", _not_in(S.DELETED)),
    GearAction("enable", "Enable…", CHANGE_STATUS, "enable_action", _only_in(S.CANCELLED)),
    GearAction("record-payment", "Record payment…", "billing.record_payment",
               "record_payment_action", _not_in(S.DELETED)),
    GearAction("bill", "Bill account", "billing.bill_account", "bill_action",
               _only_in(S.CANCELLED)),
    GearAction("schedule", "Schedule status change…", CHANGE_STATUS, "schedule_action",
               _not_in(S.DELETED)),
    GearAction("set-threshold", "Set threshold", "billing.set_financial_blocking_threshold",
               "threshold_action", _not_in(S.DELETED), in_menu=False),
    GearAction("cancel-scheduled", "Cancel scheduled change", CHANGE_STATUS,
               "cancel_scheduled_action", in_menu=False),
)  # fmt: skip


def _row(subject: str, entry) -> dict:
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


def _cancel_preview(plan) -> dict:
    rows = [
        _row(f"{sub.plan.name} (#{sub.pk})", entry)
        for sub, entries in plan.items
        for entry in entries
    ]
    when = "today" if plan.effective_on <= timezone.localdate() else f"on {plan.effective_on}"
    summary = (
        f"The account is cancelled {when} with {len(plan.items)} subscription(s) "
        f"({CANCEL_OPTION_LABELS[plan.option]})."
    )
    return ledger_preview(rows, summary)


def _entries_text(entries) -> str:
    if not entries:
        return "no ledger entries"
    return "; ".join(f"{entry.get_kind_display()} {entry.amount}" for entry in entries)


class AccountActionsMixin:
    """Handlers for ACCOUNT_GEAR_ACTIONS; `self` is the AccountAdmin (a GearMenuMixin)."""

    def gear_default_return_url(self, obj) -> str:
        return reverse("admin:accounts_account_overview", args=[obj.pk])

    def _status_message(self, account, change) -> str:
        account.refresh_from_db()
        if change is None:
            return f"Account {account.number} already had that status; nothing changed."
        return f"Account {account.number} is now {account.status_type.name}."

    def _change_status(self, request, account, default_note: str = ""):
        """The `perform` of the status forms: the service, then the message for the operator."""

        def perform(data):
            change = services.change_status(
                account,
                data["status_type"],
                actor=request.user,
                reason=data["reason"],
                note=data["note"] or default_note,
            )
            return self._status_message(account, change)

        return perform

    def change_status_action(self, request, account, action):
        perform = self._change_status(request, account)
        return self.run_form_action(
            request, account, action, form_class=StatusForm, perform=perform,
            form_kwargs={"account": account},
            intro="Only reasons that fit the chosen status can be used (R-E3). Credit hold "
            "follows the money: change the threshold or the balance instead (R-CH1).",
        )  # fmt: skip

    def suspend_action(self, request, account, action):
        perform = self._change_status(request, account, "Suspended: immediately, with no refund")
        return self.run_form_action(
            request, account, action, form_class=StatusForm, perform=perform,
            form_kwargs={"account": account, "backend_statuses": (S.SUSPENDED,)},
            intro="Suspended accounts keep their subscriptions and configuration (provisioned, "
            "not billed); the option that applies is “Immediately with no refund”.",
        )  # fmt: skip

    def cancel_action(self, request, account, action):
        def run(data, preview):
            return cancel_account(
                account,
                option=data["option"],
                on_date=data["on_date"],
                reason=data["reason"],
                actor=request.user,
                preview=preview,
            )

        def perform(data):
            done = run(data, preview=False)
            option = CANCEL_OPTION_LABELS[data["option"]]
            when = f"scheduled for {done.effective_on}" if done.scheduled else "cancelled"
            return (
                f"Account {account.number} {when} ({option}): {len(done.items)} subscription(s); "
                f"ledger: {_entries_text(done.written)}."
            )

        return self.run_form_action(
            request, account, action, form_class=CancelForm, perform=perform,
            preview=lambda data: _cancel_preview(run(data, preview=True)),
            intro="The account and its subscriptions are cancelled together. You will see the "
            "ledger entries before confirming (R-E5, R-X5).",
        )  # fmt: skip

    def enable_action(self, request, account, action):
        def perform(data):
            change = ladder.enable_account(account, actor=request.user, reason=data["reason"])
            return self._status_message(account, change)

        def preview(data):
            entries = ladder.enable_account(account, actor=request.user, preview=True)
            return ledger_preview(
                [_row(f"Account {account.number}", entry) for entry in entries],
                f"Account {account.number} returns to Active with the reason “{data['reason']}”.",
            )

        return self.run_form_action(
            request, account, action, form_class=ReasonForm, perform=perform, preview=preview,
            form_kwargs={"backend_status": S.ACTIVE, "default_reason": "Reactivated by operator"},
            intro="Enable returns a cancelled account to Active; an account cancelled for "
            "non-payment is charged the policy's reactivation fee (R-D3).",
        )  # fmt: skip

    def record_payment_action(self, request, account, action):
        def perform(data):
            key = data["idempotency_key"]
            if LedgerEntry.objects.filter(account=account, idempotency_key=key).exists():
                return "This payment was already recorded; nothing new was written."
            entry = billing.record_payment(
                account,
                data["amount"],
                idempotency_key=key,
                actor=request.user,
                description=data["description"],
            )
            account.refresh_from_db()
            return (
                f"Recorded a payment of {entry.amount} {entry.currency}; the balance is "
                f"{account.balance} and the account is {account.status_type.name}."
            )

        return self.run_form_action(
            request, account, action, form_class=PaymentForm, perform=perform,
            intro="A payment that meets the required amount lifts a credit hold at once (R-CH5).",
        )  # fmt: skip

    def bill_action(self, request, account, action):
        def perform(data):
            written = subscription_services.bill_account(account, actor=request.user)
            return f"Billed account {account.number}: {_entries_text(written)}."

        return self.run_form_action(
            request, account, action, form_class=ConfirmForm, perform=perform,
            intro="Bills the subscription charges that fell due while the account is Cancelled "
            "(R-E8).",
        )  # fmt: skip

    def schedule_action(self, request, account, action):
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
                f"{scheduled.effective_on}; it can be cancelled until then."
            )

        return self.run_form_action(
            request, account, action, form_class=ScheduleForm, perform=perform,
            form_kwargs={"account": account, "initial": {"effective_on": timezone.localdate()}},
            intro="The change runs on its date (R-E4); whether the lifecycle allows it is "
            "checked then.",
        )  # fmt: skip

    def threshold_action(self, request, account, action):
        def perform(data):
            billing.set_financial_blocking_threshold(account, data["threshold"], actor=request.user)
            account.refresh_from_db()
            return (
                f"The financial blocking threshold of {account.number} is "
                f"{account.financial_blocking_threshold}; the account is "
                f"{account.status_type.name}."
            )

        return self.run_form_action(
            request, account, action, form_class=ThresholdForm, perform=perform,
            form_kwargs={"initial": {"threshold": account.financial_blocking_threshold}},
            intro="A threshold above the balance puts an Active account on credit hold at "
            "once (R-CH3).",
        )  # fmt: skip

    def cancel_scheduled_action(self, request, account, action):
        form = ScheduledChangeForm(request.POST)
        scheduled = (
            ScheduledStatusChange.objects.filter(
                account=account, pk=form.cleaned_data["scheduled"]
            ).first()
            if form.is_valid()
            else None
        )
        if scheduled is None:
            return self.gear_done(
                request, account, "There is no such scheduled change.", messages.ERROR
            )

        def perform(_data):
            services.cancel_scheduled_status_change(scheduled, actor=request.user)
            return (
                f"Cancelled the change to {scheduled.status_type.name} on {scheduled.effective_on}."
            )

        return self.run_form_action(
            request, account, action, form_class=ScheduledChangeForm, perform=perform
        )
