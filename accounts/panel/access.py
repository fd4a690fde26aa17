"""The one access table of the control panel and the service API (DESIGN §2, R-C2, R-CH8).

Every panel view names the capability it needs and every API call asks `may_use_services`; the
answer comes from TABLE and nowhere else (templates only hide what the table already refuses).
Pure: no ORM, no request; the amount a message names is passed in.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from accounts.models import BackendStatus as B
from accounts.resellers import contact_for


class Capability(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_TRANSACTIONS = "view_transactions"
    VIEW_CHARGES = "view_charges"  # charges and invoices
    PAY = "pay"  # top up, pay the amount that lifts a hold
    VIEW_SUBSCRIPTIONS = "view_subscriptions"
    ORDER_COMMERCIAL = "order_commercial"
    ORDER_TRIAL = "order_trial"
    # Manual activation of a stopped subscription: on credit hold the subscriptions service still
    # refuses a prepaid pay-as-you-go one with the top-up message and payment link (R-CH8).
    ACTIVATE_SUBSCRIPTIONS = "activate_subscriptions"
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions"  # renew, stop, change plan (upgrade, downgrade)
    # Cancel (R-E5) and withdraw a cancellation: not in R-CH8's list, so allowed on credit hold —
    # the subscriptions service (subscriptions.policy) agrees; a test holds the two together.
    CANCEL_SUBSCRIPTIONS = "cancel_subscriptions"
    USE_SERVICES = "use_services"  # every subscription's service
    # Credit hold: only postpaid subscriptions and Active/Graced ones, i.e. those R-CH7 left
    # running (DESIGN §2 "service use" column).
    USE_RUNNING_SUBSCRIPTIONS = "use_running_subscriptions"
    VIEW_PROFILE = "view_profile"
    EDIT_PROFILE = "edit_profile"


C = Capability
READ_ONLY = frozenset(
    {C.VIEW_DASHBOARD, C.VIEW_TRANSACTIONS, C.VIEW_CHARGES, C.VIEW_SUBSCRIPTIONS, C.VIEW_PROFILE}
)
FULL = frozenset(C) - {C.USE_RUNNING_SUBSCRIPTIONS}

# back-end status → what its users may do. A status with no row is blocked: no page at all.
TABLE: dict[str, frozenset[Capability]] = {
    B.PROSPECT: READ_ONLY,
    B.ACTIVE: FULL,
    # R-C2, seed "Managing Account statuses": transactions and top-up, ordering non-trial
    # subscriptions, charges, services of Active/Graced subscriptions; no managing (R-CH8).
    B.CREDIT_HOLD: READ_ONLY
    | {
        C.PAY,
        C.ORDER_COMMERCIAL,
        C.ACTIVATE_SUBSCRIPTIONS,
        C.CANCEL_SUBSCRIPTIONS,
        C.USE_RUNNING_SUBSCRIPTIONS,
    },
    # R-D2: "account info and payment only".
    B.SUSPENDED: frozenset({C.VIEW_DASHBOARD, C.VIEW_PROFILE, C.PAY}),
}

MSG_BLOCKED = _(
    "Company is blocked. You are not allowed to perform any actions for this company. "
    "Contact administrator for the further information."
)
MSG_DELETED = _("Company is deleted.")
MSG_CANCELLED = _(
    "Company is cancelled. You cannot sign in to this company any more; contact administrator "
    "to reactivate it."
)
# R-R1: a reseller's customers are sent to their reseller (accounts.resellers.contact_for).
MSG_BLOCKED_RESELLER = _(
    "Company is blocked. You are not allowed to perform any actions for this company. "
    "Contact your reseller {contact} for the further information."
)
MSG_CANCELLED_RESELLER = _(
    "Company is cancelled. You cannot sign in to this company any more; contact your reseller "
    "{contact} to reactivate it."
)
RESELLER_BLOCKED_MESSAGES = {
    B.ADMINISTRATIVE_HOLD: MSG_BLOCKED_RESELLER,
    B.CANCELLED: MSG_CANCELLED_RESELLER,
    B.DELETED: MSG_DELETED,
}
BLOCKED_MESSAGES = {
    B.ADMINISTRATIVE_HOLD: MSG_BLOCKED,
    B.CANCELLED: MSG_CANCELLED,  # R-D3 "Terminated": no login; an operator re-enables it
    B.DELETED: MSG_DELETED,
}

MSG_PROSPECT = _(
    "This company is a prospect: the control panel is read-only until the company is activated."
)
MSG_SUSPENDED = _(
    "This company is suspended: the control panel offers account information and payment only. "
    "Pay the outstanding balance to reactivate it."
)
MSG_CREDIT_HOLD = _(
    "This company is on credit hold: only financial operations are available. "
    "Top up your balance with {amount} {currency} to lift the hold."
)
# R-CH8. Customers read no rule ids (issue 18).
MSG_MANAGE_ON_HOLD = _(
    "While the company is on credit hold, subscriptions cannot be renewed, stopped "
    "or moved to another plan from the control panel. Top up your balance with "
    "{amount} {currency} to lift the hold."
)
MSG_TRIAL_ON_HOLD = _(
    "Trial subscriptions cannot be ordered while the company is on credit hold. "
    "Top up your balance with {amount} {currency} to lift the hold."
)
MSG_NOT_AVAILABLE = _("This page is not available for this company in its current status.")
MSG_SERVICE_REFUSED = "ERROR: Account is locked or Invalid"  # R-G1: the seed's exact text

REFUSALS = {
    B.PROSPECT: MSG_PROSPECT,
    B.SUSPENDED: MSG_SUSPENDED,
    B.CREDIT_HOLD: MSG_CREDIT_HOLD,
}
SPECIFIC_REFUSALS = {
    (B.CREDIT_HOLD, C.MANAGE_SUBSCRIPTIONS): MSG_MANAGE_ON_HOLD,
    (B.CREDIT_HOLD, C.ORDER_TRIAL): MSG_TRIAL_ON_HOLD,
}
# Refusals that name the payment that lifts the hold (R-CH4), so the page shows its link (R-CH6).
TOP_UP_STATUSES = frozenset({B.CREDIT_HOLD})


def capabilities(backend_status: str) -> frozenset[Capability]:
    return TABLE.get(backend_status, frozenset())


def may_enter(backend_status: str) -> bool:
    """Blocked statuses (administrative hold, cancelled, deleted) open no page of the company."""
    return backend_status in TABLE


def allows(backend_status: str, capability: Capability) -> bool:
    return capability in capabilities(backend_status)


def blocked_message(backend_status: str, account: object = None) -> str:
    """The blocked-company text; for a reseller's account it names the reseller's contact
    (R-R1) instead of "administrator"."""
    contact = contact_for(account)
    if not contact.is_reseller:
        return str(BLOCKED_MESSAGES.get(backend_status, MSG_BLOCKED))
    message = RESELLER_BLOCKED_MESSAGES.get(backend_status, MSG_BLOCKED_RESELLER)
    return str(message).format(contact=contact.described)


def refusal_message(
    backend_status: str, capability: Capability, *, amount: object = "", currency: str = ""
) -> str:
    """Why `capability` is refused in `backend_status`; '' when the table allows it."""
    if not may_enter(backend_status):
        return blocked_message(backend_status)
    if allows(backend_status, capability):
        return ""
    template = SPECIFIC_REFUSALS.get((backend_status, capability)) or REFUSALS.get(
        backend_status, MSG_NOT_AVAILABLE
    )
    return str(template).format(amount=amount, currency=currency)


def may_use_services(backend_status: str, *, has_running_subscription: bool) -> bool:
    """DESIGN §2 "service use": Active yes; credit hold only with a running subscription."""
    caps = capabilities(backend_status)
    if C.USE_SERVICES in caps:
        return True
    return C.USE_RUNNING_SUBSCRIPTIONS in caps and has_running_subscription
