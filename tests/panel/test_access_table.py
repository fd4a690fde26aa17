"""The access table, pair by pair, against DESIGN §2's "control panel" and "service use" columns
(R-C2, R-CH8, R-D2) — written out here so that any change to the table is a deliberate one."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import BackendStatus as S
from accounts.panel import access
from accounts.panel.access import Capability as C

Y, N = True, False
#                       prospect active credit_hold suspended admin_hold cancelled deleted
DESIGN = {
    C.VIEW_DASHBOARD: (Y, Y, Y, Y, N, N, N),
    C.VIEW_TRANSACTIONS: (Y, Y, Y, N, N, N, N),
    C.VIEW_CHARGES: (Y, Y, Y, N, N, N, N),
    C.PAY: (N, Y, Y, Y, N, N, N),
    C.VIEW_SUBSCRIPTIONS: (Y, Y, Y, N, N, N, N),
    C.ORDER_COMMERCIAL: (N, Y, Y, N, N, N, N),
    C.ORDER_TRIAL: (N, Y, N, N, N, N, N),
    C.ACTIVATE_SUBSCRIPTIONS: (N, Y, Y, N, N, N, N),
    C.MANAGE_SUBSCRIPTIONS: (N, Y, N, N, N, N, N),
    C.CANCEL_SUBSCRIPTIONS: (N, Y, Y, N, N, N, N),
    C.USE_SERVICES: (N, Y, N, N, N, N, N),
    C.USE_RUNNING_SUBSCRIPTIONS: (N, N, Y, N, N, N, N),
    C.VIEW_PROFILE: (Y, Y, Y, Y, N, N, N),
    C.EDIT_PROFILE: (N, Y, N, N, N, N, N),
}
STATUSES = [
    S.PROSPECT,
    S.ACTIVE,
    S.CREDIT_HOLD,
    S.SUSPENDED,
    S.ADMINISTRATIVE_HOLD,
    S.CANCELLED,
    S.DELETED,
]


def test_every_capability_is_in_the_design_transcript():
    assert set(DESIGN) == set(C)


@pytest.mark.parametrize(("status", "capability"), list(itertools.product(STATUSES, list(C))))
def test_the_table_allows_exactly_what_design_section_2_says(status, capability):
    assert access.allows(status, capability) is DESIGN[capability][STATUSES.index(status)]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.ADMINISTRATIVE_HOLD, access.MSG_BLOCKED),
        (S.CANCELLED, access.MSG_CANCELLED),
        (S.DELETED, access.MSG_DELETED),
    ],
)
def test_blocked_statuses_open_no_page_and_say_the_exact_text(status, message):
    assert not access.may_enter(status)
    assert access.capabilities(status) == frozenset()
    for capability in C:
        assert access.refusal_message(status, capability) == str(message)


def test_the_seed_texts_are_exact():
    assert str(access.MSG_BLOCKED) == (
        "Company is blocked. You are not allowed to perform any actions for this company. "
        "Contact administrator for the further information."
    )
    assert str(access.MSG_DELETED) == "Company is deleted."
    assert access.MSG_SERVICE_REFUSED == "ERROR: Account is locked or Invalid"


def test_r_ch8_refusals_on_credit_hold_name_the_amount_that_lifts_it():
    manage = access.refusal_message(
        S.CREDIT_HOLD, C.MANAGE_SUBSCRIPTIONS, amount="42.50", currency="USD"
    )
    trial = access.refusal_message(S.CREDIT_HOLD, C.ORDER_TRIAL, amount="42.50", currency="USD")
    assert "cannot be renewed, stopped or moved to another plan" in manage
    assert "Trial subscriptions cannot be ordered" in trial
    assert all("Top up your balance with 42.50 USD" in m for m in (manage, trial))


def test_an_allowed_capability_has_no_refusal():
    assert access.refusal_message(S.ACTIVE, C.MANAGE_SUBSCRIPTIONS) == ""


@pytest.mark.parametrize(
    ("status", "running", "allowed"),
    [
        (S.ACTIVE, False, True),
        (S.ACTIVE, True, True),
        (S.CREDIT_HOLD, True, True),
        (S.CREDIT_HOLD, False, False),
        *[(s, r, False) for s in STATUSES if s not in (S.ACTIVE, S.CREDIT_HOLD) for r in (Y, N)],
    ],
)
def test_service_use_follows_the_design_column(status, running, allowed):
    assert access.may_use_services(status, has_running_subscription=running) is allowed
