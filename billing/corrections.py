"""Correcting money (R-D8): what a correction will write and what it will do to the account,
before it is written (R-X5), and the pieces the correcting services share (audit, numbers).

A preview writes nothing. Its status effect is the release decision itself (decisions.decide,
the rule postings and sweeps apply) run on the balance and the anchor the correction would leave
(R-B3: a credit settles the oldest due items first, a write-off settles its own item, a reversal
of a payment reopens what it settled) — no rule is copied here. billing.services holds the
writing side (post_adjustment, reverse_entry, write_off, issue_credit_note; each `preview=True`
returns this module's Preview); this module never imports services (no cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import arguments
from accounts.exemptions import write_audit
from accounts.models import Account, BackendStatus

from . import decisions, posting
from .amounts import parse_amount
from .credit import credit_facts_of
from .errors import BillingError
from .models import EntryKind, LedgerEntry, OpenItem, Settlement

ZERO = Decimal("0.00")
LAST = 2**63  # a new item sorts after every existing one with the same due date
DESCRIPTION_LENGTH = LedgerEntry._meta.get_field("description").max_length
CREDIT_NOTE_PREFIX = "CN-"

MSG_REASON_NEEDED = _("A correction needs a reason (it is kept in the account's audit trail).")
MSG_NOT_OPEN = _("Item {item} is settled already: there is nothing left to write off.")
MSG_NOT_AN_ITEM = _("Name the open item to write off, not “{value}”.")
MSG_NOT_AN_ENTRY = _("Name the ledger entry to reverse, not “{value}”.")
MSG_NOT_A_PAYMENT = _("Only a payment can be refunded or reversed here; entry {entry} is a {kind}.")
MSG_NO_STATUS_CHANGE = _("No status change: the account stays {status}.")
MSG_STATUS_CHANGE = _("{before} → {after} ({rule})")


class CorrectionRefused(BillingError):
    """A correction that cannot be made as asked; nothing is written."""


@dataclass(frozen=True)
class Preview:
    """What a correction will do (R-X5): the ledger entries it writes (dicts with kind, amount,
    description, on_date), the status the release decision gives afterwards, and the anchor."""

    entries: list[dict]
    status_before: str
    status_after: str
    rule_id: str
    anchor_before: date | None
    anchor_after: date | None

    @property
    def total(self) -> Decimal:
        return sum((e["amount"] for e in self.entries), ZERO)

    @property
    def changes_status(self) -> bool:
        return self.status_before != self.status_after

    @property
    def status_effect(self) -> str:
        """ "Credit hold → Active (R-CH5)", or that nothing changes."""
        if not self.changes_status:
            return str(MSG_NO_STATUS_CHANGE).format(status=self.status_before)
        return str(MSG_STATUS_CHANGE).format(
            before=self.status_before, after=self.status_after, rule=self.rule_id
        )


# --- arguments ---


def reason_of(reason) -> str:
    """The reason an operator gave: text that fits the audit row, never empty."""
    text = arguments.text(reason, "The reason", limit=2000, error=CorrectionRefused).strip()
    if not text:
        raise CorrectionRefused(MSG_REASON_NEEDED)
    return text


def description_of(description) -> str:
    return arguments.text(
        description, "The description", limit=DESCRIPTION_LENGTH, error=CorrectionRefused
    )


def open_item(item) -> OpenItem:
    """The item as it is now (re-read; under the caller's lock when it holds one)."""
    if not isinstance(item, OpenItem):
        raise CorrectionRefused(MSG_NOT_AN_ITEM.format(value=item))
    current = OpenItem.objects.select_related("entry").get(pk=item.pk)
    if current.settled_at is not None or current.outstanding <= 0:
        raise CorrectionRefused(MSG_NOT_OPEN.format(item=item.pk))
    return current


def payment_entry(entry) -> LedgerEntry:
    """A payment to refund or reverse (the admin's "Refund / reverse a payment…")."""
    if not isinstance(entry, LedgerEntry):
        raise CorrectionRefused(MSG_NOT_AN_ENTRY.format(value=entry))
    if entry.kind != EntryKind.PAYMENT:
        raise CorrectionRefused(MSG_NOT_A_PAYMENT.format(entry=entry.pk, kind=entry.kind))
    return entry


def write_off_description(item: OpenItem) -> str:
    """An ADJUSTMENT entry is a write-off by its description: EntryKind has no write-off kind,
    and a new kind would be a model change for a label (R-D8, issue 16)."""
    text = f"Write-off of {item.entry.description} due {item.due_date}"
    return text[:DESCRIPTION_LENGTH]


def credit_note_number(locked: Account) -> str:
    """The next credit note number of a locked account: CN-<account number>-<n>. It is the
    entry's idempotency key, so the ledger's unique key keeps numbers unique (no new table)."""
    prefix = f"{CREDIT_NOTE_PREFIX}{locked.number}-"
    taken = LedgerEntry.objects.filter(account=locked, idempotency_key__startswith=prefix).count()
    number = f"{prefix}{taken + 1}"
    if len(number) > posting.KEY_LENGTH:
        number = f"{CREDIT_NOTE_PREFIX}#{locked.pk}-{taken + 1}"
    return number


def audit(account: Account, entry: LedgerEntry, actor, reason: str | None) -> None:
    """A correction's audit row (R-D8): who, why, and the balance before → after; a posting
    without a reason is not an operator's correction and has none."""
    if reason is None:
        return
    before = entry.balance_after - entry.amount
    write_audit(
        account,
        f"ledger: {entry.kind}",
        f"balance {before}",
        f"balance {entry.balance_after} ({entry.get_kind_display()} {entry.amount}, "
        f"entry {entry.pk})",
        actor,
        reason,
    )


# --- previews ---


def _items(account_id: int) -> list[tuple[date, int, Decimal]]:
    """The open items as (due date, id, outstanding), in the order credits settle them."""
    rows = OpenItem.objects.filter(account_id=account_id, settled_at__isnull=True)
    return sorted(
        (due, pk, amount - settled)
        for due, pk, amount, settled in rows.values_list("due_date", "pk", "amount", "settled")
    )


def _anchor(items: list[tuple[date, int, Decimal]], free: Decimal) -> date | None:
    """The earliest due date `free` credit leaves unsettled, oldest due first (R-B3, R-X3)."""
    for due, _pk, outstanding in sorted(items):
        if free < outstanding:
            return due
        free -= outstanding
    return None


def _account(account) -> Account:
    pk = posting.account_pk(account)
    found = Account.objects.select_related("status_type", "status_reason").filter(pk=pk).first()
    if found is None:
        raise CorrectionRefused(posting.MSG_UNKNOWN_ACCOUNT.format(account=account))
    if found.status_type.backend_status == BackendStatus.DELETED:
        raise CorrectionRefused(posting.MSG_DELETED_ACCOUNT.format(number=found.number))
    return found


def _preview(account: Account, entries: list[dict], anchor_after, now: datetime) -> Preview:
    """The status the release decision gives once `entries` are posted and settled."""
    facts = credit_facts_of(account, now)
    balance = facts.balance + sum((e["amount"] for e in entries), ZERO)
    since = (facts.negative_since or now) if balance < 0 else None
    after = replace(facts, balance=balance, negative_since=since)
    ctx = decisions.contexts([account])[account.pk]
    decision = decisions.decide(
        account.status_type.backend_status, after, replace(ctx, anchor=anchor_after)
    )
    name = account.status_type.name
    target = decisions.target_type(decision).name if decision else name
    return Preview(
        entries, name, target, decision.rule_id if decision else "", ctx.anchor, anchor_after
    )


def _entry(kind: str, amount: Decimal, description: str, on_date: date) -> dict:
    return {"kind": kind, "amount": amount, "description": description, "on_date": on_date}


def preview_posting(account, value: Decimal, *, kind, description, now=None, due_date=None):
    """One entry of signed `value`: a credit settles the oldest items, a debit is a new item."""
    now = posting.effective_time(now)
    account = _account(account)
    items, free = _items(account.pk), max(ZERO, account.balance)
    if value > 0:
        anchor = _anchor(items, free + value)
    else:
        due = due_date or timezone.localdate(now)
        anchor = _anchor([*items, (due, LAST, -value)], free)
    entry = _entry(kind, value, description_of(description), timezone.localdate(now))
    return _preview(account, [entry], anchor, now)


def preview_adjustment(account, amount, *, description, now=None) -> Preview:
    """post_adjustment's preview: signed, positive credits."""
    value = parse_amount(amount, positive=False)
    return preview_posting(account, value, kind=EntryKind.ADJUSTMENT, description=description,
                           now=now)  # fmt: skip


def preview_charge(account, amount, *, description, now=None, kind=EntryKind.CHARGE) -> Preview:
    return preview_posting(account, -parse_amount(amount), kind=kind, description=description,
                           now=now)  # fmt: skip


def preview_refund(account, amount, *, description, now=None) -> Preview:
    return preview_posting(account, parse_amount(amount), kind=EntryKind.REFUND,
                           description=description, now=now)  # fmt: skip


def preview_invoice(account, *, amount, billing_date, due_date=None, description="Invoice",
                    now=None) -> Preview:  # fmt: skip
    """issue_invoice's preview: its charge, a new item due on the due date."""
    now = posting.effective_time(now) if now is not None else posting.time_of_day(billing_date)
    due = due_date or billing_date
    preview = preview_posting(account, -parse_amount(amount), kind=EntryKind.CHARGE,
                              description=description, now=now, due_date=due)  # fmt: skip
    preview.entries[0]["on_date"] = billing_date
    return preview


def preview_credit_note(account, amount, *, description, now=None) -> Preview:
    value = parse_amount(amount)
    text = f"Credit note (number on confirm): {description_of(description)}"
    return preview_posting(account, value, kind=EntryKind.ADJUSTMENT,
                           description=text[:DESCRIPTION_LENGTH], now=now)  # fmt: skip


def preview_write_off(item, *, now=None) -> Preview:
    """The item's own credit settles it: it leaves dunning and the anchor moves on (R-B3)."""
    now = posting.effective_time(now)
    item = open_item(item)
    account = _account(item.account_id)
    rest = [row for row in _items(account.pk) if row[1] != item.pk]
    entry = _entry(EntryKind.ADJUSTMENT, item.outstanding, write_off_description(item),
                   timezone.localdate(now))  # fmt: skip
    return _preview(account, [entry], _anchor(rest, ZERO), now)


def preview_reversal(entry, *, description: str = "", now=None) -> Preview:
    """reverse_entry's preview: the exact opposite; a credit taken back reopens what it settled,
    a debit taken back closes its own item and frees what paid it (R-B3)."""
    if not isinstance(entry, LedgerEntry):
        raise CorrectionRefused(MSG_NOT_AN_ENTRY.format(value=entry))
    now = posting.effective_time(now)
    account = _account(entry.account_id)
    items, free = _items(account.pk), max(ZERO, account.balance)
    held = Settlement.objects.filter(released_by__isnull=True)
    if entry.amount > 0:
        reopened = {}
        for item_id, due, amount in held.filter(credit=entry).values_list(
            "item_id", "item__due_date", "amount"
        ):
            reopened[item_id] = (due, reopened.get(item_id, (due, ZERO))[1] + amount)
        merged = {pk: [due, out] for due, pk, out in items}
        for pk, (due, amount) in reopened.items():
            merged.setdefault(pk, [due, ZERO])[1] += amount
        items = [(due, pk, out) for pk, (due, out) in merged.items()]
        free = max(ZERO, free - (entry.amount - sum((a for _d, a in reopened.values()), ZERO)))
    else:
        own = OpenItem.objects.filter(entry=entry).first()
        if own is not None:
            items = [row for row in items if row[1] != own.pk]
            free += own.settled
    text = description or f"Reversal of {entry.description}"
    row = _entry(EntryKind.REVERSAL, -entry.amount, text[:DESCRIPTION_LENGTH],
                 timezone.localdate(now))  # fmt: skip
    return _preview(account, [row], _anchor(items, free), now)
