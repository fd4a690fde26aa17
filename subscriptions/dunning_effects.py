"""R-D6 on the subscriptions side: a dunning step that cancels the account's subscriptions, at
once with a prorated credit or at the end of the period (Kill Bill's IMMEDIATE / END_OF_TERM);
Terminated (R-D3) always cancels them, and the cancellation releases their resources (Allocated →
Available). Registered with billing.step_effects in SubscriptionsConfig.ready(); runs in the
sweep's transaction through the one cancellation service (cancellation.cancel, R-E5)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.actors import Actor
from billing.step_effects import EffectRequest

from .cancellation import (
    IMMEDIATELY_PRORATED_REFUND,
    PERIOD_END,
    cancel,
    withdraw_cancellation,
)
from .errors import SubscriptionsError
from .models import Subscription
from .transitions import TRANSITIONAL

OPTION = {"cancel_now": IMMEDIATELY_PRORATED_REFUND, "cancel_period_end": PERIOD_END}


def cancel_for_dunning(requests: list[EffectRequest], today: date) -> int:
    """Cancel the live subscriptions of each account with its step's option; returns how many
    were cancelled or scheduled. A subscription in a transitional status other than Deleting
    settles first elsewhere; one the lifecycle refuses is left as it is (its savepoint)."""
    done = 0
    for request in requests:
        actor = Actor.system(request.rule_id)
        subs = (
            Subscription.objects.live()
            .filter(account_id=request.account_id)
            .exclude(status=Subscription.Status.DELETING)
            .order_by("pk")
        )
        for sub in subs:
            done += _cancel_one(sub, request, actor, today)
    return done


def _cancel_one(sub: Subscription, request: EffectRequest, actor: Actor, today: date) -> int:
    option = OPTION[request.effect]
    if sub.cancel_on is not None and (option == PERIOD_END or sub.cancel_on <= today):
        return 0  # already going by then: the earlier plan stands
    if sub.status in TRANSITIONAL:
        return 0  # the provider's report settles it first (R-CH7's rule); the next step acts
    try:
        with transaction.atomic():  # a refusal leaves this subscription as it was
            if sub.cancel_on is not None:  # scheduled later: at once now (R-D6)
                withdraw_cancellation(sub, actor=actor)
            cancel(sub, option=option, actor=actor, today=today)
    except SubscriptionsError:
        return 0
    return 1
