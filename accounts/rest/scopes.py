"""What a service API key may do through the REST API (issue 19): one scope per kind of act."""

from __future__ import annotations

from typing import Any

from accounts.models.service_keys import API_SCOPES

READ = "read"  # every GET of the REST API
WRITE = "write"  # accounts, status changes, schedules, unlock, charges, subscriptions…
PAYMENTS = "payments"  # record a payment
ENTITLEMENT = "entitlement"  # the service endpoints (entitlement, usage)
SCOPES = API_SCOPES


def scopes_of(key: Any) -> frozenset[str]:
    """The scopes a key holds (ServiceApiKey.scopes); none when the key has no such field."""
    return frozenset(getattr(key, "scopes", None) or ())
