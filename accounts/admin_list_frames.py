"""The account list's frames (issue 18), filled by every app the way the account's gear menu is
(accounts/admin_frames.py): what the search also finds, which filters the list offers, which bulk
actions apply to selected accounts, and which CSV exports an account offers.

    from accounts.admin_list_frames import SearchExtension, account_list
    account_list.search.register(SearchExtension("invoice", 20, "invoice number", find))

    search       SearchExtension(key, order, label, find)   find(term) -> account pks (a query)
                   10 members    user name or email        accounts
                   20 invoice    invoice number (exact)    billing
                   30 payment    payment reference (exact) billing
    filters      ListFilterItem(key, order, filter_class)   a Django list filter
                   10 balance    balance range             accounts
                   20 policy     dunning policy            billing
                   30 renewal    renewal deadline (R-G3)   accounts
                   40 exemption  dunning exemption (R-X2)  accounts
    bulk         BulkAction(slug, order, label, permission, form_class, preview, perform)
                   10 schedule-status  Schedule a status change (R-E4)  accounts
                   20 lock             Lock (administrative hold)       accounts
                   30 apply-policy     Apply a dunning policy           billing
    exports      AccountExport(slug, order, label, permission, filename, header, rows)
                   10 ledger     the account's ledger      billing

Every piece works on the change list's own queryset (ModelAdmin.get_queryset, then the filters
and the search): whatever scope get_queryset applies (a reseller's operators, R-R3) applies to
the search, the export and the bulk actions too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SearchExtension:
    """Accounts found by something else than their number or name: `find(term)` returns the
    matching account pks (a values_list query or a list), bounded by the caller."""

    key: str
    order: int
    label: str
    find: Callable[[str], Iterable[int]]


@dataclass(frozen=True)
class ListFilterItem:
    key: str
    order: int
    filter_class: Any


@dataclass(frozen=True)
class BulkRow:
    """What a bulk action will do (or did) to one account: `result`, or `refused` with the
    domain's message."""

    account: Any
    current: str
    result: str = ""
    refused: str = ""
    changes: bool = True  # False: nothing to do for this account (already so)


@dataclass(frozen=True)
class BulkAction:
    """A bulk action on selected accounts: its form, then `preview(accounts, data, actor)` →
    BulkRows (writes nothing), then `perform(accounts, data, actor)` → BulkRows as done."""

    slug: str
    order: int
    label: str
    permission: str
    form_class: Any
    preview: Callable[[list, dict, Any], list[BulkRow]]
    perform: Callable[[list, dict, Any], list[BulkRow]]
    intro: str = ""
    form_kwargs: Callable[[], dict] = field(default=lambda: {})


@dataclass(frozen=True)
class AccountExport:
    """A CSV export of one account's data: `rows(account)` yields tuples under `header`."""

    slug: str
    order: int
    label: str
    permission: str
    filename: Callable[[Any], str]
    header: tuple[str, ...]
    rows: Callable[[Any], Iterable[tuple]]


class Registry:
    """Items by key, listed by their order key; a key or an order taken twice is an error."""

    def __init__(self, name: str):
        self.name = name
        self._items: dict[str, Any] = {}

    def register(self, *items) -> None:
        for item in items:
            key = getattr(item, "key", None) or item.slug
            if key in self._items:
                raise ImproperlyConfigured(f"account list {self.name}: “{key}” is registered.")
            if any(other.order == item.order for other in self._items.values()):
                raise ImproperlyConfigured(
                    f"account list {self.name}: order {item.order} is taken."
                )
            self._items[key] = item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def items(self) -> list:
        return sorted(self._items.values(), key=lambda item: item.order)

    def __getitem__(self, key: str):
        return self._items[key]


class AccountList:
    def __init__(self):
        self.search = Registry("search")
        self.filters = Registry("filters")
        self.bulk = Registry("bulk actions")
        self.exports = Registry("exports")


account_list = AccountList()
