"""One ledger posting on a locked account — the part every money write shares: which account
(an `Account` or its id, never a guess, issue 15), when it takes effect (R-B4), the entry, the
cached balance and the open items it opens or settles (R-B1, R-B3)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import sqlrow
from accounts.models import Account, AccountStatusType, BackendStatus

from . import open_items
from .amounts import MAX_AMOUNT
from .errors import (
    AccountDeleted,
    IdempotencyConflict,
    InvalidAmount,
    InvalidDate,
    InvalidIdempotencyKey,
    UnknownAccount,
)
from .models import Invoice, LedgerEntry

MAX_PK = 2**63 - 1
KEY_LENGTH = LedgerEntry._meta.get_field("idempotency_key").max_length
MSG_UNKNOWN_ACCOUNT = _("There is no account “{account}”.")
MSG_NOT_AN_ACCOUNT = _(
    "Name the account by its record or its id, not “{account}”: account numbers are read "
    "where they come in (URL, API, payment reference)."
)
MSG_DELETED_ACCOUNT = _("Account {number} is deleted: nothing can be posted to it.")
MSG_KEY_TOO_LONG = _("An idempotency key is at most {limit} characters; this one has {n}.")
MSG_KEY_NUL = _("An idempotency key cannot contain a NUL character.")
MSG_KEY_CONFLICT = _(
    "The idempotency key “{key}” was already used for another posting ({amount} {currency}, "
    "account {number}); a different payment needs a new key."
)
MSG_BALANCE_LIMIT = _("This posting would take the balance beyond what can be recorded.")
MSG_NOT_A_TIME = _("The posting time must be a date and time with a time zone, not “{value}”.")


def account_pk(account: Account | int) -> int:
    """The id of an `Account` or an id itself; anything else is refused, never looked up as a
    number (a number that equals another account's id once paid the wrong company)."""
    if isinstance(account, Account):
        return account.pk
    if isinstance(account, int) and not isinstance(account, bool) and 0 < account <= MAX_PK:
        return account
    raise UnknownAccount(MSG_NOT_AN_ACCOUNT.format(account=account))


# The locked row's status type, read by the locking statement itself (issue 19: one round trip
# less per posting). A scalar subquery, not a join: when the row was changed while this statement
# waited for its lock, PostgreSQL re-evaluates the subquery for the new version, where a joined
# status type would be the old one, fail the join and drop the row. Plain SQL (accounts.sqlrow):
# compiling this one statement through the ORM cost more CPU than running it.
STATUS_TYPE_ROW = (
    "(SELECT row_to_json(t)::text FROM accounts_accountstatustype t"
    ' WHERE t.id = "accounts_account"."status_type_id")'
)


def lock(account: Account | int) -> Account:
    """The account's row, locked for this transaction, with its status type."""
    pk = account_pk(account)
    if connection.vendor != "postgresql":
        locked = Account.objects.select_for_update().filter(pk=pk).first()
    elif row := sqlrow.fetch_one(
        f"SELECT {sqlrow.columns(Account)}, {STATUS_TYPE_ROW} FROM accounts_account"  # noqa: S608
        " WHERE accounts_account.id = %s FOR UPDATE OF accounts_account",
        [pk],
    ):
        locked = sqlrow.from_row(Account, row)
        type_row = json.loads(row[-1])
        fields = [f.attname for f in AccountStatusType._meta.concrete_fields]
        status_type = AccountStatusType.from_db(
            connection.alias, fields, [type_row[f] for f in fields]
        )
        Account.status_type.field.set_cached_value(locked, status_type)
    else:
        locked = None
    if locked is None:
        raise UnknownAccount(MSG_UNKNOWN_ACCOUNT.format(account=account))
    return locked


def lock_for_posting(account: Account | int) -> Account:
    """The locked row of an account that may take postings: not a Deleted one (issue 15)."""
    locked = lock(account)
    if locked.status_type.backend_status == BackendStatus.DELETED:
        raise AccountDeleted(MSG_DELETED_ACCOUNT.format(number=locked.number))
    return locked


def effective_time(now: Any) -> datetime:
    """R-B4: the posting's own time — the one the caller gives, else the wall clock."""
    if now is None:
        return timezone.now()
    if not isinstance(now, datetime) or timezone.is_naive(now):
        raise InvalidDate(MSG_NOT_A_TIME.format(value=now))
    try:  # in UTC: PostgreSQL reads no offset beyond ±15:59, which Python allows
        return now.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidDate(MSG_NOT_A_TIME.format(value=now)) from None


def time_of_day(day: date) -> datetime:
    """The effective time of a posting that belongs to a day (a billing date, a sweep's today):
    now when that day is today, else the day's start — so a run for another day (simulate,
    R-X7) never stamps the wall clock."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time.min))


def checked_key(key: Any) -> str | None:
    """An idempotency key as stored: stripped, never cut (issue 15); None when there is none."""
    if key is None or not str(key).strip():
        return None
    key = str(key).strip()
    if len(key) > KEY_LENGTH:
        raise InvalidIdempotencyKey(MSG_KEY_TOO_LONG.format(limit=KEY_LENGTH, n=len(key)))
    if "\x00" in key:
        raise InvalidIdempotencyKey(MSG_KEY_NUL)
    return key


def earlier_posting(locked: Account, key: str, value: Decimal, kind: str) -> LedgerEntry | None:
    """The entry this key already recorded — decided under the account's lock, so two
    concurrent posts with one key record one entry; the same key for anything else is refused."""
    # Keys are unique across accounts (issue 15): at most one row, found by the key's index.
    found = sqlrow.fetch_one(
        "SELECT id FROM billing_ledgerentry WHERE idempotency_key = %s LIMIT 1", [key]
    )
    if found is None:
        return None
    existing = LedgerEntry.objects.get(pk=found[0])  # a replay: the rare path
    if (existing.account_id, existing.amount, existing.kind) != (locked.pk, value, kind):
        raise IdempotencyConflict(
            MSG_KEY_CONFLICT.format(
                key=key,
                amount=abs(existing.amount),
                currency=existing.currency,
                number=existing.account.number,  # read only on this rare path
            )
        )
    return existing


def write_entry(
    locked: Account,
    value: Decimal,
    *,
    kind: str,
    description: str,
    actor,
    now: datetime,
    due_date: date | None = None,
    idempotency_key: str | None = None,
    invoice: Invoice | None = None,
    reverses: LedgerEntry | None = None,
    settles=None,
) -> LedgerEntry:
    """Insert the entry, move the cached balance and the open items, all at `now` (R-B4);
    a credit that `settles` an open item (a write-off, R-D8) settles that one first."""
    new_balance = locked.balance + value
    if abs(new_balance) > MAX_AMOUNT:
        raise InvalidAmount(MSG_BALANCE_LIMIT)
    entry = LedgerEntry(
        account=locked,
        kind=kind,
        amount=value,
        currency=locked.currency,
        balance_after=new_balance,
        description=str(description)[:255] or kind,
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        idempotency_key=idempotency_key,
        invoice=invoice,
        reverses=reverses,
    )
    # The entry and the account's new balance in one statement (issue 19: one round trip less
    # per posting); neither model has signal receivers (tests/accounts/test_sqlrow.py).
    set_balance(locked, new_balance, now)
    sqlrow.insert(entry, along=sqlrow.update_statement(locked, BALANCE_FIELDS))
    due = invoice.due_date if invoice is not None else due_date or timezone.localdate(now)
    open_items.on_posting(open_items.Book.live(), entry, due_date=due, now=now, settles=settles)
    return entry


BALANCE_FIELDS = ("balance", "negative_since")


def set_balance(account: Account, new_balance: Decimal, now: datetime) -> None:
    """The cached balance, and since when it is negative (R-CH1 b) — at the posting's time; the
    caller writes BALANCE_FIELDS."""
    if new_balance < 0 and account.negative_since is None:
        account.negative_since = now
    elif new_balance >= 0:
        account.negative_since = None
    account.balance = new_balance
