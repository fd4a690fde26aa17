"""Open items (R-B3): every debit waits to be paid as an item with its own due date; credits
settle items oldest due date first; a reversal of a credit reopens exactly what it settled.

The ledger stays the one source of the balance. An item records how much of one debit entry is
settled and by which credits (Settlement rows), so after every posting the open items'
outstanding sum is max(0, −balance) and the credits' unapplied sum max(0, balance) — never both
above zero. A later debit is a new item: it never reopens a settled one.

`Book` names the models, so the data migration replays history through these same functions with
its historical models (`convert_account`), and a test holds the replay to the live postings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .amounts import cents

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Book:
    """The models the items live in: billing's own, or a migration's historical ones."""

    OpenItem: Any
    Settlement: Any
    LedgerEntry: Any
    Invoice: Any

    @classmethod
    def live(cls) -> Book:
        from .models import Invoice, LedgerEntry, OpenItem, Settlement

        return cls(OpenItem, Settlement, LedgerEntry, Invoice)

    @classmethod
    def of(cls, apps) -> Book:
        return cls(*(apps.get_model("billing", name) for name in cls.__annotations__))


def on_posting(book: Book, entry, *, due_date: date, now: datetime, settles=None) -> None:
    """Keep a locked account's items in step with its new entry (R-B3); a credit that
    `settles` one item (a write-off, R-D8) settles it before the oldest-first rule."""
    if settles is not None and entry.amount > 0:
        _settle(book, settles, entry.pk, min(entry.amount, settles.amount - settles.settled), now)
    if entry.amount < 0:
        if entry.reverses_id:  # a credit taken back: what it settled is open again
            _release(book, book.Settlement.objects.filter(credit_id=entry.reverses_id), entry)
        else:
            _open(book, entry, due_date)
    elif entry.reverses_id:  # a debit taken back: its own item closes, its payers are free
        item = book.OpenItem.objects.filter(entry_id=entry.reverses_id).first()
        if item is not None:
            _release(book, book.Settlement.objects.filter(item=item), entry)
            item.refresh_from_db()
            _settle(book, item, entry.pk, item.amount - item.settled, now)
    if entry.amount < 0 or entry.reverses_id or settles is not None:
        apply_credits(book, entry.account_id, now, upto=entry.pk)
    elif owed_before(entry):
        # This module's invariant again: an account that owed had no unapplied credit, so a plain
        # credit is the only one there is — no query for the others (issue 19).
        apply_credits(book, entry.account_id, now, credits=[(entry.pk, entry.amount)])


def owed_before(entry) -> bool:
    """Whether the account had open items when this entry was posted: the items' outstanding
    sum is max(0, −balance) after every posting (this module's invariant, verify_ledger checks
    it), so a plain credit to an account that owed nothing has nothing to settle — and posts with
    one query less (issue 19). A credit that did settle something finds it here again."""
    return entry.balance_after - entry.amount < 0


def _open(book: Book, entry, due_date: date) -> None:
    book.OpenItem.objects.create(
        account_id=entry.account_id,
        entry=entry,
        invoice_id=entry.invoice_id,
        amount=-entry.amount,
        due_date=due_date,
    )


def _release(book: Book, settlements, by_entry) -> None:
    """Undo settlements (kept, marked released by the reversing entry): their items reopen."""
    for settlement in settlements.filter(released_by__isnull=True).order_by("id"):
        item = book.OpenItem.objects.get(pk=settlement.item_id)
        item.settled -= settlement.amount
        item.settled_at = None
        item.save(update_fields=["settled", "settled_at"])
        _mirror(book, item)
        settlement.released_by = by_entry
        settlement.save(update_fields=["released_by"])


def _settle(book: Book, item, credit_id: int, amount: Decimal, now: datetime) -> None:
    if amount <= 0:
        return
    book.Settlement.objects.create(item=item, credit_id=credit_id, amount=amount, created_at=now)
    item.settled += amount
    if item.settled == item.amount:
        item.settled_at = now
    item.save(update_fields=["settled", "settled_at"])
    _mirror(book, item)


def _mirror(book: Book, item) -> None:
    """An invoice shows its item: outstanding, and paid when the item is settled."""
    if item.invoice_id:
        book.Invoice.objects.filter(pk=item.invoice_id).update(
            outstanding=item.amount - item.settled, paid_at=item.settled_at
        )


def unapplied_credits(
    book: Book, account_id: int, upto: int | None = None
) -> list[tuple[int, Decimal]]:
    """(entry id, amount not yet applied) of the account's credits, oldest first; a credit that
    was reversed is spent by its reversal. `upto`: as of that entry (a replay sees reversals
    posted later as not yet posted)."""
    not_reversed = Q(reversed_by__isnull=True)
    if upto is not None:
        not_reversed = (not_reversed | Q(reversed_by__id__gt=upto)) & Q(id__lte=upto)
    used = Coalesce(
        Sum("settlements__amount", filter=Q(settlements__released_by__isnull=True)),
        Value(ZERO),
    )
    rows = (
        book.LedgerEntry.objects.filter(not_reversed, account_id=account_id, amount__gt=0)
        .annotate(used=used)
        .filter(amount__gt=F("used"))
        .order_by("id")
        .values_list("id", "amount", "used")
    )
    return [(pk, cents(amount - spent)) for pk, amount, spent in rows]


def apply_credits(
    book: Book,
    account_id: int,
    now: datetime,
    upto: int | None = None,
    credits: list[tuple[int, Decimal]] | None = None,
) -> None:
    """Settle open items with unapplied credit: oldest due date first, oldest credit first
    (`credits`: the unapplied ones when the caller knows them, else they are read)."""
    items = list(
        book.OpenItem.objects.filter(account_id=account_id, settled_at__isnull=True).order_by(
            "due_date", "id"
        )
    )
    if not items:
        return
    if credits is None:
        credits = unapplied_credits(book, account_id, upto)
    for item in items:
        while credits and item.settled < item.amount:
            credit_id, left = credits[0]
            take = min(left, item.amount - item.settled)
            _settle(book, item, credit_id, take, now)
            if take == left:
                credits.pop(0)
            else:
                credits[0] = (credit_id, left - take)
        if not credits:
            return


def earliest_due_dates(book: Book, account_ids: list[int]) -> dict[int, date]:
    """Each account's anchor (R-X3): the earliest due date of its open items."""
    return dict(
        book.OpenItem.objects.filter(account_id__any=account_ids, settled_at__isnull=True)
        .values("account_id")
        .annotate(anchor=Min("due_date"))
        .values_list("account_id", "anchor")
    )


def overdue_on(today: date) -> Q:
    """An open item is overdue once its due date has come: due on or before `today` (a dunning
    fee is due at once, R-B3, so it is overdue the day it is charged). The one home of "overdue"
    for the aging buckets and the control panel's "Pay everything overdue" (issue 18)."""
    return Q(settled_at__isnull=True, due_date__lte=today)


def overdue_total(book: Book, account_id: int, today: date) -> Decimal:
    """What the account owes on its overdue open items (overdue_on)."""
    total = book.OpenItem.objects.filter(overdue_on(today), account_id=account_id).aggregate(
        s=Sum(F("amount") - F("settled"))
    )["s"]
    return cents(total)


def outstanding_total(book: Book, account_id: int) -> Decimal:
    total = book.OpenItem.objects.filter(account_id=account_id, settled_at__isnull=True).aggregate(
        s=Sum(F("amount") - F("settled"))
    )["s"]
    return cents(total)


def convert_account(book: Book, account_id: int) -> None:
    """Rebuild one account's items by replaying its ledger in order (the data migration, R-B3):
    entries and balances are only read, never written."""
    book.Settlement.objects.filter(item__account_id=account_id).delete()
    book.OpenItem.objects.filter(account_id=account_id).delete()
    book.Invoice.objects.filter(account_id=account_id).update(outstanding=F("amount"), paid_at=None)
    due_dates = dict(
        book.Invoice.objects.filter(account_id=account_id).values_list("pk", "due_date")
    )
    for entry in book.LedgerEntry.objects.filter(account_id=account_id).order_by("id"):
        due = due_dates.get(entry.invoice_id) or timezone.localdate(entry.created_at)
        on_posting(book, entry, due_date=due, now=entry.created_at)


def convert_all(book: Book) -> int:
    """Convert every account that has ledger entries; returns how many."""
    ids = set(book.LedgerEntry.objects.order_by().values_list("account_id", flat=True).distinct())
    for account_id in sorted(ids):
        convert_account(book, account_id)
    return len(ids)


# The ladder's item facts (R-D5), pure over (due date, outstanding) pairs so both sweep paths and
# the release decision read them alike. "Overdue" is open_items' one rule: due on or before the day.
Item = tuple[date, Decimal]


def open_items_of(book: Book, account_ids: list[int]) -> dict[int, tuple[Item, ...]]:
    """Each account's open items as (due date, outstanding), oldest due first: one query for a
    batch of accounts (the ladder's item and amount conditions, percentage fees). Fees are left
    out: a step's own fee must not count towards the next step, or a sweep after an outage
    would not land where daily sweeps do (R-X3)."""
    rows = (
        book.OpenItem.objects.filter(account_id__any=account_ids, settled_at__isnull=True)
        .exclude(entry__kind="fee")
        .order_by("account_id", "due_date", "id")
        .values_list("account_id", "due_date", "amount", "settled")
    )
    items: dict[int, list[Item]] = {}
    for account_id, due, amount, settled in rows:
        items.setdefault(account_id, []).append((due, amount - settled))
    return {pk: tuple(found) for pk, found in items.items()}


def overdue_of(items: tuple[Item, ...], day: date) -> list[Item]:
    """The items overdue on `day` (due on or before it), oldest due first."""
    return sorted(item for item in items if item[0] <= day)


def overdue_amount(items: tuple[Item, ...], day: date) -> Decimal:
    """What the items overdue on `day` still owe."""
    return sum((outstanding for _due, outstanding in overdue_of(items, day)), ZERO)


def overdue_count_since(items: tuple[Item, ...], count: int, day: date) -> date | None:
    """The day from which at least `count` items have been overdue, if they are on `day`."""
    overdue = overdue_of(items, day)
    return overdue[count - 1][0] if 0 < count <= len(overdue) else None


def overdue_amount_since(items: tuple[Item, ...], amount: Decimal, day: date) -> date | None:
    """The day from which the overdue items have owed at least `amount`, if they do on `day`."""
    running = ZERO
    for due, outstanding in overdue_of(items, day):
        running += outstanding
        if running >= amount:
            return due
    return None
