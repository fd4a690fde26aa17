"""Credit notes in the control panel (R-D8), printable like invoices (panel/invoice.html): a
credit note is the ADJUSTMENT entry issue_credit_note posted, numbered CN-<account>-<n> by its
idempotency key, so its number is stable and unique without a table of its own."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import Account
from accounts.panel.access import Capability as C
from accounts.panel.views.base import PanelView
from billing.corrections import CREDIT_NOTE_PREFIX
from billing.models import EntryKind, LedgerEntry

DESCRIPTION_PREFIX = "Credit note "


def credit_notes_for(account: Account):
    return LedgerEntry.objects.filter(
        account=account,
        kind=EntryKind.ADJUSTMENT,
        idempotency_key__startswith=CREDIT_NOTE_PREFIX,
        description__startswith=DESCRIPTION_PREFIX,
    ).order_by("-created_at", "-id")


def credit_note_of(account: Account, number: str) -> LedgerEntry:
    """The account's credit note `number`; another account's is 404 (not leaked)."""
    entry = credit_notes_for(account).filter(idempotency_key=number).first()
    if entry is None:
        raise Http404("No such credit note.")
    return entry


def credit_note_text(entry: LedgerEntry) -> str:
    """What the credit note is for: its description without the "Credit note <n>: " prefix."""
    head = f"{DESCRIPTION_PREFIX}{entry.idempotency_key}: "
    return entry.description.removeprefix(head)


class CreditNotesView(PanelView):
    capability = C.VIEW_CHARGES
    nav_name = "panel:charges"

    def get(self, request, number):
        notes = [(entry, credit_note_text(entry)) for entry in credit_notes_for(self.account)[:100]]
        return self.render("panel/credit_notes.html", {"notes": notes})


class CreditNoteView(PanelView):
    capability = C.VIEW_CHARGES
    nav_name = "panel:charges"

    def get(self, request, number, note):
        entry = credit_note_of(self.account, note)
        reversal = LedgerEntry.objects.filter(reverses=entry).first()
        dates = [
            ("Date", date_format(timezone.localtime(entry.created_at), "j M Y")),
            ("Currency", entry.currency),
        ]
        context = {
            "note": entry,
            "text": credit_note_text(entry),
            "reversal": reversal,
            "dates": dates,
        }
        return self.render("panel/credit_note.html", context)


PAGES = (
    ("credit-notes/", CreditNotesView, "credit_notes"),
    ("credit-notes/<str:note>/", CreditNoteView, "credit_note"),
)
