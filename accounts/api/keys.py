"""Issue and check per-service API keys: `lsk_<prefix>.<secret>`; only SHA-256 of it is stored.

The secret has 256 bits of randomness, so a fast hash is enough (no dictionary to guess from) and
keeps the entitlement check cheap; the comparison is constant-time (hmac.compare_digest).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import sqlrow
from accounts.actors import as_actor
from accounts.errors import AccountsError
from accounts.models import ServiceApiKey
from accounts.models.service_keys import API_SCOPES, default_scopes

KEY_PREFIX = "lsk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per key per minute
MSG_NAME_REQUIRED = "A service API key needs the name of the service that uses it."
MSG_NAME_TAKEN = "A service API key named “{name}” already exists."
MAX_SERVICE = 80  # ServiceApiKey.service
MSG_SERVICE = f"The service must be text of at most {MAX_SERVICE} characters, e.g. Fax or VoIP."

MSG_SCOPES = f"A key's scopes are among: {', '.join(API_SCOPES)}."


class InvalidApiKey(AccountsError):
    pass


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_service_api_key(
    name: str, *, actor: Any, service: str = "", scopes: Any = None, reseller: Any = None
) -> tuple[ServiceApiKey, str]:
    """Create a key for a service (R-S3: `service` is the plans' service it answers for, blank for
    the whole account; `scopes` what it may do, issue 19); returns the row and the key, which is
    never shown again."""
    as_actor(actor)
    scopes = default_scopes() if scopes is None else sorted(set(scopes))
    if not all(scope in API_SCOPES for scope in scopes):
        raise InvalidApiKey(MSG_SCOPES)
    name = (name or "").strip()
    if not name:
        raise InvalidApiKey(MSG_NAME_REQUIRED)
    if not isinstance(service, str) or len(service.strip()) > MAX_SERVICE or "\x00" in service:
        raise InvalidApiKey(MSG_SERVICE)
    service = service.strip()
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            row = ServiceApiKey.objects.create(
                name=name,
                service=service,
                scopes=scopes,
                prefix=prefix,
                key_hash=hash_key(raw),
                reseller=reseller,  # R-R3: a reseller's key sees its reseller's accounts only
            )
    except IntegrityError:
        raise InvalidApiKey(MSG_NAME_TAKEN.format(name=name)) from None
    return row, raw


def authenticate(raw: str | None) -> ServiceApiKey | None:
    """The active key `raw` is, or None; marks it used (at most once a minute)."""
    if (
        not raw
        or not raw.startswith(KEY_PREFIX)
        or "." not in raw
        or len(raw) > 200
        or "\x00" in raw
    ):
        return None
    prefix = raw[len(KEY_PREFIX) :].split(".", 1)[0]
    # Every API request asks this: plain SQL, no query compiler (accounts.sqlrow, issue 19).
    found = sqlrow.fetch_one(
        f"SELECT {sqlrow.columns(ServiceApiKey)} FROM accounts_serviceapikey"  # noqa: S608
        " WHERE prefix = %s AND is_active LIMIT 1",
        [prefix],
    )
    row = None if found is None else sqlrow.from_row(ServiceApiKey, found)
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(raw)):
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ServiceApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def key_from_headers(meta: dict) -> str | None:
    """`Authorization: Bearer <key>` or `X-Api-Key: <key>`."""
    header = meta.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return meta.get("HTTP_X_API_KEY", "").strip() or None
