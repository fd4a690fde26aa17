"""Every write to accounts goes through here (DESIGN §6): the stable entry points.

Account creation and status types live here; each other concern has its own module, which
this one imports and re-exports — the concern modules import only lower ones (statuses, bulk,
changes), never this one, so the imports point one way.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import arguments, lifecycle, resellers
from .actors import as_actor
from .bulk import history_row, record_history
from .changes import MSG_FUTURE_CHANGE, StatusPreview, change_status, preview_status_change
from .currencies import normalized_currency
from .errors import InvalidAccountData, InvalidTransition, StatusTypeInUse
from .exemptions import clear_renewal_deadline, set_dunning_exemption
from .models import Account, AccountStatusType, BackendStatus, StatusChange
from .scheduling import cancel_scheduled_status_change, schedule_status_change
from .statuses import (
    MSG_REASON_DOES_NOT_FIT,
    MSG_UNKNOWN_REASON,
    MSG_UNKNOWN_TYPE,
    default_status_type,
    get_reason,
    get_status_type,
)
from .transitions import label
from .unlocking import lock_user_account, unlock_user_account

__all__ = [
    "MSG_FUTURE_CHANGE",
    "MSG_REASON_DOES_NOT_FIT",
    "MSG_UNKNOWN_REASON",
    "MSG_UNKNOWN_TYPE",
    "StatusPreview",
    "cancel_scheduled_status_change",
    "change_status",
    "clear_renewal_deadline",
    "create_account",
    "default_status_type",
    "delete_status_type",
    "get_reason",
    "get_status_type",
    "lock_user_account",
    "preview_status_change",
    "schedule_status_change",
    "set_dunning_exemption",
    "status_type_deletion_problem",
    "unlock_user_account",
]

NEW_ACCOUNT_REASON = "New account"
NEW_ACCOUNT_STATUSES = (BackendStatus.ACTIVE, BackendStatus.PROSPECT)
MSG_NEW_ACCOUNT_STATUS = _("A new account is created Active or Prospect, not {status}.")
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
    "dunning_policy",
    "reseller",  # R-R1: accounts.resellers.new_account_fields
}
NAME_LENGTH = Account._meta.get_field("name").max_length
MSG_NUMBER_TAKEN = _("The account number {number} is already used by another account.")
MSG_UNKNOWN_CURRENCY = _("The currency must be a three-letter code such as USD (ISO 4217).")
MSG_POLICY_NOT_A_POLICY = _("The credit and dunning policy must be a policy, not {value!r}.")


def _clean_account_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise InvalidAccountData(f"Unknown account field(s): {', '.join(sorted(unknown))}.")
    if fields.get("number"):  # issue 15: checked against its column, never cut
        arguments.text(fields["number"], "The account number", limit=20, error=InvalidAccountData)
    if "next_payment_date" in fields:
        arguments.day(
            fields["next_payment_date"], "The next payment date", error=InvalidAccountData
        )
    if "financial_blocking_threshold" in fields:
        try:
            threshold = Decimal(str(fields["financial_blocking_threshold"]))
        except InvalidOperation:
            raise InvalidAccountData("The financial blocking threshold must be a number.") from None
        if not threshold.is_finite() or abs(threshold) >= 10**12:  # DecimalField(14, 2)
            raise InvalidAccountData("The financial blocking threshold is out of range.")
        if threshold != threshold.quantize(Decimal("0.01")):
            raise InvalidAccountData(
                "The financial blocking threshold must have at most 2 decimals."
            )
        fields["financial_blocking_threshold"] = threshold
    days = fields.get("allowed_negative_days")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 0 <= days < 2**31
    ):
        raise InvalidAccountData(
            "The allowed negative-balance period must be a whole number of days."
        )
    policy = fields.get("dunning_policy")
    policy_model = Account._meta.get_field("dunning_policy").related_model
    if policy is not None and not isinstance(policy, policy_model):
        raise InvalidAccountData(str(MSG_POLICY_NOT_A_POLICY).format(value=policy))
    fields.setdefault("currency", settings.DEFAULT_CURRENCY)
    currency = normalized_currency(fields["currency"])
    if currency is None:
        raise InvalidAccountData(MSG_UNKNOWN_CURRENCY)
    fields["currency"] = currency
    return fields


def _new_account_number() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}"


@transaction.atomic
def create_account(
    *, name: str, actor: Any, status_type: AccountStatusType | str | None = None, **fields: Any
) -> Account:
    """Create an account, Active unless a Prospect type is given, with its first history row."""
    actor = as_actor(actor)
    arguments.text(name, "The name", limit=NAME_LENGTH, error=InvalidAccountData)  # issue 15
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
    fields = resellers.new_account_fields(_clean_account_fields(dict(fields)), actor)
    # R-B2: what was not given comes from the policy (the default one when none is named).
    fields.update(lifecycle.account_defaults(fields))
    reason = get_reason(NEW_ACCOUNT_REASON, status_type.backend_status)
    now = timezone.now()
    given = fields.pop("number", None)
    for _attempt in range(5):
        number = given or _new_account_number()
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
            if given and Account.objects.filter(number=given).exists():  # never another one
                raise InvalidAccountData(MSG_NUMBER_TAKEN.format(number=given)) from None
            if given:
                raise
            continue
    else:  # pragma: no cover - five random collisions in a 9e9 space
        raise InvalidAccountData("Could not allocate an account number; try again.")
    record_history([history_row(account, None, status_type, reason, actor, now, now, note="")])
    return account


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
