"""Resellers (DESIGN §7): whom an account's customers contact (R-R1) and moving an account from
one reseller to another, audited.

`contact_for(account)` is the one answer to "whom does this customer contact": the unlock
refusal (R-G2), the release reasons, the control panel's blocked-company texts and the notices
all read it, so a reseller's customers are always sent to their reseller, never to the provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import scoping
from .actors import as_actor
from .errors import InvalidAccountData
from .exemptions import write_audit
from .models import Account, BackendStatus, Reseller

MSG_SAME_RESELLER = _("Account {account} already belongs to {reseller}.")
MSG_INACTIVE_RESELLER = _("{reseller} is inactive: it takes no accounts.")
MSG_NEEDS_REASON = _("Moving an account to another reseller needs a reason.")
MSG_PROVIDER_ONLY = _("Only the provider's operators move accounts between resellers.")
MSG_NOT_A_RESELLER = _("Choose a reseller, or none for the provider's own accounts.")
MSG_DELETED_STAYS = _("Account {account} is deleted: a deleted account keeps its reseller.")
PROVIDER_LABEL = _("the provider")

ResellerListener = Callable[[Account, "Reseller | None", "Reseller | None", Any], None]
_listeners: list[ResellerListener] = []


class MoveRefused(InvalidAccountData):
    """The account cannot be moved to that reseller."""


@dataclass(frozen=True)
class Contact:
    """Whom an account's customers contact: their reseller, or the provider (R-R1)."""

    name: str
    orders: str
    support: str
    reseller_id: int | None = None

    def __str__(self) -> str:
        return self.orders

    @property
    def is_reseller(self) -> bool:
        return self.reseller_id is not None

    @property
    def described(self) -> str:
        """The contact as a sentence names it: "Acme Telecom (orders@acme.example)" for a
        reseller, the provider's orders contact alone (R-G2's setting) for the provider."""
        if not self.is_reseller:
            return self.orders
        return f"{self.name} ({self.orders})" if self.orders else self.name


def provider_contact() -> Contact:
    orders = str(getattr(settings, "ORDERS_CONTACT", ""))
    return Contact(name=str(getattr(settings, "PROVIDER_NAME", "")), orders=orders, support=orders)


def contact_for(account: Account | None) -> Contact:
    """R-R1: the account's reseller contact when it has a reseller, else the provider's orders
    contact (the setting ORDERS_CONTACT, R-G2)."""
    reseller_id = getattr(account, "reseller_id", None)
    if reseller_id is None:
        return provider_contact()
    reseller = account.reseller  # type: ignore[union-attr]
    orders = reseller.orders_email or reseller.orders_contact
    return Contact(
        name=reseller.name,
        orders=orders,
        support=reseller.support_email or reseller.support_contact or orders,
        reseller_id=reseller.pk,
    )


def on_reseller_change(listener: ResellerListener) -> ResellerListener:
    """Register `listener(account, old, new, actor)`, called in the move's transaction (billing
    gives the account the new reseller's policy when its policy was the old reseller's)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def move_account(
    account: Account, reseller: Reseller | None, *, actor: Any, reason: str
) -> Account:
    """Move `account` to `reseller` (None: the provider's own), audited with the reason (R-R1)."""
    actor = as_actor(actor)
    if scoping.is_reseller_operator(actor.user):
        raise MoveRefused(MSG_PROVIDER_ONLY)
    if reseller is not None and not isinstance(reseller, Reseller):
        raise MoveRefused(MSG_NOT_A_RESELLER)
    if not str(reason or "").strip():
        raise MoveRefused(MSG_NEEDS_REASON)
    if reseller is not None and not reseller.is_active:
        raise MoveRefused(MSG_INACTIVE_RESELLER.format(reseller=reseller.name))
    with transaction.atomic():
        locked = (
            Account.objects.select_related("status_type")
            .select_for_update(of=("self",))
            .get(pk=account.pk)
        )
        if locked.status_type.backend_status == BackendStatus.DELETED:  # R-C4: nothing moves
            raise MoveRefused(MSG_DELETED_STAYS.format(account=locked.number))
        old = locked.reseller
        if (old.pk if old else None) == (reseller.pk if reseller else None):
            raise MoveRefused(
                MSG_SAME_RESELLER.format(account=locked.number, reseller=_label(reseller))
            )
        locked.reseller = reseller
        locked.save(update_fields=["reseller"])
        write_audit(locked, "reseller", _label(old), _label(reseller), actor, str(reason).strip())
        for listener in list(_listeners):
            listener(locked, old, reseller, actor)
    account.reseller = reseller
    return locked


def _label(reseller: Reseller | None) -> str:
    return reseller.name if reseller is not None else str(PROVIDER_LABEL)


MSG_OTHER_RESELLERS_POLICY = _("The policy {policy} is another reseller's.")


def new_account_fields(fields: dict[str, Any], actor: Any) -> dict[str, Any]:
    """A new account's reseller (R-R1, R-R3): a reseller operator's accounts are their
    reseller's whatever was given; the reseller must be active; a reseller's policy fits only its
    own accounts (R-R2)."""
    operator_reseller = scoping.reseller_id_of(getattr(actor, "user", None))
    if operator_reseller is not None:
        fields["reseller"] = Reseller.objects.get(pk=operator_reseller)
    reseller = fields.get("reseller")
    if reseller is not None and not isinstance(reseller, Reseller):
        raise InvalidAccountData(MSG_NOT_A_RESELLER)
    if reseller is not None and not reseller.is_active:
        raise InvalidAccountData(MSG_INACTIVE_RESELLER.format(reseller=reseller.name))
    policy = fields.get("dunning_policy")
    policy_reseller = getattr(policy, "reseller_id", None)
    if policy_reseller is not None and policy_reseller != getattr(reseller, "pk", None):
        raise InvalidAccountData(MSG_OTHER_RESELLERS_POLICY.format(policy=policy))
    return fields
