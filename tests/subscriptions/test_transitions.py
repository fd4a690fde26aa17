"""DESIGN §4's subscription statuses: every (status, action) pair, allowed or refused."""

import pytest

from subscriptions.errors import InvalidSubscriptionTransition
from subscriptions.models import SubscriptionStatus
from subscriptions.transitions import Action, next_state, settled

# Written out by hand so the test does not trust the code's copy. "restore" = the status the
# subscription had before the credit hold (Active or Graced), R-CH7b and R-CH9.
GRID = """
activating    complete=active
renewing      complete=active
updating      complete=active
stopping      complete=stopped
deleting      complete=cancelled
active        change_plan=updating stop=stopping expire=graced hold_stop=stopped hold_for_approval=waiting_for_manual_approve cancel=deleting
graced        renew=renewing stop=stopping grace_ended=stopped hold_stop=stopped hold_for_approval=waiting_for_manual_approve cancel=deleting
stopped       activate=activating release_hold=restore cancel=deleting
waiting_for_manual_approve approve=restore deny=stopped release_hold=restore cancel=deleting
cancelled
"""
EXPECTED = {
    (line.split()[0], pair.split("=")[0]): pair.split("=")[1]
    for line in GRID.strip().splitlines()
    for pair in line.split()[1:]
}
ALL_PAIRS = [(status, action) for status in SubscriptionStatus for action in Action.ALL]


def test_the_grid_names_every_status():
    assert {line.split()[0] for line in GRID.strip().splitlines()} == set(SubscriptionStatus)


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
@pytest.mark.parametrize("remembered", ["", "active", "graced"])
def test_every_status_and_action_is_allowed_or_refused_as_the_grid_says(status, action, remembered):
    expected = EXPECTED.get((status, action))
    if expected == "restore":
        expected = remembered or None
    if expected is None:
        with pytest.raises(InvalidSubscriptionTransition) as refused:
            next_state(status, action, remembered=remembered)
        assert refused.value.message
    else:
        assert next_state(status, action, remembered=remembered) == expected


def test_an_unknown_action_is_refused():
    with pytest.raises(InvalidSubscriptionTransition, match="not a subscription action"):
        next_state("active", "teleport")


def test_a_transitional_status_asks_to_wait_for_its_operation():
    with pytest.raises(InvalidSubscriptionTransition, match="wait until that operation completes"):
        next_state("activating", "stop")


@pytest.mark.parametrize(
    ("status", "stable"),
    [
        ("activating", "active"),
        ("renewing", "active"),
        ("updating", "active"),
        ("stopping", "stopped"),
        ("deleting", "cancelled"),
        ("active", "active"),
        ("graced", "graced"),
        ("stopped", "stopped"),
        ("waiting_for_manual_approve", "waiting_for_manual_approve"),
        ("cancelled", "cancelled"),
    ],
)
def test_r_ch7_a_transitional_status_settles_to_the_stable_status_its_operation_leads_to(
    status, stable
):
    assert settled(status) == stable
