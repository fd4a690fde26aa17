"""billing's items in the account's gear menu (DESIGN §1): Enable…, Record payment… and Set
threshold. billing/admin.py registers them in accounts' menu (issue 13)."""

from __future__ import annotations

from accounts.admin_account_actions import (
    CHANGE_STATUS,
    ledger_preview,
    not_in,
    only_in,
    preview_row,
    status_message,
)
from accounts.admin_forms import ReasonForm
from accounts.admin_frames import GearAction
from accounts.models import BackendStatus as S

from . import ladder, services
from .admin_forms import PaymentForm, ThresholdForm
from .models import LedgerEntry


def enable_action(admin, request, account, action):
    """Enable…: a cancelled account back to Active, with the reactivation fee (R-D3)."""

    def perform(data):
        change = ladder.enable_account(account, actor=request.user, reason=data["reason"])
        return status_message(account, change)

    def preview(data):
        entries = ladder.enable_account(account, actor=request.user, preview=True)
        return ledger_preview(
            [preview_row(f"Account {account.number}", entry) for entry in entries],
            f"Account {account.number} returns to Active with the reason “{data['reason']}”.",
        )

    return admin.run_form_action(
        request, account, action, form_class=ReasonForm, perform=perform, preview=preview,
        form_kwargs={"backend_status": S.ACTIVE, "default_reason": "Reactivated by operator"},
        intro="Enable returns a cancelled account to Active; an account cancelled for "
        "non-payment is charged the policy's reactivation fee (R-D3).",
    )  # fmt: skip


def record_payment_action(admin, request, account, action):
    """Record payment…: once per idempotency key, however often the form is sent (R-B1)."""

    def perform(data):
        key = data["idempotency_key"]
        if LedgerEntry.objects.filter(account=account, idempotency_key=key).exists():
            return "This payment was already recorded; nothing new was written."
        entry = services.record_payment(
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

    return admin.run_form_action(
        request, account, action, form_class=PaymentForm, perform=perform,
        intro="A payment that meets the required amount lifts a credit hold at once (R-CH5).",
    )  # fmt: skip


def threshold_action(admin, request, account, action):
    """Set threshold (R-CH3): posted from the overview's money section."""

    def perform(data):
        services.set_financial_blocking_threshold(account, data["threshold"], actor=request.user)
        account.refresh_from_db()
        return (
            f"The financial blocking threshold of {account.number} is "
            f"{account.financial_blocking_threshold}; the account is "
            f"{account.status_type.name}."
        )

    return admin.run_form_action(
        request, account, action, form_class=ThresholdForm, perform=perform,
        form_kwargs={"initial": {"threshold": account.financial_blocking_threshold}},
        intro="A threshold above the balance puts an Active account on credit hold at "
        "once (R-CH3).",
    )  # fmt: skip


# Order keys: accounts/admin_frames.py lists the whole menu.
GEAR_ACTIONS = (
    GearAction("enable", "Enable…", CHANGE_STATUS, enable_action, only_in(S.CANCELLED),
               order=40),
    GearAction("record-payment", "Record payment…", "billing.record_payment",
               record_payment_action, not_in(S.DELETED), order=50),
    GearAction("set-threshold", "Set threshold", "billing.set_financial_blocking_threshold",
               threshold_action, not_in(S.DELETED), in_menu=False, order=80),
)  # fmt: skip
