"""The subscription transition table (DESIGN §4) and a pure next_state().

No ORM, no clock. A transitional status (Activating, Renewing, Updating, Stopping, Deleting) is an
operation in progress; its only way out is `complete`, which gives the stable status the operation
leads to — the "corresponding stable status" R-CH7 settles to before applying the hold.
"""

from .errors import InvalidSubscriptionTransition
from .models import Plan, SubscriptionStatus

S = SubscriptionStatus
RESTORE = "restore"  # the target is the status remembered before the credit hold (R-CH9, R-CH7b)
RESTORABLE = frozenset({S.ACTIVE, S.GRACED})
TRANSITIONAL = frozenset({S.ACTIVATING, S.RENEWING, S.UPDATING, S.STOPPING, S.DELETING})
STABLE = frozenset(S) - TRANSITIONAL


class Action:
    COMPLETE = "complete"  # provisioning finished the operation in progress
    ACTIVATE = "activate"  # manual activation / Enable of a stopped subscription
    RENEW = "renew"
    CHANGE_PLAN = "change_plan"  # also upgrade and downgrade
    STOP = "stop"  # also Suspend
    EXPIRE = "expire"  # the period ended without renewal: Graced
    GRACE_ENDED = "grace_ended"
    HOLD_STOP = "hold_stop"  # R-CH7, service terms "Stopped"
    HOLD_FOR_APPROVAL = "hold_for_approval"  # R-CH7, service terms "Waiting for manual approve"
    APPROVE = "approve"  # R-CH7b
    DENY = "deny"  # R-CH7b
    RELEASE_HOLD = "release_hold"  # R-CH9
    CANCEL = "cancel"  # R-E5

    ALL = (
        COMPLETE,
        ACTIVATE,
        RENEW,
        CHANGE_PLAN,
        STOP,
        EXPIRE,
        GRACE_ENDED,
        HOLD_STOP,
        HOLD_FOR_APPROVAL,
        APPROVE,
        DENY,
        RELEASE_HOLD,
        CANCEL,
    )


A = Action
TABLE: dict[tuple[str, str], str] = {
    (S.ACTIVATING, A.COMPLETE): S.ACTIVE,
    (S.RENEWING, A.COMPLETE): S.ACTIVE,
    (S.UPDATING, A.COMPLETE): S.ACTIVE,
    (S.STOPPING, A.COMPLETE): S.STOPPED,
    (S.DELETING, A.COMPLETE): S.CANCELLED,
    (S.STOPPED, A.ACTIVATE): S.ACTIVATING,
    (S.GRACED, A.RENEW): S.RENEWING,
    (S.ACTIVE, A.CHANGE_PLAN): S.UPDATING,
    (S.ACTIVE, A.STOP): S.STOPPING,
    (S.GRACED, A.STOP): S.STOPPING,
    (S.ACTIVE, A.EXPIRE): S.GRACED,
    (S.GRACED, A.GRACE_ENDED): S.STOPPED,
    (S.ACTIVE, A.HOLD_STOP): S.STOPPED,
    (S.GRACED, A.HOLD_STOP): S.STOPPED,
    (S.ACTIVE, A.HOLD_FOR_APPROVAL): S.WAITING_FOR_MANUAL_APPROVE,
    (S.GRACED, A.HOLD_FOR_APPROVAL): S.WAITING_FOR_MANUAL_APPROVE,
    (S.WAITING_FOR_MANUAL_APPROVE, A.APPROVE): RESTORE,
    (S.WAITING_FOR_MANUAL_APPROVE, A.DENY): S.STOPPED,
    (S.STOPPED, A.RELEASE_HOLD): RESTORE,
    (S.WAITING_FOR_MANUAL_APPROVE, A.RELEASE_HOLD): RESTORE,
    (S.ACTIVE, A.CANCEL): S.DELETING,
    (S.GRACED, A.CANCEL): S.DELETING,
    (S.STOPPED, A.CANCEL): S.DELETING,
    (S.WAITING_FOR_MANUAL_APPROVE, A.CANCEL): S.DELETING,
}


# R-CH7: the plan's service terms say which action the hold takes on an in-service subscription.
# Both paths read it: hooks.hold_each per object, sql_effects.HOLD as one statement's CASE.
HOLD_ACTION: dict[str, str] = {
    Plan.OnCreditHold.STOP: A.HOLD_STOP,
    Plan.OnCreditHold.MANUAL_APPROVE: A.HOLD_FOR_APPROVAL,
}


def label(status: str) -> str:
    return str(S(status).label)


def next_state(current: str, action: str, *, remembered: str = "") -> str:
    """Return the status `action` leads to from `current`, or raise InvalidSubscriptionTransition."""
    if action not in Action.ALL:
        raise InvalidSubscriptionTransition(f"“{action}” is not a subscription action.")
    target = TABLE.get((current, action))
    if target is None:
        if current in TRANSITIONAL:
            raise InvalidSubscriptionTransition(
                f"The subscription is {label(current)}: wait until that operation completes."
            )
        if current == S.CANCELLED:
            raise InvalidSubscriptionTransition("The subscription is cancelled: order a new one.")
        raise InvalidSubscriptionTransition(
            f"A subscription that is {label(current)} cannot {action.replace('_', ' ')}."
        )
    if target == RESTORE:
        if remembered not in RESTORABLE:
            raise InvalidSubscriptionTransition(
                f"The subscription is {label(current)} but not because of a credit hold: "
                "there is no earlier status to return it to."
            )
        return remembered
    return target


def settled(current: str) -> str:
    """The stable status a transitional one completes to (R-CH7); a stable one is itself."""
    if current in TRANSITIONAL:
        return TABLE[(current, Action.COMPLETE)]
    return current
