"""Every write to accounts goes through here: guard → lock → check → save → history → on commit."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import events, lifecycle
from .actors import Actor, as_actor
from .errors import (
    InvalidAccountData,
    InvalidTransition,
    ReasonNotAllowed,
    StatusTypeInUse,
    UnknownStatusType,
)
from .models import (
    Account,
    AccountStatusType,
    ActorKind,
    BackendStatus,
    StatusChange,
    StatusReason,
)
from .retry import retry_on_conflict
from .transitions import label, next_state

NEW_ACCOUNT_REASON = "New account"
NEW_ACCOUNT_STATUSES = (BackendStatus.ACTIVE, BackendStatus.PROSPECT)
MSG_NEW_ACCOUNT_STATUS = _("A new account is created Active or Prospect, not {status}.")
MSG_UNKNOWN_TYPE = _("There is no account status type “{name}”.")
MSG_UNKNOWN_REASON = _("There is no status reason “{name}”.")
MSG_REASON_DOES_NOT_FIT = _("The reason “{reason}” cannot be used for the status {status}.")
MSG_FUTURE_CHANGE = _(
    "A change effective in the future is a scheduled change: schedule it instead (R-E4)."
)
MSG_TYPE_IN_USE = _(
    "The status type “{name}” is used by {count} account(s) and cannot be deleted; "
    "move them to another type first."
)
MSG_TYPE_IN_HISTORY = _(
    "The status type “{name}” appears in {count} status history row(s) and cannot be deleted."
)
MSG_TYPE_IS_DEFAULT = _(
    "The status type “{name}” is the default for {status}; make another type the default first."
)
ACCOUNT_FIELDS = {
    "number",
    "currency",
    "financial_blocking_threshold",
    "allowed_negative_days",
    "next_payment_date",
}


def get_status_type(status_type: AccountStatusType | str | int) -> AccountStatusType:
    """Resolve a type given as an object, a name or an id; unknown → UnknownStatusType."""
    if isinstance(status_type, AccountStatusType):
        return status_type
    lookup = {"pk": status_type} if isinstance(status_type, int) else {"name": status_type}
    try:
        return AccountStatusType.objects.get(**lookup)
    except (AccountStatusType.DoesNotExist, ValueError, TypeError):
        raise UnknownStatusType(MSG_UNKNOWN_TYPE.format(name=status_type)) from None


def default_status_type(backend_status: str) -> AccountStatusType:
    """The type automation uses for a back-end status."""
    found = AccountStatusType.objects.filter(backend_status=backend_status, is_default=True).first()
    if found is None:
        raise UnknownStatusType(MSG_UNKNOWN_TYPE.format(name=f"default {label(backend_status)}"))
    return found


def get_reason(reason: StatusReason | str, backend_status: str) -> StatusReason:
    """Resolve a reason and check it may be used for `backend_status` (R-E3)."""
    if not isinstance(reason, StatusReason):
        try:
            reason = StatusReason.objects.get(name=reason)
        except StatusReason.DoesNotExist:
            raise ReasonNotAllowed(MSG_UNKNOWN_REASON.format(name=reason)) from None
    if not reason.fits(backend_status):
        raise ReasonNotAllowed(
            MSG_REASON_DOES_NOT_FIT.format(reason=reason.name, status=label(backend_status))
        )
    return reason


def _clean_account_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise InvalidAccountData(f"Unknown account field(s): {', '.join(sorted(unknown))}.")
    if "financial_blocking_threshold" in fields:
        try:
            threshold = Decimal(str(fields["financial_blocking_threshold"]))
        except InvalidOperation:
            raise InvalidAccountData("The financial blocking threshold must be a number.") from None
        if not threshold.is_finite() or threshold != threshold.quantize(Decimal("0.01")):
            raise InvalidAccountData(
                "The financial blocking threshold must have at most 2 decimals."
            )
        fields["financial_blocking_threshold"] = threshold
    days = fields.get("allowed_negative_days")
    if days is not None and (not isinstance(days, int) or days < 0):
        raise InvalidAccountData(
            "The allowed negative-balance period must be a whole number of days."
        )
    fields.setdefault("currency", settings.DEFAULT_CURRENCY)
    if not (isinstance(fields["currency"], str) and len(fields["currency"]) == 3):
        raise InvalidAccountData("The currency must be a three-letter code such as USD.")
    fields["currency"] = fields["currency"].upper()
    return fields


def _new_account_number() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}"


@transaction.atomic
def create_account(
    *, name: str, actor: Any, status_type: AccountStatusType | str | None = None, **fields: Any
) -> Account:
    """Create an account, Active unless a Prospect type is given, with its first history row."""
    actor = as_actor(actor)
    if not name or not str(name).strip():
        raise InvalidAccountData("An account needs a name.")
    status_type = (
        default_status_type(BackendStatus.ACTIVE)
        if status_type is None
        else get_status_type(status_type)
    )
    if status_type.backend_status not in NEW_ACCOUNT_STATUSES:
        raise InvalidTransition(
            MSG_NEW_ACCOUNT_STATUS.format(status=label(status_type.backend_status))
        )
    fields = _clean_account_fields(dict(fields))
    reason = get_reason(NEW_ACCOUNT_REASON, status_type.backend_status)
    now = timezone.now()
    for _attempt in range(5):
        number = fields.pop("number", None) or _new_account_number()
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    number=number,
                    name=str(name).strip(),
                    status_type=status_type,
                    status_reason=reason,
                    status_changed_at=now,
                    **fields,
                )
            break
        except IntegrityError:
            if "number" in fields:
                raise
            continue
    else:  # pragma: no cover - five random collisions in a 9e9 space
        raise InvalidAccountData("Could not allocate an account number; try again.")
    _write_history(account, None, status_type, reason, actor, now, now, note="")
    return account


def _write_history(
    account: Account,
    from_type: AccountStatusType | None,
    to_type: AccountStatusType,
    reason: StatusReason,
    actor: Actor,
    requested_at: datetime,
    effective_at: datetime,
    note: str,
) -> StatusChange:
    change = StatusChange.objects.create(
        account=account,
        from_type=from_type,
        to_type=to_type,
        from_backend_status=from_type.backend_status if from_type else "",
        to_backend_status=to_type.backend_status,
        reason=reason,
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        rule_id=actor.rule_id,
        requested_at=requested_at,
        effective_at=effective_at,
        note=note,
    )
    events.record_status_changes([change])  # R-X6: the outbox row commits with the change
    return change


@retry_on_conflict  # only at the outermost level; inside a transaction the caller retries
def change_status(
    account: Account,
    status_type: AccountStatusType | str,
    *,
    actor: Any,
    reason: StatusReason | str,
    effective_at: datetime | None = None,
    note: str = "",
    requested_at: datetime | None = None,
) -> StatusChange | None:
    """Move an account to another status type; returns the history row, or None if already there."""
    actor = as_actor(actor)
    now = timezone.now()
    # Sweeps pass their explicit `now` (R-X7 time travel); people schedule future changes (R-E4).
    if (
        actor.kind != ActorKind.SYSTEM
        and effective_at is not None
        and effective_at > now + timedelta(seconds=5)
    ):
        raise InvalidTransition(MSG_FUTURE_CHANGE)
    target = get_status_type(status_type)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.status_type_id == target.pk:
            return None
        target, rule_id = _resolve_target(locked, target, actor)
        current = locked.status_type
        next_state(current.backend_status, target.backend_status, actor.kind, rule_id)
        reason_obj = get_reason(reason, target.backend_status)
        updated = Account.objects.filter(pk=locked.pk, status_type_id=current.pk).update(
            status_type=target, status_reason=reason_obj, status_changed_at=effective_at or now
        )
        if updated != 1:  # pragma: no cover - the row is locked; kept as the conditional guard
            raise InvalidTransition("The account changed while this request ran; try again.")
        locked.status_type, locked.status_reason = target, reason_obj
        locked.status_changed_at = effective_at or now
        change = _write_history(
            locked,
            current,
            target,
            reason_obj,
            Actor(actor.kind, actor.user, rule_id),
            requested_at or now,
            effective_at or now,
            note,
        )
        lifecycle.notify([change])
    account.status_type = target
    account.status_reason = reason_obj
    account.status_changed_at = effective_at or now
    return change


def _resolve_target(
    account: Account, target: AccountStatusType, actor: Actor
) -> tuple[AccountStatusType, str]:
    """Let a higher app redirect the target (R-CH2: unlock below threshold → Credit hold)."""
    resolved, rule_id = lifecycle.resolve_target(account, target, actor)
    return resolved, rule_id or actor.rule_id


def status_type_deletion_problem(status_type: AccountStatusType) -> str | None:
    """Say why a status type cannot be deleted, or None when it can."""
    in_use = status_type.accounts.count()
    if in_use:
        return MSG_TYPE_IN_USE.format(name=status_type.name, count=in_use)
    if status_type.is_default:
        return MSG_TYPE_IS_DEFAULT.format(
            name=status_type.name, status=label(status_type.backend_status)
        )
    in_history = StatusChange.objects.filter(to_type=status_type).count()
    in_history += StatusChange.objects.filter(from_type=status_type).count()
    if in_history:
        return MSG_TYPE_IN_HISTORY.format(name=status_type.name, count=in_history)
    return None


@transaction.atomic
def delete_status_type(status_type: AccountStatusType, *, actor: Any) -> None:
    """Delete an unused Account Status Type; refused with a count when accounts use it."""
    as_actor(actor)
    locked = AccountStatusType.objects.select_for_update().get(pk=status_type.pk)
    problem = status_type_deletion_problem(locked)
    if problem:
        raise StatusTypeInUse(problem)
    locked.delete()


# --- Locks, unlocks, exemptions and schedules live in their own modules, which import this one;
# these entry points keep `accounts.services.*` the one stable surface (DESIGN §6).


def unlock_user_account(user: Any, *, actor: Any, today: date | None = None) -> list:
    """Unlock the user's held accounts within 30 days of Next Payment (R-G2, R-G3)."""
    from .unlocking import unlock_user_account as unlock

    return unlock(user, actor=actor, today=today)


def lock_user_account(user: Any, *, actor: Any, reason: Any = "Fraud review", note: str = ""):
    """Move the user's accounts to Administrative hold ("Lock User Account")."""
    from .unlocking import lock_user_account as lock

    return lock(user, actor=actor, reason=reason, note=note)


def clear_renewal_deadline(account: Account, *, actor: Any, note: str = "") -> bool:
    """The customer renewed: no R-G3 relock. Billing/subscriptions call it on payment/renewal."""
    from .exemptions import clear_renewal_deadline as clear

    return clear(account, actor=actor, note=note)


def set_dunning_exemption(
    account: Account,
    *,
    exempt: bool,
    until: date | None = None,
    actor: Any,
    note: str = "",
    today: date | None = None,
) -> list:
    """Exempt an account from dunning, for good or until a date (R-X2); audited."""
    from .exemptions import set_dunning_exemption as set_exemption

    return set_exemption(account, exempt=exempt, until=until, actor=actor, note=note, today=today)


def schedule_status_change(
    account: Account,
    status_type: Any,
    *,
    reason: Any,
    effective_on: date,
    actor: Any,
    note: str = "",
    today: date | None = None,
):
    """Schedule a status change for a date (R-E4)."""
    from .scheduling import schedule_status_change as schedule

    return schedule(
        account,
        status_type,
        reason=reason,
        effective_on=effective_on,
        actor=actor,
        note=note,
        today=today,
    )


def cancel_scheduled_status_change(scheduled: Any, *, actor: Any):
    """Cancel a scheduled status change that has not run yet (R-E4, R-X5)."""
    from .scheduling import cancel_scheduled_status_change as cancel

    return cancel(scheduled, actor=actor)
