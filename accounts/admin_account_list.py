"""The account list's search, filters, CSV export and bulk actions in one mixin for AccountAdmin
(issue 18); the pieces live in admin_search, admin_filters, admin_export and admin_bulk, and the
apps add theirs through accounts/admin_list_frames.py."""

from __future__ import annotations

from . import admin_filters  # noqa: F401 - registers accounts' filters
from .admin_bulk import BulkActionsMixin
from .admin_export import ExportMixin
from .admin_list_frames import account_list
from .admin_search import AccountSearchMixin


class AccountListMixin(AccountSearchMixin, ExportMixin, BulkActionsMixin):
    change_list_template = "admin/accounts/account/change_list.html"

    def get_list_filter(self, request):
        """The admin's own filters, then every app's (balance, policy, renewal, exemption)."""
        registered = [item.filter_class for item in account_list.filters.items()]
        return [*super().get_list_filter(request), *registered]
