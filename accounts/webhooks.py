"""One signed HTTP POST of an outbox event to an endpoint (R-X6), signed the Standard Webhooks way.

What a receiver gets:
- body: JSON ``{"id", "type", "subject", "created_at", "data"}`` (UTF-8, sorted keys, compact);
  the same bytes on every attempt, so a receiver can deduplicate by ``id``;
- Standard Webhooks headers (https://www.standardwebhooks.com, the `standardwebhooks` package):
  ``webhook-id`` (the event's id, the same on every attempt), ``webhook-timestamp`` (Unix seconds
  of this attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.
  The HMAC key is the endpoint's secret as UTF-8 bytes; a receiver configures its Standard
  Webhooks library with ``receiver_secret(secret)`` = ``"whsec_" + base64(secret)``. A replayed
  body under a fresh timestamp no longer matches the signature;
- deprecated, kept for one release: ``X-Lifecycle-Signature: sha256=<hex>`` (HMAC-SHA256 of the
  body only), ``X-Lifecycle-Timestamp``, ``X-Lifecycle-Event`` (the type), ``X-Lifecycle-Event-Id``
  — and ``X-Lifecycle-Delivery`` (the delivery's id, for logs).
Any 2xx is success. Connection errors, timeouts, 5xx, 408 and 429 are retried; other statuses
(including redirects, which are not followed) are final.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from standardwebhooks import Webhook

SIGNATURE_HEADER = "X-Lifecycle-Signature"  # deprecated: the body only, no timestamp
TIMESTAMP_HEADER = "X-Lifecycle-Timestamp"  # deprecated
WEBHOOK_ID = "webhook-id"
WEBHOOK_TIMESTAMP = "webhook-timestamp"
WEBHOOK_SIGNATURE = "webhook-signature"
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retryable: bool = False


def receiver_secret(secret: str) -> str:
    """The endpoint's secret as a Standard Webhooks library takes it: ``whsec_`` + base64 of its
    UTF-8 bytes (those bytes are the HMAC key)."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(secret: str, event_id: str, timestamp: datetime, body: bytes) -> dict:
    """The Standard Webhooks headers of one attempt: the signature covers id, time and body."""
    moment = timestamp.astimezone(UTC)
    signature = Webhook(secret.encode()).sign(event_id, moment, body.decode())
    return {
        WEBHOOK_ID: event_id,
        WEBHOOK_TIMESTAMP: str(int(moment.timestamp())),
        WEBHOOK_SIGNATURE: signature,
    }


def sign(secret: str, body: bytes) -> str:
    """The deprecated X-Lifecycle-Signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header_value: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header_value or "")


def event_body(event: Any) -> bytes:
    envelope = {
        "id": str(event.uuid),
        "type": event.event_type,
        "subject": event.subject,
        "created_at": event.created_at,
        "data": event.payload,
    }
    return json.dumps(
        envelope, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")
    ).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is answered as an HTTPError with its 3xx code


def _opener() -> urllib.request.OpenerDirector:
    handlers: list[Any] = [_NoRedirects()]
    if not settings.WEBHOOK_USE_ENV_PROXY:
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def post(delivery: Any, *, timestamp: datetime) -> Outcome:
    """POST the delivery's event to its endpoint once and say what happened."""
    endpoint, event = delivery.endpoint, delivery.event
    if urlsplit(endpoint.url).scheme not in ("http", "https"):
        return Outcome(False, error=f"Only http and https URLs are allowed: {endpoint.url}")
    body = event_body(event)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "lifecycle-backoffice-webhooks/1",
            **standard_headers(endpoint.secret, str(event.uuid), timestamp, body),
            SIGNATURE_HEADER: sign(endpoint.secret, body),
            TIMESTAMP_HEADER: str(int(timestamp.timestamp())),
            "X-Lifecycle-Event": event.event_type,
            "X-Lifecycle-Event-Id": str(event.uuid),
            "X-Lifecycle-Delivery": str(delivery.pk),
        },
    )
    try:
        with _opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Outcome(True, status_code=response.status)
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip()
        error = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
        retryable = exc.code >= 500 or exc.code in RETRYABLE_STATUSES
        return Outcome(False, status_code=exc.code, error=error, retryable=retryable)
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, DNS, timeout
        reason = getattr(exc, "reason", exc)
        return Outcome(False, error=f"Connection error: {reason}", retryable=True)
