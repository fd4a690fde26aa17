"""What each account back-end status lets each actor do with subscriptions (DESIGN §2, R-CH8):
every (action, status, actor) triple, written out by hand."""

import pytest

from accounts.models import BackendStatus as B
from subscriptions.policy import MSG_BLOCKED, MSG_DELETED, refusal, usage_is_billed

ACTIONS = ["order", "order_trial", "activate", "activate_payg", "renew", "stop", "change_plan"]
ACTIONS += ["cancel", "approve", "deny", "bill_account", "complete"]
ACTORS = ["operator", "customer", "system"]
# Per status: the actions each actor may take ("*" = all); anything else is refused.
# top-up = refused with the amount that lifts the credit hold (R-CH8).
ALLOWED = {
    B.ACTIVE: {
        "operator": "*",
        "customer": "order order_trial activate activate_payg renew stop change_plan cancel complete",
        "system": "order order_trial activate activate_payg renew stop change_plan cancel complete",
    },
    B.CREDIT_HOLD: {
        "operator": "order activate renew stop change_plan cancel approve deny bill_account complete",
        "customer": "order activate cancel complete",
        "system": "order activate renew stop change_plan cancel complete",
    },
}
OTHER_STATUSES = [B.PROSPECT, B.SUSPENDED, B.ADMINISTRATIVE_HOLD, B.CANCELLED]
for _status in OTHER_STATUSES:  # no ordering; operators and automation may still manage
    ALLOWED[_status] = {
        "operator": "activate activate_payg renew stop change_plan cancel approve deny bill_account complete",
        "customer": "",
        "system": "activate activate_payg renew stop change_plan cancel complete",
    }
ALLOWED[B.DELETED] = {"operator": "", "customer": "", "system": ""}
TOP_UP = {
    ("order_trial", "operator"),
    ("order_trial", "customer"),
    ("order_trial", "system"),
    ("activate_payg", "operator"),
    ("activate_payg", "customer"),
    ("activate_payg", "system"),
    ("renew", "customer"),
    ("stop", "customer"),
    ("change_plan", "customer"),
}


def ask(action, status, actor):
    name = {"order_trial": "order", "activate_payg": "activate"}.get(action, action)
    return refusal(
        name,
        backend_status=status,
        actor_kind=actor,
        trial=action == "order_trial",
        prepaid_pay_as_you_go=action == "activate_payg",
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", list(B))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_status_and_actor_is_allowed_or_refused_as_written(action, status, actor):
    allowed = ALLOWED[status][actor]
    refused = ask(action, status, actor)
    if allowed == "*" or action in allowed.split():
        assert refused is None
        return
    assert refused is not None and refused.message
    if status == B.CREDIT_HOLD:
        assert refused.top_up == ((action, actor) in TOP_UP)
    if status == B.DELETED:
        assert refused.message == MSG_DELETED
    if (
        status == B.ADMINISTRATIVE_HOLD
        and actor == "customer"
        and action
        not in (
            "order",
            "order_trial",
            "approve",
            "deny",
            "bill_account",
        )
    ):
        assert refused.message == MSG_BLOCKED


@pytest.mark.parametrize(
    ("status", "flag", "billed"),
    [
        (s, f, s in (B.ACTIVE, B.CREDIT_HOLD) or (s == B.SUSPENDED and f))
        for s in B
        for f in (True, False)
    ],
)
def test_r_e6_usage_is_billed_in_active_and_credit_hold_and_when_suspended_per_policy(
    status, flag, billed
):
    assert usage_is_billed(status, flag) == billed
