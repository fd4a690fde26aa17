"""Correcting money from the account's gear menu (R-D8): Post adjustment…, Post charge…, Issue
invoice…, Refund / reverse a payment…, Write off an open item…, Issue credit note…, and Dunning
exemption… (R-X2). Each is a form with a reason, a preview of exactly the ledger entries and the
status they lead to (R-X5, billing.corrections), then the service; billing/admin.py registers
them in accounts' menu (order keys in accounts/admin_frames.py)."""

from __future__ import annotations

from accounts.admin_account_actions import ledger_preview, not_in, preview_row
from accounts.admin_frames import GearAction
from accounts.exemptions import set_dunning_exemption
from accounts.models import BackendStatus as S

from . import corrections, ladder, services
from .admin_forms import (
    AdjustmentForm,
    ChargeForm,
    CreditNoteForm,
    ExemptionForm,
    InvoiceForm,
    ReversePaymentForm,
    WriteOffForm,
)
from .models import OpenItem

# Who may correct: crediting is payment-level, anything that can hold an account or forgive a
# debt is threshold-level (both are the Billing manager's, accounts/admin_groups.py).
CREDITS = "billing.record_payment"
MONEY_RULES = "billing.set_financial_blocking_threshold"
MSG_ANCHOR = " The dunning anchor moves from {before} to {after} (R-X3)."
MSG_DONE = "{what}: {entries}. The balance is {balance} {currency}; the account is {status}."


def shown(account, preview: corrections.Preview) -> dict:
    """The confirmation page's preview: the entries, then the status effect and the anchor."""
    summary = f"Status: {preview.status_effect}"
    if preview.anchor_before != preview.anchor_after:
        summary += MSG_ANCHOR.format(
            before=preview.anchor_before or "none", after=preview.anchor_after or "none"
        )
    rows = [preview_row(f"Account {account.number}", entry) for entry in preview.entries]
    return ledger_preview(rows, summary)


def done(account, what: str, entry) -> str:
    account.refresh_from_db()
    return MSG_DONE.format(
        what=what,
        entries=f"{entry.get_kind_display()} {entry.amount}",
        balance=account.balance,
        currency=account.currency,
        status=account.status_type.name,
    )


def _run(admin, request, account, action, form_class, preview, perform, intro, initial=None):
    return admin.run_form_action(
        request, account, action, form_class=form_class,
        perform=perform, preview=lambda data: shown(account, preview(data)),
        form_kwargs={"account": account, "initial": initial or {}}, intro=intro,
    )  # fmt: skip


def item_of_invoice(account, invoice_id) -> dict:
    """The open item of the invoice the ledger section's "Write off…" button names, if open."""
    if not str(invoice_id or "").isdigit():
        return {}
    item = OpenItem.objects.filter(
        account=account, invoice_id=int(invoice_id), settled_at__isnull=True
    ).first()
    return {"item": item.pk} if item else {}


def adjustment_action(admin, request, account, action):
    """Post adjustment…: signed; a credit that meets the required amount lifts a hold (R-CH5)."""

    def preview(data):
        return services.post_adjustment(
            account, data["amount"], description=data["description"], actor=request.user,
            preview=True,
        )  # fmt: skip

    def perform(data):
        entry = services.post_adjustment(
            account, data["amount"], description=data["description"], actor=request.user,
            reason=data["reason"], idempotency_key=data["idempotency_key"],
        )  # fmt: skip
        return done(account, "Posted an adjustment", entry)

    intro = (
        "A positive amount credits the account, a negative one debits it. Credit hold follows "
        "the money (R-CH1, R-CH5): the preview shows the status the balance will give."
    )
    return _run(admin, request, account, action, AdjustmentForm, preview, perform, intro)


def charge_action(admin, request, account, action):
    """Post charge…: a debit, due today (R-B3)."""

    def preview(data):
        return corrections.preview_charge(account, data["amount"], description=data["description"])

    def perform(data):
        entry = services.post_charge(
            account, data["amount"], description=data["description"], actor=request.user,
            reason=data["reason"], idempotency_key=data["idempotency_key"],
        )  # fmt: skip
        return done(account, "Posted a charge", entry)

    intro = "A charge is an open item due today (R-B3); below the threshold it holds (R-CH1)."
    return _run(admin, request, account, action, ChargeForm, preview, perform, intro)


def invoice_action(admin, request, account, action):
    """Issue invoice…: its charge, due on its due date (R-B3, R-X3)."""

    def preview(data):
        return corrections.preview_invoice(
            account, amount=data["amount"], billing_date=data["billing_date"],
            due_date=data["due_date"], description=data["description"],
        )  # fmt: skip

    def perform(data):
        invoice = services.issue_invoice(
            account, amount=data["amount"], billing_date=data["billing_date"],
            due_date=data["due_date"], description=data["description"], actor=request.user,
            reason=data["reason"],
        )  # fmt: skip
        return done(account, f"Issued invoice {invoice.number}", invoice.entries.get())

    intro = "The invoice's charge is posted on its billing date and is due on its due date."
    return _run(admin, request, account, action, InvoiceForm, preview, perform, intro)


def reverse_payment_action(admin, request, account, action):
    """Refund / reverse a payment…: its exact opposite; what it paid is open again (R-B3)."""

    def preview(data):
        payment = corrections.payment_entry(data["payment"])
        return services.reverse_entry(payment, actor=request.user, preview=True)

    def perform(data):
        payment = corrections.payment_entry(data["payment"])
        entry = services.reverse_entry(payment, actor=request.user, reason=data["reason"])
        return done(account, "Reversed the payment", entry)

    intro = (
        "A refund or chargeback takes the whole payment back; the items it paid open again and "
        "their due dates count for dunning again (R-B3)."
    )
    return _run(admin, request, account, action, ReversePaymentForm, preview, perform, intro)


def write_off_action(admin, request, account, action):
    """Write off an open item…: its own credit settles it; it leaves dunning (R-B3)."""

    def preview(data):
        return services.write_off(data["item"], actor=request.user, reason=data["reason"],
                                  preview=True)  # fmt: skip

    def perform(data):
        before = ladder.earliest_unpaid_due_date(account)
        entry = services.write_off(data["item"], actor=request.user, reason=data["reason"])
        after = ladder.earliest_unpaid_due_date(account)
        anchor = MSG_ANCHOR.format(before=before or "none", after=after or "none")
        return done(account, "Wrote off the item", entry) + (anchor if before != after else "")

    intro = "The item is settled by a write-off entry and leaves dunning (R-B3, R-D8)."
    initial = item_of_invoice(account, request.POST.get("invoice"))
    return _run(admin, request, account, action, WriteOffForm, preview, perform, intro, initial)


def credit_note_action(admin, request, account, action):
    """Issue credit note…: a numbered credit, CN-<account>-<n>."""

    def preview(data):
        return services.issue_credit_note(account, data["amount"],
                                          description=data["description"], actor=request.user,
                                          preview=True)  # fmt: skip

    def perform(data):
        entry = services.issue_credit_note(
            account, data["amount"], description=data["description"], actor=request.user,
            reason=data["reason"],
        )  # fmt: skip
        return done(account, f"Issued credit note {entry.idempotency_key}", entry)

    intro = "A credit note credits the account and settles its oldest items first (R-B3)."
    return _run(admin, request, account, action, CreditNoteForm, preview, perform, intro)


def exemption_action(admin, request, account, action):
    """Dunning exemption… (R-X2): VIP or "do not suspend before"; exempting releases a hold a
    ladder step put (the service's hook), an R-CH1 money hold stays."""

    def perform(data):
        rows = set_dunning_exemption(
            account, exempt=data["exempt"], until=data["until"], actor=request.user,
            note=data["reason"],
        )  # fmt: skip
        account.refresh_from_db()
        if not rows:
            return "The exemption was already so; nothing changed."
        return (
            f"Dunning exemption of {account.number}: VIP {'yes' if account.dunning_exempt else 'no'}"
            f", exempt until {account.dunning_exempt_until or '—'}; the account is "
            f"{account.status_type.name}."
        )

    return admin.run_form_action(
        request, account, action, form_class=ExemptionForm, perform=perform,
        form_kwargs={"account": account, "initial": {
            "exempt": account.dunning_exempt, "until": account.dunning_exempt_until}},
        intro="An exempt account is never moved by a dunning step (R-X2); exempting releases "
        "a hold a step put at once, while a hold for the balance (R-CH1) stays.",
    )  # fmt: skip


# Order keys between Record payment (50) and Bill account (60): accounts/admin_frames.py.
GEAR_ACTIONS = (
    GearAction("post-adjustment", "Post adjustment…", MONEY_RULES, adjustment_action,
               not_in(S.DELETED), order=51),
    GearAction("post-charge", "Post charge…", MONEY_RULES, charge_action, not_in(S.DELETED),
               order=52),
    GearAction("issue-invoice", "Issue invoice…", MONEY_RULES, invoice_action,
               not_in(S.DELETED), order=53),
    GearAction("reverse-payment", "Refund / reverse a payment…", CREDITS,
               reverse_payment_action, not_in(S.DELETED), order=54),
    GearAction("write-off", "Write off an open item…", MONEY_RULES, write_off_action,
               not_in(S.DELETED), order=55),
    GearAction("credit-note", "Issue credit note…", CREDITS, credit_note_action,
               not_in(S.DELETED), order=56),
    GearAction("dunning-exemption", "Dunning exemption…", MONEY_RULES, exemption_action,
               not_in(S.DELETED), order=57),
)  # fmt: skip
