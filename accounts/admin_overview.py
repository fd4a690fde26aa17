"""The account overview page of the operator portal (seed 002 "Overview"; R-X4, R-E4, R-X6).

The page is a frame of sections that apps register (accounts/admin_frames.py): each section has a
key, an order key, a place on the page, a template and a context function `(account, now) → dict`.
The frame reads the account once, calls each section's context function (sections naming the same
function share one call) and renders the sections in order, each in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from .models import Account

# Where a section goes: a row of the Status table, the left column below it (above Actions), the
# right column beside them, or a full-width block below.
STATUS_ROW, LEFT, RIGHT, WIDE = "status", "left", "right", "wide"
PLACES = (STATUS_ROW, LEFT, RIGHT, WIDE)


@dataclass(frozen=True)
class OverviewSection:
    """One section of the overview; its template reads its context as `data` (and `a`, the
    account; `perms`; `request`)."""

    key: str
    order: int
    template: str
    context: Callable[[Account, datetime], dict]
    place: str = WIDE
    # Relations of the account the section reads, loaded with the account (no query of its own).
    select_related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """A section with the context it was given for one page."""

    section: OverviewSection
    data: dict


class OverviewSections:
    """The overview's sections that apps register, the way they register with `admin.site`."""

    def __init__(self):
        self._sections: dict[str, OverviewSection] = {}
        self._sorted: tuple[OverviewSection, ...] = ()

    def register(self, *sections: OverviewSection) -> None:
        """Add `sections`; a key or an order key already taken is a configuration error."""
        for section in sections:
            if section.place not in PLACES:
                raise ImproperlyConfigured(f"Overview section “{section.key}”: no place.")
            taken = self._sections.get(section.key) or next(
                (s for s in self._sections.values() if s.order == section.order), None
            )
            if taken is not None:
                raise ImproperlyConfigured(
                    f"Overview sections “{section.key}” and “{taken.key}” share a key or "
                    f"the order key {section.order}."
                )
            self._sections[section.key] = section
        self._sorted = tuple(sorted(self._sections.values(), key=lambda s: s.order))

    def unregister(self, key: str) -> None:
        """Remove the section `key` (a KeyError when there is none)."""
        del self._sections[key]
        self._sorted = tuple(s for s in self._sorted if s.key != key)

    def sections(self) -> tuple[OverviewSection, ...]:
        """Every registered section, by order key."""
        return self._sorted

    def __iter__(self):
        return iter(self._sorted)


@dataclass
class AccountOverview:
    """What the page shows: the account and its sections' contexts, in order."""

    account: Account
    parts: list[Part]
    places: dict[str, list[Part]] = field(init=False)  # the parts of each place, in order
    data: dict[str, dict] = field(init=False)  # each section's context by its key

    def __post_init__(self):
        parts = self.parts
        self.places = {place: [p for p in parts if p.section.place == place] for place in PLACES}
        self.data = {part.section.key: part.data for part in parts}


def newest(queryset, rows: int) -> tuple[list, bool]:
    """The first `rows` rows of `queryset` and whether there are more (one query).

    Every list on the page is the newest few rows, so the page costs the same number of queries
    and about the same time for an account with three ledger entries or three hundred thousand
    (issue 8)."""
    found = list(queryset[: rows + 1])
    return found[:rows], len(found) > rows


def account_overview(
    account: Account, sections: OverviewSections, now: datetime | None = None
) -> AccountOverview:
    """Everything the overview's `sections` show about one account, in their order."""
    now = now or timezone.now()
    related = {"status_type", "status_reason"}
    related.update(name for section in sections for name in section.select_related)
    account = Account.objects.select_related(*sorted(related)).get(pk=account.pk)
    contexts: dict[Callable, dict] = {}
    parts = []
    for section in sections:
        if section.context not in contexts:
            contexts[section.context] = section.context(account, now)
        parts.append(Part(section, contexts[section.context]))
    return AccountOverview(account=account, parts=parts)


# The overview's sections the admin's "History" page shows (issue 18: it said "no change
# history" after many status changes): status changes, ledger entries and audit rows, each
# newest first and bounded like on the overview, above the stock log of admin form edits.
HISTORY_SECTIONS = ("history", "ledger", "audit")


class AccountOverviewMixin:
    """Adds `<id>/overview/` to the AccountAdmin (view permission), built from `overview_sections`,
    and puts the account's domain history on its "History" page."""

    overview_sections: OverviewSections

    def history_view(self, request, object_id, extra_context=None):
        account = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if account is not None and self.has_view_permission(request, account):
            sections = [s for s in self.overview_sections if s.key in HISTORY_SECTIONS]
            extra["domain_history"] = account_overview(account, sections)
        return super().history_view(request, object_id, extra_context=extra)

    def get_urls(self):
        overview = path(
            "<path:object_id>/overview/",
            self.admin_site.admin_view(self.overview_view),
            name="accounts_account_overview",
        )
        return [overview, *super().get_urls()]

    def overview_view(self, request, object_id):
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404(f"No account with the id {object_id}.")
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        data = account_overview(account, self.overview_sections)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": "accounts",
            "original": data.account,
            "title": f"{data.account.name} — account {data.account.number}",
            "overview": data,
            "gear_items": self.gear_items(request, data.account),
            "can_change": self.has_change_permission(request, data.account),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/account_overview.html", context)
