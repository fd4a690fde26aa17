"""`GET /api/v1/accounts/<number>/entitlement` and `POST …/usage` for providers' services.

Authenticated by a per-service API key (accounts.api.auth; 401 JSON without a valid one). Whether
the account may use the service comes from the control panel's access table (DESIGN §2 "service
use"); an unknown account gets the same answer as a locked one, so account numbers cannot be
probed (R-G1). The views are subscriptions': entitlement reads running subscriptions (R-S3) and
usage posts billing's charge.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.http import JsonResponse

from accounts.actors import Actor
from accounts.api.auth import service_api
from accounts.models import Account
from accounts.panel import access
from accounts.panel.access import Capability as C
from billing import services as billing
from billing.errors import BillingError
from billing.models import LedgerEntry

from ..models import Subscription

REFUSED = {"allowed": False, "error": access.MSG_SERVICE_REFUSED}
RUNNING = (Subscription.Status.ACTIVE, Subscription.Status.GRACED)
MAX_DESCRIPTION = 200
MAX_IDEMPOTENCY_KEY = 80
MSG_BAD_JSON = "The body must be a JSON object."
MSG_DESCRIPTION = f"“description” must be a string of at most {MAX_DESCRIPTION} characters."
MSG_IDEMPOTENCY = (
    f"“idempotency_key” must be a non-empty string of at most {MAX_IDEMPOTENCY_KEY} characters."
)
MSG_AMOUNT_MISSING = '“amount” is required: a positive decimal such as "0.25".'


def is_entitled(number: str) -> tuple[bool, int | None]:
    """(may the account use services now, its pk); an unknown account may not."""
    if "\x00" in number:  # PostgreSQL text cannot hold NUL: no account has such a number
        return False, None
    row = (
        Account.objects.filter(number=number)
        .values_list("pk", "status_type__backend_status")
        .first()
    )
    if row is None:
        return False, None
    pk, status = row
    running = False
    caps = access.capabilities(status)
    if C.USE_SERVICES not in caps and C.USE_RUNNING_SUBSCRIPTIONS in caps:
        running = Subscription.objects.filter(account_id=pk, status__in=RUNNING).exists()
    return access.may_use_services(status, has_running_subscription=running), pk


@service_api("GET")
def entitlement(request, key, number: str):
    allowed, _pk = is_entitled(number)
    return JsonResponse({"allowed": True} if allowed else REFUSED)


def bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=400)


def parse_usage(body: bytes) -> tuple[dict | None, str]:
    """The usage fields of a JSON body, or (None, why not)."""
    try:
        data = json.loads(body or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None, MSG_BAD_JSON
    if not isinstance(data, dict):
        return None, MSG_BAD_JSON
    if "amount" not in data:
        return None, MSG_AMOUNT_MISSING
    description = data.get("description", "Usage")
    if (
        not isinstance(description, str)
        or len(description) > MAX_DESCRIPTION
        or "\x00" in description
    ):
        return None, MSG_DESCRIPTION
    idem = data.get("idempotency_key")
    if idem is not None and (
        not isinstance(idem, str)
        or not idem.strip()
        or len(idem) > MAX_IDEMPOTENCY_KEY
        or "\x00" in idem
    ):
        return None, MSG_IDEMPOTENCY
    try:
        amount = billing.parse_amount(data["amount"])
    except BillingError as exc:
        return None, exc.message
    return {"amount": amount, "description": description.strip() or "Usage", "key": idem}, ""


@service_api("POST")
def usage(request, key, number: str):
    """Post pay-as-you-go usage for an entitled account (refused like the entitlement check)."""
    fields, problem = parse_usage(request.body)
    if fields is None:
        return bad_request(problem)
    allowed, pk = is_entitled(number)
    if not allowed:
        return JsonResponse(REFUSED, status=403)
    # Usage keys get their own namespace so they can never collide with a payment's key.
    idem = f"usage:{key.pk}:{fields['key'].strip()}" if fields["key"] else None
    duplicate = (
        idem is not None
        and LedgerEntry.objects.filter(account_id=pk, idempotency_key=idem).exists()
    )
    try:
        entry = billing.post_usage(
            number,
            fields["amount"],
            description=f"{key.name}: {fields['description']}",
            actor=Actor.system("usage-api"),
            idempotency_key=idem,
        )
    except BillingError as exc:
        return bad_request(exc.message)
    allowed_after, _pk = is_entitled(number)
    return JsonResponse(
        {
            "recorded": True,
            "duplicate": duplicate,
            "entry": entry.pk,
            "amount": str(-entry.amount),
            "currency": entry.currency,
            "balance": str(entry.balance_after),
            "allowed": allowed_after,
        },
        status=200 if duplicate else 201,
    )
