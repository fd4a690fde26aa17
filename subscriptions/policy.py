"""What an account's back-end status allows to be done with subscriptions (DESIGN §2, R-CH8).

Pure: given the status, the action and who asks, return why it is refused, or None.
The control panel is the customer acting; operators work in the admin and are limited only where
DESIGN says so for everyone (ordering, trials on credit hold, activating what the hold stopped).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import ActorKind
from accounts.models import BackendStatus as B

from .transitions import Action

ORDER = "order"
BILL_ACCOUNT = "bill_account"
ORDERABLE_IN = frozenset({B.ACTIVE, B.CREDIT_HOLD})
CUSTOMER_MAY_ACT_IN = frozenset({B.ACTIVE, B.CREDIT_HOLD})
OPERATOR_ONLY = frozenset({Action.APPROVE, Action.DENY, BILL_ACCOUNT})
# R-CH8: managing existing subscriptions from the control panel while on credit hold.
LIMITED_ON_CREDIT_HOLD = {
    Action.RENEW: _("renewed"),
    Action.STOP: _("stopped"),
    Action.CHANGE_PLAN: _("moved to another plan (upgrade or downgrade)"),
}

MSG_DELETED = _("Company is deleted.")
MSG_BLOCKED = _(
    "Company is blocked. You are not allowed to perform any actions for this company. "
    "Contact administrator for the further information."
)
MSG_ORDER_STATUS = _(
    "Subscriptions can be ordered only for an account that is Active or on credit hold; "
    "this account is {status}."
)
MSG_CUSTOMER_STATUS = _(
    "The account is {status}: its subscriptions can be changed only by an operator."
)
MSG_OPERATOR_ONLY = _("Only an operator may do this.")
MSG_TRIAL_ON_HOLD = _(
    "Trial subscriptions cannot be ordered while the account is on credit hold. "
    "Top up your balance with {amount} {currency} to lift the hold."
)
MSG_TOP_UP_TO_ACTIVATE = _(
    "This subscription cannot be activated while the account is on credit hold. "
    "Top up your balance with {amount} {currency} and it is restored automatically."
)
MSG_MANAGE_ON_HOLD = _(
    "While the account is on credit hold, subscriptions cannot be {verb} from the control "
    "panel. Top up your balance with {amount} {currency} to lift the hold."
)


@dataclass(frozen=True)
class Refusal:
    message: str  # a template: {status}, {verb}, {amount}, {currency}
    top_up: bool = False  # True: the message names the payment that lifts the hold (R-CH4)
    verb: str = ""


def refusal(
    action: str,
    *,
    backend_status: str,
    actor_kind: str,
    trial: bool = False,
    prepaid_pay_as_you_go: bool = False,
) -> Refusal | None:
    """Say why `action` is refused for an account in `backend_status`, or None when allowed."""
    if backend_status == B.DELETED:
        return Refusal(MSG_DELETED)
    if action in OPERATOR_ONLY and actor_kind != ActorKind.OPERATOR:
        return Refusal(MSG_OPERATOR_ONLY)
    if action == ORDER:
        if backend_status not in ORDERABLE_IN:
            return Refusal(MSG_ORDER_STATUS)
        if backend_status == B.CREDIT_HOLD and trial:
            return Refusal(MSG_TRIAL_ON_HOLD, top_up=True)  # R-CH8
        return None
    if backend_status == B.CREDIT_HOLD:
        if action == Action.ACTIVATE and prepaid_pay_as_you_go:
            return Refusal(MSG_TOP_UP_TO_ACTIVATE, top_up=True)  # R-CH8
        if actor_kind == ActorKind.CUSTOMER and action in LIMITED_ON_CREDIT_HOLD:
            return Refusal(MSG_MANAGE_ON_HOLD, top_up=True, verb=LIMITED_ON_CREDIT_HOLD[action])
    if actor_kind == ActorKind.CUSTOMER and backend_status not in CUSTOMER_MAY_ACT_IN:
        if backend_status == B.ADMINISTRATIVE_HOLD:
            return Refusal(MSG_BLOCKED)
        return Refusal(MSG_CUSTOMER_STATUS)
    return None


def usage_is_billed(backend_status: str, suspended_pays_usage: bool) -> bool:
    """DESIGN §2 usage column: Active and Credit hold yes; Suspended per the policy (R-E6)."""
    if backend_status in (B.ACTIVE, B.CREDIT_HOLD):
        return True
    return backend_status == B.SUSPENDED and suspended_pays_usage
