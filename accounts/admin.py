"""The accounts side of the operator portal (issue 6), loaded by the admin's autodiscovery: setup
pages (admin_setup), accounts with their gear menu and overview (admin_accounts), users
(admin_users), the logs written by services, read-only (admin_logs), and accounts' own items of
the account's frames (admin_frames), which billing and subscriptions fill from their admin.py."""

from django.contrib import admin

from . import (  # noqa: F401 - each module registers its pages with the admin site
    admin_accounts,
    admin_guards,
    admin_jobs,
    admin_logs,
    admin_resellers,
    admin_scoping,
    admin_setup,
    admin_users,
)
from .admin_account_actions import GEAR_ACTIONS
from .admin_accounts import AccountAdmin
from .admin_frames import account_menu, overview_sections
from .admin_logs import ReadOnlyAdmin, ReadOnlyInline
from .admin_overview_sections import SECTIONS

# Service API keys (the entitlement API) register their admin in their own module.
from .api import admin as _service_api_key_admin  # noqa: F401

admin_guards.install(admin.site)  # issue 15 item 10: a NUL in a query string is a 400
admin_scoping.install(admin.site)  # R-R3: every ModelAdmin, now and later, sees its scope
account_menu.register(*GEAR_ACTIONS, admin_resellers.MOVE_ACTION)
overview_sections.register(*SECTIONS, admin_resellers.RESELLER_SECTION)

__all__ = ["AccountAdmin", "ReadOnlyAdmin", "ReadOnlyInline"]
