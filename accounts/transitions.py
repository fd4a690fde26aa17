"""The account transition table of DESIGN §2 (R-C1, R-E7) and a pure next_state().

No ORM, no clock: given the back-end statuses, who asks and under which rule, say yes or why not.
"""

from dataclasses import dataclass

from .errors import InvalidTransition
from .models import ActorKind, BackendStatus

S = BackendStatus
OPERATOR = frozenset({ActorKind.OPERATOR})
AUTOMATIC = frozenset({ActorKind.SYSTEM})
EITHER = frozenset({ActorKind.OPERATOR, ActorKind.SYSTEM})


@dataclass(frozen=True)
class Allowed:
    actors: frozenset
    only_rules: frozenset = frozenset()  # non-empty: allowed only while applying one of these rules


# (from, to) → who may do it. Same-status pairs are "type changes". Anything absent is refused.
TABLE: dict[tuple[str, str], Allowed] = {
    (S.PROSPECT, S.PROSPECT): Allowed(OPERATOR),
    (S.PROSPECT, S.ACTIVE): Allowed(OPERATOR),
    (S.PROSPECT, S.CANCELLED): Allowed(OPERATOR),
    (S.PROSPECT, S.DELETED): Allowed(OPERATOR),
    (S.ACTIVE, S.ACTIVE): Allowed(EITHER),
    (S.ACTIVE, S.CREDIT_HOLD): Allowed(AUTOMATIC),  # R-CH1, R-CH3, dunning
    (S.ACTIVE, S.SUSPENDED): Allowed(EITHER),
    (S.ACTIVE, S.ADMINISTRATIVE_HOLD): Allowed(EITHER),  # R-G1 lock, or operator
    (S.ACTIVE, S.CANCELLED): Allowed(EITHER),
    (S.ACTIVE, S.DELETED): Allowed(OPERATOR),  # R-C4
    (S.CREDIT_HOLD, S.ACTIVE): Allowed(AUTOMATIC),  # R-CH5, R-D4: only on payment
    (S.CREDIT_HOLD, S.CREDIT_HOLD): Allowed(EITHER),
    (S.CREDIT_HOLD, S.SUSPENDED): Allowed(EITHER),
    (S.CREDIT_HOLD, S.ADMINISTRATIVE_HOLD): Allowed(EITHER),
    (S.CREDIT_HOLD, S.CANCELLED): Allowed(EITHER),
    (S.CREDIT_HOLD, S.DELETED): Allowed(OPERATOR),
    (S.SUSPENDED, S.ACTIVE): Allowed(EITHER),  # R-D4, or operator
    (S.SUSPENDED, S.SUSPENDED): Allowed(EITHER),
    (S.SUSPENDED, S.ADMINISTRATIVE_HOLD): Allowed(OPERATOR),
    (S.SUSPENDED, S.CANCELLED): Allowed(EITHER),  # dunning R-D3, or operator
    (S.SUSPENDED, S.DELETED): Allowed(OPERATOR),
    (S.ADMINISTRATIVE_HOLD, S.ACTIVE): Allowed(OPERATOR),  # Unlock, R-G2
    (S.ADMINISTRATIVE_HOLD, S.CREDIT_HOLD): Allowed(EITHER, frozenset({"R-CH2"})),
    (S.ADMINISTRATIVE_HOLD, S.ADMINISTRATIVE_HOLD): Allowed(EITHER),
    (S.ADMINISTRATIVE_HOLD, S.CANCELLED): Allowed(OPERATOR),
    (S.ADMINISTRATIVE_HOLD, S.DELETED): Allowed(OPERATOR),
    (S.CANCELLED, S.ACTIVE): Allowed(OPERATOR),  # "Enable", R-D3 reactivation fee
    (S.CANCELLED, S.CANCELLED): Allowed(EITHER),
    (S.CANCELLED, S.DELETED): Allowed(OPERATOR),
}

CREDIT_HOLD_IS_MONEY = (
    "Credit hold follows the money (R-CH1, R-CH5): to put an account on or off credit hold, "
    "change its financial blocking threshold or its balance (an adjustment or a payment), "
    "not its status."
)


ENABLE_RULE = "R-D3"
MSG_ENABLE_CHARGES_THE_FEE = (
    "Cannot change the status from Cancelled to Active here: the account was cancelled for "
    "non-payment, and only Enable returns it to Active, charging the reactivation fee (R-D3) "
    "after a preview. Use Enable in the account's gear menu."
)


def check_leaving_cancellation(current: str, target: str, *, non_payment: bool, rule_id: str):
    """Issue 15 #6: every path out of a non-payment cancellation (Change status, a scheduled
    change when due, a bulk change) is Enable's, which charges R-D3's fee; the rest are refused
    with a pointer to it. Enable applies rule R-D3."""
    if current == S.CANCELLED and target == S.ACTIVE and non_payment and rule_id != ENABLE_RULE:
        raise InvalidTransition(MSG_ENABLE_CHARGES_THE_FEE)


def label(status: str) -> str:
    return str(S(status).label)


def next_state(current: str, target: str, actor_kind: str, rule_id: str = "") -> str:
    """Return `target` if `actor_kind` may move an account from `current` to it, else raise."""
    allowed = TABLE.get((current, target))
    # The common case first (the table has no Deleted→ and no →Prospect pairs).
    if (
        allowed is not None
        and actor_kind in allowed.actors
        and (not allowed.only_rules or rule_id in allowed.only_rules)
    ):
        return target
    route = f"from {label(current)} to {label(target)}"  # only a refusal pays for the words
    if current == S.DELETED:
        raise InvalidTransition(f"Cannot change the status {route}: Deleted is final.")
    if target == S.PROSPECT and current != S.PROSPECT:
        raise InvalidTransition(
            f"Cannot change the status {route}: an account never returns to Prospect (R-E7)."
        )
    if allowed is None:
        raise InvalidTransition(
            f"Cannot change the status {route}: the lifecycle does not allow it."
        )
    if allowed.only_rules and rule_id not in allowed.only_rules:
        rules = ", ".join(sorted(allowed.only_rules))
        raise InvalidTransition(f"Cannot change the status {route} except through {rules}.")
    if actor_kind not in allowed.actors:
        if allowed.actors == AUTOMATIC and S.CREDIT_HOLD in (current, target):
            raise InvalidTransition(
                f"Cannot change the status {route} by hand. {CREDIT_HOLD_IS_MONEY}"
            )
        who = "an operator" if allowed.actors == OPERATOR else "an operator or the system"
        raise InvalidTransition(f"Cannot change the status {route}: only {who} may do that.")
    return target
