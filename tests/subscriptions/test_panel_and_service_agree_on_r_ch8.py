"""R-CH8 has two readers — the control panel's access table (accounts.panel.access, which decides
what a page offers) and the subscriptions service's policy (subscriptions.policy, which decides
what a call does). They must give one answer: a customer on credit hold may cancel a subscription
(cancel is not in R-CH8's list) and may not renew, stop or change its plan."""

from __future__ import annotations

import itertools

import pytest

from accounts.actors import ActorKind
from accounts.models import BackendStatus as S
from accounts.panel import access
from accounts.panel.access import Capability as C
from subscriptions import policy
from subscriptions.transitions import Action

# The panel's capability that gates each customer action on an existing subscription.
GATES = {
    Action.RENEW: C.MANAGE_SUBSCRIPTIONS,
    Action.STOP: C.MANAGE_SUBSCRIPTIONS,
    Action.CHANGE_PLAN: C.MANAGE_SUBSCRIPTIONS,
    Action.CANCEL: C.CANCEL_SUBSCRIPTIONS,
}
ENTERABLE = [s for s in S.values if access.may_enter(s)]


@pytest.mark.parametrize(("status", "action"), list(itertools.product(ENTERABLE, GATES)))
def test_r_ch8_the_panel_offers_an_action_exactly_when_the_service_allows_it(status, action):
    panel_allows = access.allows(status, GATES[action])
    service_refusal = policy.refusal(action, backend_status=status, actor_kind=ActorKind.CUSTOMER)
    assert panel_allows is (service_refusal is None), (status, action, service_refusal)


def test_r_ch8_a_customer_on_credit_hold_may_cancel_but_not_renew():
    assert access.allows(S.CREDIT_HOLD, C.CANCEL_SUBSCRIPTIONS)
    assert not access.allows(S.CREDIT_HOLD, C.MANAGE_SUBSCRIPTIONS)
    assert (
        policy.refusal(Action.CANCEL, backend_status=S.CREDIT_HOLD, actor_kind="customer") is None
    )
    assert policy.refusal(Action.RENEW, backend_status=S.CREDIT_HOLD, actor_kind="customer")
