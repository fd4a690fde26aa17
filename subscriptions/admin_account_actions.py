"""subscriptions' items in the account's gear menu (DESIGN §1): Cancel… (the account with its
subscriptions, R-E5) and Bill account (R-E8). subscriptions/admin.py registers them in accounts'
menu (issue 13); Bill account lives here because subscriptions bills the charges that fell due."""

from __future__ import annotations

from django.utils import timezone

from accounts.admin_account_actions import (
    CHANGE_STATUS,
    entries_text,
    ledger_preview,
    not_in,
    only_in,
    preview_row,
)
from accounts.admin_forms import ConfirmForm
from accounts.admin_frames import GearAction
from accounts.models import BackendStatus as S

from . import services
from .account_actions import cancel_account
from .admin_forms import CANCEL_OPTION_LABELS, CancelForm


def _cancel_preview(plan) -> dict:
    rows = [
        preview_row(f"{sub.plan.name} (#{sub.pk})", entry)
        for sub, entries in plan.items
        for entry in entries
    ]
    when = "today" if plan.effective_on <= timezone.localdate() else f"on {plan.effective_on}"
    summary = (
        f"The account is cancelled {when} with {len(plan.items)} subscription(s) "
        f"({CANCEL_OPTION_LABELS[plan.option]})."
    )
    return ledger_preview(rows, summary)


def cancel_action(admin, request, account, action):
    """Cancel…: the account and its subscriptions together; the ledger previewed (R-E5, R-X5)."""

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
            f"ledger: {entries_text(done.written)}."
        )

    return admin.run_form_action(
        request, account, action, form_class=CancelForm, perform=perform,
        preview=lambda data: _cancel_preview(run(data, preview=True)),
        intro="The account and its subscriptions are cancelled together. You will see the "
        "ledger entries before confirming (R-E5, R-X5).",
    )  # fmt: skip


def bill_action(admin, request, account, action):
    """Bill account: the subscription charges that fell due while Cancelled (R-E8)."""

    def perform(data):
        written = services.bill_account(account, actor=request.user)
        return f"Billed account {account.number}: {entries_text(written)}."

    return admin.run_form_action(
        request, account, action, form_class=ConfirmForm, perform=perform,
        intro="Bills the subscription charges that fell due while the account is Cancelled "
        "(R-E8).",
    )  # fmt: skip


# Order keys: accounts/admin_frames.py lists the whole menu.
GEAR_ACTIONS = (
    GearAction("cancel", "Cancel…", CHANGE_STATUS, cancel_action, not_in(S.DELETED), order=30),
    GearAction("bill", "Bill account", "billing.bill_account", bill_action,
               only_in(S.CANCELLED), order=60),
)  # fmt: skip
