"""The pure transition table against DESIGN §2 (R-C1, R-E7, R-C4), every pair and actor."""

import pytest

from accounts.errors import InvalidTransition
from accounts.models import BackendStatus as S
from accounts.transitions import label, next_state
from tests.accounts.expected import ALL_CASES, allowed


@pytest.mark.parametrize(("current", "target", "actor_kind"), ALL_CASES)
def test_r_c1_next_state_follows_the_design_table(current, target, actor_kind):
    if allowed(current, target, actor_kind):
        assert next_state(current, target, actor_kind) == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            next_state(current, target, actor_kind)
        assert label(current) in refused.value.message
        assert label(target) in refused.value.message


@pytest.mark.parametrize("actor_kind", ["operator", "system"])
def test_r_ch2_admin_hold_goes_to_credit_hold_only_through_r_ch2(actor_kind):
    assert next_state(S.ADMINISTRATIVE_HOLD, S.CREDIT_HOLD, actor_kind, "R-CH2") == S.CREDIT_HOLD
    with pytest.raises(InvalidTransition, match="R-CH2"):
        next_state(S.ADMINISTRATIVE_HOLD, S.CREDIT_HOLD, actor_kind, "R-CH1")


@pytest.mark.parametrize("current", [s for s in S if s not in (S.PROSPECT, S.DELETED)])
def test_r_e7_prospect_is_never_re_entered(current):
    with pytest.raises(InvalidTransition, match="never returns to Prospect"):
        next_state(current, S.PROSPECT, "operator")


@pytest.mark.parametrize("target", list(S))
def test_r_c4_deleted_is_terminal(target):
    with pytest.raises(InvalidTransition, match="Deleted is final"):
        next_state(S.DELETED, target, "operator")


@pytest.mark.parametrize(
    ("current", "target"), [(S.ACTIVE, S.CREDIT_HOLD), (S.CREDIT_HOLD, S.ACTIVE)]
)
def test_operator_asking_for_credit_hold_is_told_to_change_threshold_or_balance(current, target):
    with pytest.raises(InvalidTransition, match="financial blocking threshold or its balance"):
        next_state(current, target, "operator")


def test_only_an_operator_may_delete_r_c4():
    with pytest.raises(InvalidTransition, match="only an operator"):
        next_state(S.ACTIVE, S.DELETED, "system")
