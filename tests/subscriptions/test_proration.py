"""Kill Bill's proration rule (R-E5): whole days, [start, end), half-up to the cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptions.proration import Terms, opening_charge, paid_change, settle_period, unused_part

D = Decimal
START, END = date(2026, 1, 1), date(2026, 2, 1)  # a 31-day period


def test_r_e5_249_95_for_31_days_with_21_days_left_refunds_169_32():
    assert unused_part(D("249.95"), START, END, END - timedelta(days=21)) == D("169.32")


def test_r_e5_249_95_for_31_days_with_10_days_left_refunds_80_63():
    assert unused_part(D("249.95"), START, END, END - timedelta(days=10)) == D("80.63")


def test_r_e5_a_same_day_cancel_refunds_the_whole_period():
    assert unused_part(D("249.95"), START, END, START) == D("249.95")


def test_r_e5_a_cancel_on_the_end_date_refunds_nothing():
    assert unused_part(D("249.95"), START, END, END) == D("0.00")


def test_r_e5_rounding_is_half_up_to_the_cent():
    # 0.05 × 1/2 = 0.025 → 0.03 (banker's rounding would give 0.02)
    assert unused_part(D("0.05"), date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 2)) == D("0.03")


PRICE = D("249.95")


def terms(prepaid=True, paid=PRICE, trial=False, in_service=True):
    return Terms("Fax", D("249.95"), prepaid, trial, in_service, START, END, 1, paid)


@pytest.mark.parametrize(
    ("prepaid", "how", "amounts"),
    [
        (True, "prorated", [D("169.32")]),
        (True, "full", [D("249.95")]),
        (True, "none", []),
        (False, "prorated", [D("-80.63")]),  # postpaid pays the 10 days used
        (False, "full", []),
        (False, "none", [D("-249.95")]),
    ],
)
def test_r_e5_settling_a_period_writes_the_entries_the_option_implies(prepaid, how, amounts):
    paid = D("249.95") if prepaid else D("0")
    entries = settle_period(terms(prepaid, paid), END - timedelta(days=21), how)
    assert [e.amount for e in entries] == amounts


def test_a_prepaid_refund_never_exceeds_what_was_paid_for_the_period():
    entries = settle_period(terms(paid=D("100.00")), START, "prorated")
    assert [e.amount for e in entries] == [D("100.00")]


def test_a_trial_settles_with_no_entries():
    assert settle_period(terms(trial=True, paid=D("0")), START, "full") == []
    assert settle_period(terms(False, D("0"), trial=True), START, "none") == []


def test_a_stopped_postpaid_subscription_settled_when_it_stopped():
    assert settle_period(terms(False, D("0"), in_service=False), START, "none") == []


@given(
    price=st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
    days=st.integers(min_value=1, max_value=400),
    data=st.data(),
)
def test_prepaid_prorated_refund_plus_postpaid_prorated_charge_is_the_price(price, days, data):
    """The unused part refunded and the used part charged add up to the price, to the cent."""
    end = START + timedelta(days=days)
    on = START + timedelta(days=data.draw(st.integers(min_value=0, max_value=days)))
    pre = Terms("P", price, True, False, True, START, end, 1, price)
    post = Terms("P", price, False, False, True, START, end, 1, D("0"))
    refund = sum(e.amount for e in settle_period(pre, on, "prorated"))
    charge = -sum(e.amount for e in settle_period(post, on, "prorated"))
    assert refund + charge == price
    assert D("0") <= refund <= price


@pytest.mark.parametrize(
    ("prepaid", "price", "written"),
    [(True, D("24.95"), [D("-24.95")]), (True, D("0"), []), (False, D("24.95"), [])],
)
def test_a_period_that_starts_is_charged_in_full_only_when_prepaid_and_not_free(
    prepaid, price, written
):
    """Order, renew, plan change, Enable and the recurring run all open a period this way."""
    entries = opening_charge("Fax", price, prepaid=prepaid, start=START, end=END, on=START)
    assert [e.amount for e in entries] == written
    assert all(e.description == "Fax: 2026-01-01 to 2026-02-01" for e in entries)
    assert paid_change(entries) == -sum(written, start=D("0"))
