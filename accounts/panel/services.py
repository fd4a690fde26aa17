"""Writes the control panel makes that belong to no other app: the user's own contact details."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.actors import as_actor
from accounts.errors import InvalidAccountData

MSG_EMAIL_TAKEN = "Another user already has the email address {email}."


@transaction.atomic
def update_contact_details(
    user: Any, *, first_name: str, last_name: str, email: str, actor: Any
) -> Any:
    """Save the signed-in user's name and email; an email another user has is refused."""
    as_actor(actor)
    User = get_user_model()
    locked = User.objects.select_for_update().get(pk=user.pk)
    email = email.strip()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise InvalidAccountData(MSG_EMAIL_TAKEN.format(email=email))
    locked.first_name, locked.last_name, locked.email = first_name.strip(), last_name.strip(), email
    locked.save(update_fields=["first_name", "last_name", "email"])
    user.first_name, user.last_name, user.email = locked.first_name, locked.last_name, email
    return locked
