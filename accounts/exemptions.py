"""Audited account fields that are not the status: dunning exemptions (R-X2) and the renewal
deadline an unlock gives (R-G3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actors import Actor, as_actor
from .errors import InvalidExemption
from .models import Account, AccountAudit

MSG_EXEMPTION_BY_OPERATOR = _("Only an operator may exempt an account from dunning (R-X2).")
MSG_EXEMPT_UNTIL_PAST = _("“Exempt until” must be a date after today ({today}), not {until}.")
MSG_EXEMPT_UNTIL_NOT_DATE = _("“Exempt until” must be a date.")


ExemptionListener = Callable[[Account, Actor, date], None]
_exemption_listeners: list[ExemptionListener] = []


def on_exemption_change(listener: ExemptionListener) -> ExemptionListener:
    """Register `listener(account, actor, today)`, called in the exemption's transaction after it
    is saved, on the locked row: billing releases a hold its ladder put (R-X2)."""
    if listener not in _exemption_listeners:
        _exemption_listeners.append(listener)
    return listener


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


def write_audit(
    account: Account, field: str, old: Any, new: Any, actor: Actor, note: str = ""
) -> AccountAudit:
    return AccountAudit.objects.create(
        account=account,
        field=field,
        old_value=_shown(old),
        new_value=_shown(new),
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        note=note,
        at=timezone.now(),
    )


def set_dunning_exemption(
    account: Account,
    *,
    exempt: bool,
    until: date | None = None,
    actor: Any,
    note: str = "",
    today: date | None = None,
) -> list[AccountAudit]:
    """Exempt an account from dunning for good or until a date (R-X2); one audit row per change."""
    actor = as_actor(actor)
    if not actor.is_operator:
        raise InvalidExemption(MSG_EXEMPTION_BY_OPERATOR)
    today = today or timezone.localdate()
    if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
        raise InvalidExemption(MSG_EXEMPT_UNTIL_NOT_DATE)
    if until is not None and until <= today:
        raise InvalidExemption(MSG_EXEMPT_UNTIL_PAST.format(today=today, until=until))
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        wanted = {"dunning_exempt": bool(exempt), "dunning_exempt_until": until}
        changed = {f: v for f, v in wanted.items() if getattr(locked, f) != v}
        if not changed:
            return []
        rows = [
            write_audit(locked, f, getattr(locked, f), v, actor, note) for f, v in changed.items()
        ]
        for field, value in changed.items():
            setattr(locked, field, value)
            setattr(account, field, value)
        locked.save(update_fields=list(changed))
        for listener in list(_exemption_listeners):
            listener(locked, actor, today)
    return rows


def set_renewal_deadline(account: Account, deadline: date | None, *, actor: Actor, note: str = ""):
    """Write the R-G3 deadline on a row the caller has locked, with its audit row."""
    if account.renewal_deadline == deadline:
        return None
    row = write_audit(account, "renewal_deadline", account.renewal_deadline, deadline, actor, note)
    account.renewal_deadline = deadline
    account.save(update_fields=["renewal_deadline"])
    return row


def clear_renewal_deadline(account: Account, *, actor: Any, note: str = "") -> bool:
    """The customer renewed (paid or bought a subscription): the R-G3 relock no longer applies.

    Billing and subscriptions call this when a payment or renewal is recorded; it is idempotent and
    returns whether a deadline was cleared."""
    actor = as_actor(actor)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.renewal_deadline is None:
            return False
        set_renewal_deadline(locked, None, actor=actor, note=note or "Renewed")
    account.renewal_deadline = None
    return True
