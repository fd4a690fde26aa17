"""A webhook endpoint's signing secret (issue 15 item 11): shown in full once — when the endpoint
is created and when it is rotated — and masked everywhere else."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .actors import as_actor
from .models import WebhookEndpoint
from .models.events import new_secret

SHOWN_CHARACTERS = 4


def mask_secret(secret: str) -> str:
    """The secret as pages show it after its one showing: only its last four characters."""
    if not secret:
        return "—"
    return "•" * 8 + secret[-SHOWN_CHARACTERS:]


def rotate_webhook_secret(endpoint: WebhookEndpoint, *, actor: Any) -> str:
    """Give the endpoint a new signing secret and return it (the only time it is readable);
    deliveries signed from now on use it."""
    as_actor(actor)
    secret = new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret = secret
        locked.save(update_fields=["secret"])
    endpoint.secret = secret
    return secret
