"""The account list's search (issue 18): the account's number and name as before, and whatever
the apps registered in `account_list.search` — a member's user name or email (here), an invoice
number and a payment reference (billing).

The extensions' queries run as one UNION (one round trip), each found through an index, at
most `SEARCH_EXTENSION_LIMIT` account pks per extension on average; the list then reads
`number ILIKE … OR name ILIKE … OR id IN (<those pks>)`, which PostgreSQL answers with a
BitmapOr of the trigram indexes and the primary key — never a scan of a million
accounts with a subquery per row. The pks are looked up in the list's own queryset, so its
filters and its scope (get_queryset, R-R3) apply to what the extensions found.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .admin_list_frames import SearchExtension, account_list
from .models import Membership

SEARCH_EXTENSION_LIMIT = 1000
# Trigrams: a term shorter than this matches most users and no index helps; it is not looked up.
MIN_MEMBER_TERM = 3


def accounts_of_members(term: str):
    """Accounts whose member's user name or email contains `term` (trigram indexes, 0013)."""
    if len(term) < MIN_MEMBER_TERM:
        return []
    users = get_user_model().objects.filter(Q(username__icontains=term) | Q(email__icontains=term))
    return Membership.objects.filter(user__in=users.values("pk")).values_list(
        "account_id", flat=True
    )


account_list.search.register(
    SearchExtension("members", 10, "a member's user name or email", accounts_of_members)
)


def extension_pks(term: str) -> list[int]:
    """The accounts every registered extension finds for the whole search term: the extensions'
    queries as one UNION (one round trip), at most SEARCH_EXTENSION_LIMIT pks per extension."""
    term = term.strip()
    if not term:
        return []
    found: set[int] = set()
    queries = []
    for extension in account_list.search.items():
        result = extension.find(term)
        if isinstance(result, QuerySet):
            queries.append(result.order_by())
        else:
            found.update(list(result)[:SEARCH_EXTENSION_LIMIT])
    if queries:
        union = queries[0].union(*queries[1:]) if len(queries) > 1 else queries[0]
        found.update(union[: SEARCH_EXTENSION_LIMIT * len(queries)])
    return sorted(found)


def search_help_text() -> str:
    labels = ", ".join(e.label for e in account_list.search.items())
    return f"Account number or name; also {labels}." if labels else ""


class AccountSearchMixin:
    """get_search_results: the stock search of `search_fields`, or an extension's accounts."""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        pks = extension_pks(search_term)
        if pks:
            found = found | queryset.filter(pk__in=pks)
        return found, may_have_duplicates

    @property
    def search_help_text(self):  # read by ChangeList when the list is built
        return search_help_text()
