"""Every write to subscriptions goes through here: guard → lock → check → save → history, and
money last through billing (a charge may start a credit hold whose R-CH7 listener changes
subscriptions in the same transaction, so nothing is saved from a stale copy after it).

Services take `today` for the dates they compute (R-X7); `await_provisioning=True` leaves the
subscription in its transitional status until `complete_operation` (the provider reports back).

One module per concern; this package re-exports the public names, so callers keep writing
`subscriptions.services.order(...)` and `subscriptions.services.cancel(...)` (DESIGN §6).
Submodules import each other directly, never this package (that would be an import cycle).
"""

from ..cancellation import CANCEL_OPTIONS, cancel, withdraw_cancellation
from ..charging import bill_account, run_subscription_charges
from ..pool import MSG_NO_RESOURCES
from .activation import (
    ENABLE_OPTIONS,
    MSG_BAD_OPTION,
    MSG_POSTPAID_ENABLE,
    MSG_TRIAL_OVER,
    STOP_OPTIONS,
    activate,
    stop,
)
from .approval import approve, deny
from .managing import (
    MSG_CANCEL_PENDING,
    MSG_NOT_DOWNGRADE,
    MSG_NOT_UPGRADE,
    MSG_OTHER_MODEL,
    MSG_OTHER_SERVICE,
    MSG_SAME_PLAN,
    change_plan,
    downgrade,
    renew,
    upgrade,
)
from .ordering import (
    MSG_NO_TRIAL,
    MSG_NOT_ORDERABLE,
    MSG_PLAN_CURRENCY,
    MSG_UNKNOWN_PLAN,
    complete_operation,
    get_plan,
    order,
    quote_order,
)
from .resources import MSG_RELEASED_TWICE, release_resource
from .usage import record_usage

__all__ = [
    "CANCEL_OPTIONS",
    "ENABLE_OPTIONS",
    "MSG_BAD_OPTION",
    "MSG_CANCEL_PENDING",
    "MSG_NOT_DOWNGRADE",
    "MSG_NOT_ORDERABLE",
    "MSG_NOT_UPGRADE",
    "MSG_NO_RESOURCES",
    "MSG_NO_TRIAL",
    "MSG_OTHER_MODEL",
    "MSG_OTHER_SERVICE",
    "MSG_PLAN_CURRENCY",
    "MSG_POSTPAID_ENABLE",
    "MSG_RELEASED_TWICE",
    "MSG_SAME_PLAN",
    "MSG_TRIAL_OVER",
    "MSG_UNKNOWN_PLAN",
    "STOP_OPTIONS",
    "activate",
    "approve",
    "bill_account",
    "cancel",
    "change_plan",
    "complete_operation",
    "deny",
    "downgrade",
    "get_plan",
    "order",
    "quote_order",
    "record_usage",
    "release_resource",
    "renew",
    "run_subscription_charges",
    "stop",
    "upgrade",
    "withdraw_cancellation",
]
