"""The public REST API's frame at /api/v1/ (issue 19) and accounts' own resources.

Found by AccountsConfig.ready() like every app's `rest` module; accounts' resources register here.
"""

from .base import ACCOUNT_PREFIX
from .registry import register, register_link
from .views import (
    AccountViewSet,
    EventViewSet,
    ScheduledChangeViewSet,
    StatusChangeViewSet,
    UnlockViewSet,
)

register("accounts", AccountViewSet, "account", order=10)
register(f"{ACCOUNT_PREFIX}/status-changes", StatusChangeViewSet, "status-change", order=20)
register(f"{ACCOUNT_PREFIX}/scheduled-changes", ScheduledChangeViewSet, "scheduled-change", 20)
register(f"{ACCOUNT_PREFIX}/unlock", UnlockViewSet, "unlock", order=20)
register("events", EventViewSet, "event", order=90)

# OpenAPI links (schemathesis' stateful tests follow them): a new account's number feeds its pages.
NEW = {"account_number": "$response.body#/number"}
IN_PATH = "$request.path.account_number"
register_link(
    "accounts_create", "201", "GetAccount", "accounts_retrieve", number="$response.body#/number"
)
register_link("accounts_create", "201", "ChangeStatus", "accounts_status_changes_create", **NEW)
register_link(
    "accounts_create", "201", "ScheduleChange", "accounts_scheduled_changes_create", **NEW
)
register_link(
    "accounts_scheduled_changes_create",
    "201",
    "CancelScheduledChange",
    "accounts_scheduled_changes_cancel_create",
    account_number=IN_PATH,
    id="$response.body#/id",
)
