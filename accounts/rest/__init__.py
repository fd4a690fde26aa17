"""The public REST API's frame at /api/v1/ (issue 19) and accounts' own resources.

Found by AccountsConfig.ready() like every app's `rest` module; accounts' resources register here.
"""

from .base import ACCOUNT_PREFIX
from .registry import register
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
