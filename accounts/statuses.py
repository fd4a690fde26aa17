"""Status types and reasons as the changes read them: look-ups and the R-E3 reason check.

The lowest of accounts' service modules: the change writers (`bulk`, `changes`) and the concern
modules (scheduling, unlocking) import it; it imports none of them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import arguments
from .errors import ReasonNotAllowed, UnknownStatusType
from .models import AccountStatusType, StatusReason
from .transitions import label

MSG_UNKNOWN_TYPE = _("There is no account status type “{name}”.")
MSG_UNKNOWN_REASON = _("There is no status reason “{name}”.")
MSG_REASON_DOES_NOT_FIT = _("The reason “{reason}” cannot be used for the status {status}.")


def get_status_type(status_type: AccountStatusType | str | int) -> AccountStatusType:
    """Resolve a type given as an object, a name or an id; unknown → UnknownStatusType."""
    if isinstance(status_type, AccountStatusType):
        return status_type
    arguments.lookup(status_type, "The status type", error=UnknownStatusType)
    lookup = {"pk": status_type} if isinstance(status_type, int) else {"name": status_type}
    try:
        return AccountStatusType.objects.get(**lookup)
    except (AccountStatusType.DoesNotExist, ValueError, TypeError):
        raise UnknownStatusType(MSG_UNKNOWN_TYPE.format(name=status_type)) from None


def default_status_type(backend_status: str) -> AccountStatusType:
    """Return the type automation uses for a back-end status."""
    found = AccountStatusType.objects.filter(backend_status=backend_status, is_default=True).first()
    if found is None:
        raise UnknownStatusType(MSG_UNKNOWN_TYPE.format(name=f"default {label(backend_status)}"))
    return found


def get_reason(reason: StatusReason | str, backend_status: str) -> StatusReason:
    """Resolve a reason and check it may be used for `backend_status` (R-E3)."""
    if not isinstance(reason, StatusReason):
        arguments.lookup(reason, "The reason", error=ReasonNotAllowed)
        try:
            reason = StatusReason.objects.get(name=reason)
        except StatusReason.DoesNotExist:
            raise ReasonNotAllowed(MSG_UNKNOWN_REASON.format(name=reason)) from None
    if not reason.fits(backend_status):
        raise ReasonNotAllowed(
            MSG_REASON_DOES_NOT_FIT.format(reason=reason.name, status=label(backend_status))
        )
    return reason
