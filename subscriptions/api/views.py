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

from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse

from accounts import scoping
from accounts.actors import Actor
from accounts.api.auth import service_api
from accounts.models import Account, BackendStatus
from accounts.panel import access
from accounts.panel.access import Capability as C
from billing import services as billing
from billing.errors import BillingError, IdempotencyConflict
from billing.models import LedgerEntry

from ..core import lock_account
from ..models import Plan, Subscription

S = Subscription.Status
REFUSED = {"allowed": False, "error": access.MSG_SERVICE_REFUSED}
RUNNING = (S.ACTIVE, S.GRACED)
# R-S3: on credit hold a postpaid subscription serves while it runs (R-CH7 never stops one).
POSTPAID_RUNNING = (S.ACTIVATING, S.ACTIVE, S.GRACED, S.RENEWING, S.UPDATING)
MAX_DESCRIPTION = 200
MAX_IDEMPOTENCY_KEY = 80
MSG_BAD_JSON = "The body must be a JSON object."
MSG_DESCRIPTION = f"“description” must be a string of at most {MAX_DESCRIPTION} characters."
MSG_IDEMPOTENCY = (
    f"“idempotency_key” must be a non-empty string of at most {MAX_IDEMPOTENCY_KEY} characters."
)
MSG_AMOUNT_MISSING = '“amount” is required: a positive decimal such as "0.25".'


def serves(account_pk: int, backend_status: str, service: str) -> bool:
    """R-S3: the account has a subscription in service for `service` (Active or Graced; on credit
    hold also a running postpaid one)."""
    in_service = Q(status__in=RUNNING)
    if backend_status == BackendStatus.CREDIT_HOLD:
        in_service |= Q(plan__billing_model=Plan.BillingModel.POSTPAID, status__in=POSTPAID_RUNNING)
    return (
        Subscription.objects.filter(account_id=account_pk, plan__service__iexact=service)
        .filter(in_service)
        .exists()
    )


def is_entitled(number: str, service: str = "", key=None) -> tuple[bool, int | None]:
    """(may the account use `service` now, its pk); an unknown account may not, nor one outside
    a reseller's key (R-R3: answered like an unknown one). A key with no service answers for the
    account (DESIGN §2 "service use")."""
    if "\x00" in number:  # PostgreSQL text cannot hold NUL: no account has such a number
        return False, None
    row = (
        scoping.scope_for_key(Account.objects.filter(number=number), key)
        .values_list("pk", "status_type__backend_status")
        .first()
    )
    if row is None:
        return False, None
    pk, status = row
    if service:  # R-S3: the status allows service use, and this service is in service
        allowed = access.may_use_services(status, has_running_subscription=True)
        return allowed and serves(pk, status, service), pk
    running = False
    caps = access.capabilities(status)
    if C.USE_SERVICES not in caps and C.USE_RUNNING_SUBSCRIPTIONS in caps:
        running = Subscription.objects.filter(account_id=pk, status__in=RUNNING).exists()
    return access.may_use_services(status, has_running_subscription=running), pk


@service_api("GET")
def entitlement(request, key, number: str):
    allowed, _pk = is_entitled(number, key.service, key)
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


def post_usage_once(pk: int, key, fields: dict) -> tuple[LedgerEntry, bool]:
    """Post the usage; (its entry, whether the key had already recorded it). Decided under the
    account's lock, the posting's own first lock: of two concurrent posts with one key, one
    records and answers 201, the other waits and answers 200 duplicate (issue 15, item 7)."""
    # Usage keys get their own namespace so they can never collide with a payment's key.
    idem = f"usage:{key.pk}:{fields['key'].strip()}" if fields["key"] else None
    with transaction.atomic():
        lock_account(pk)
        duplicate = idem is not None and LedgerEntry.objects.filter(idempotency_key=idem).exists()
        entry = billing.post_usage(
            pk,
            fields["amount"],
            description=f"{key.name}: {fields['description']}",
            actor=Actor.system("usage-api"),
            idempotency_key=idem,
        )
    return entry, duplicate


@service_api("POST")
def usage(request, key, number: str):
    """Post pay-as-you-go usage for an entitled account (refused like the entitlement check)."""
    fields, problem = parse_usage(request.body)
    if fields is None:
        return bad_request(problem)
    allowed, pk = is_entitled(number, key.service, key)
    if not allowed:
        return JsonResponse(REFUSED, status=403)
    try:
        entry, duplicate = post_usage_once(pk, key, fields)
    except IdempotencyConflict as exc:  # the key recorded another amount or account
        return JsonResponse({"error": str(exc.message)}, status=409)
    except BillingError as exc:
        return bad_request(exc.message)
    allowed_after, _pk = is_entitled(number, key.service, key)
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
