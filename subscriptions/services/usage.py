"""Usage a subscription's service reports, posted only in the statuses that bill usage (R-E6)."""

from __future__ import annotations

from typing import Any

from accounts.actors import as_actor
from accounts.models import Account
from billing import services as billing

from ..models import Subscription
from ..policy import usage_is_billed


def record_usage(subscription: Subscription, amount, *, description: str, actor: Any):
    """Post usage to the account when its status bills usage (DESIGN §2, R-E6); else None."""
    actor = as_actor(actor)
    value = billing.parse_amount(amount)
    account = Account.objects.select_related("status_type").get(pk=subscription.account_id)
    policy = billing.policy_for(account)
    if not usage_is_billed(account.status_type.backend_status, policy.suspended_pays_usage):
        return None
    return billing.post_usage(
        account, value, description=f"{subscription.plan.name}: {description}", actor=actor
    )
