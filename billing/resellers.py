"""Billing's side of a reseller move (R-R2): an account whose policy was its old reseller's
takes its new reseller's default policy (the provider's default when it has none), through
assign_policy, which audits the policy, period and threshold it changes (R-B2)."""

from accounts.resellers import PROVIDER_LABEL

from .hooks import reseller_default_policy
from .services import assign_policy

MSG_POLICY_FOLLOWS = "Moved to {reseller}: its policy was {old}'s (R-R2)."


def follow_reseller(account, old, new, actor) -> None:
    """Called by accounts.resellers.move_account in its transaction."""
    policy = account.dunning_policy
    if policy is None or policy.reseller_id is None:
        return  # the provider's policies fit every account
    if new is not None and policy.reseller_id == new.pk:
        return
    default = reseller_default_policy(new)
    if default is None:
        return
    reason = MSG_POLICY_FOLLOWS.format(
        reseller=new.name if new else PROVIDER_LABEL, old=old.name if old else PROVIDER_LABEL
    )
    assign_policy(account, default, actor=actor, reason=reason)
