"""How subscriptions' rows belong to a reseller (R-R3), registered with accounts.scoping from
SubscriptionsConfig.ready(). Plans are the provider's catalogue: every operator sees them, only
provider operators change them. A resource in the pool (no subscription) is the provider's."""

from accounts import scoping


def register() -> None:
    from . import models as m

    scoping.register(m.Plan, scoping.SHARED)
    scoping.register(m.Subscription, "account__reseller")
    scoping.register(m.SubscriptionChange, "subscription__account__reseller")
    scoping.register(m.Resource, "subscription__account__reseller")
