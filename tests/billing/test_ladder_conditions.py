"""Issue 16: step conditions (R-D5) and fees (R-D6) on both ladder paths.

Every test that sweeps runs on the row path (billing/ladder_rows.py, PostgreSQL) and on the model
path (billing/ladder.py), the `path` fixture choosing; the same answer is expected of both. The
Kill Bill-style ladders count unpaid items (2 / 3 / 5) or sum them (260 / 600 / 1200) over
monthly invoices of 249.95 and escalate on the months Kill Bill's overdue tests do."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import Account, AccountStatusType, OutboxEvent
from billing import dunning, ladder_rows, services
from billing.dunning import DunningFacts, Step, step_fee, step_for
from billing.models import DunningEvent, DunningPolicy, DunningStep, LedgerEntry
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 1, 1)
SUSPENDED, CLOSED, TERMINATED = "Suspended until Paid", "Closed until Paid", "Terminated"


@pytest.fixture(params=[pytest.param("rows", marks=pytest.mark.postgres), "models"])
def path(request, monkeypatch):
    """Run the sweep on one ladder path: the model path when the row path may take no policy."""
    if request.param == "models":
        monkeypatch.setattr(ladder_rows, "lean", lambda ladders, row: False)
    return request.param


def policy_with(*steps, name="Issue 16 ladder") -> DunningPolicy:
    """A policy whose steps are given as dicts of DunningStep fields; `status` names the type."""
    policy = DunningPolicy.objects.create(name=name, default_threshold=D("-100000"))
    for position, fields in enumerate(steps, start=1):
        status = AccountStatusType.objects.get(name=fields.pop("status"))
        step = DunningStep(policy=policy, position=position, status_type=status, **fields)
        step.full_clean()
        step.save()
    return policy


def account_on(policy, operator, threshold="-100000"):
    account = AccountFactory(actor=operator, dunning_policy=policy)
    services.set_financial_blocking_threshold(account, threshold, actor=operator)
    return account


def invoice(account, operator, amount, on):
    return services.issue_invoice(account, amount=amount, billing_date=on, actor=operator)


def status_of(account) -> str:
    return Account.objects.get(pk=account.pk).status_type.name


def steps_recorded(account) -> list[tuple[int, date]]:
    return list(
        DunningEvent.objects.filter(account=account)
        .order_by("step__position")
        .values_list("step__position", "due_on")
    )


# --- the pure ladder (billing/dunning.py) -------------------------------------------------------


def facts(items=(), balance="0", threshold="0", today=DAY, negative_since=None):
    anchor = min((due for due, _o in items), default=None)
    return DunningFacts(today, anchor, D(balance), D(threshold), negative_since, tuple(items))


def test_r_d5_a_step_with_several_conditions_holds_only_when_all_do():
    step = Step(1, 1, "below_threshold", 0, min_overdue_items=2)
    two_due = [(DAY - timedelta(days=9), D("10")), (DAY - timedelta(days=4), D("10"))]
    assert step_for([step], facts(two_due, balance="-20")) is not None
    assert step_for([step], facts(two_due, balance="5")) is None  # balance not below 0
    assert step_for([step], facts(two_due[:1], balance="-20")) is None  # one item only


def test_r_d5_for_n_days_counts_from_the_latest_day_since_which_all_conditions_hold():
    step = Step(1, 1, "days_past_due", 3, min_overdue_amount=D("100"))
    items = [(DAY - timedelta(days=10), D("60")), (DAY - timedelta(days=2), D("60"))]
    # past due for 10 days, but 100 overdue only since the second item, 2 days ago: not yet
    assert step_for([step], facts(items)) is None
    assert step_for([step], facts(items, today=DAY + timedelta(days=1))) == (
        step,
        DAY + timedelta(days=1),
    )


def test_r_d5_an_item_not_yet_due_is_not_overdue():
    step = Step(1, 1, "", 0, min_overdue_items=1)
    assert step_for([step], facts([(DAY + timedelta(days=1), D("10"))])) is None
    assert step_for([step], facts([(DAY, D("10"))])) == (step, DAY)  # due today: overdue


def test_r_d5_a_step_without_any_condition_never_holds():
    assert step_for([Step(1, 1, "", 0)], facts([(DAY, D("10"))], balance="-10")) is None


def test_r_x3_a_step_whose_conditions_never_held_is_not_recorded_on_the_way():
    credit_limit = Step(1, 1, "below_threshold", 0)
    late = Step(2, 2, "days_past_due", 2)
    passed = dunning.passed_steps(
        [credit_limit, late], facts([(DAY - timedelta(days=5), D("10"))], balance="5"), 0
    )
    assert [step.id for step, _day in passed] == [2]


@pytest.mark.parametrize(
    ("overdue", "fee"),
    [("2000.00", "25.00"), ("100.00", "1.50"), ("33.00", "0.50"), ("0.30", "0.00")],
)
def test_r_d6_a_percentage_fee_is_rounded_half_up_and_capped(overdue, fee):
    assert step_fee(D("0"), D("1.5"), D("25.00"), D(overdue)) == D(fee)


def test_r_d6_a_fixed_fee_ignores_the_overdue_amount():
    assert step_fee(D("5.00"), None, None, D("2000.00")) == D("5.00")


# --- each condition on both paths ---------------------------------------------------------------


def test_r_d5_overdue_items_at_least_n(operator, path):
    policy = policy_with({"min_overdue_items": 2, "status": SUSPENDED})
    one, two = account_on(policy, operator), account_on(policy, operator)
    invoice(one, operator, "10.00", DAY)
    invoice(two, operator, "10.00", DAY)
    invoice(two, operator, "10.00", DAY + timedelta(days=3))
    invoice(one, operator, "10.00", DAY + timedelta(days=9))  # not yet due on the sweep's day
    dunning_sweep(DAY + timedelta(days=5))
    assert (status_of(one), status_of(two)) == ("Active", SUSPENDED)
    assert steps_recorded(two) == [(1, DAY + timedelta(days=3))]  # since the 2nd was due


def test_r_d5_total_overdue_at_least_an_amount(operator, path):
    policy = policy_with({"min_overdue_amount": D("100.00"), "status": SUSPENDED})
    short, enough = account_on(policy, operator), account_on(policy, operator)
    invoice(short, operator, "99.99", DAY)
    invoice(enough, operator, "100.00", DAY)
    dunning_sweep(DAY)
    assert (status_of(short), status_of(enough)) == ("Active", SUSPENDED)


def test_r_d5_a_partly_paid_item_counts_what_it_still_owes(operator, path):
    policy = policy_with({"min_overdue_amount": D("100.00"), "status": SUSPENDED})
    account = account_on(policy, operator)
    invoice(account, operator, "150.00", DAY)
    services.record_payment(account, "50.01", idempotency_key="part", actor=operator)
    dunning_sweep(DAY + timedelta(days=1))
    assert status_of(account) == "Active"  # 99.99 still owed


def test_r_d5_days_past_the_anchor(operator, path):
    policy = policy_with({"condition": "days_past_due", "days": 3, "status": SUSPENDED})
    account = account_on(policy, operator)
    invoice(account, operator, "10.00", DAY)
    dunning_sweep(DAY + timedelta(days=2))
    assert status_of(account) == "Active"
    dunning_sweep(DAY + timedelta(days=3))
    assert status_of(account) == SUSPENDED


def test_r_d5_balance_below_the_threshold(operator, path):
    policy = policy_with({"condition": "below_threshold", "status": SUSPENDED})
    below, at = account_on(policy, operator, "-50"), account_on(policy, operator, "-50")
    services.post_charge(below, "50.01", description="Usage", actor=operator)
    services.post_charge(at, "50.00", description="Usage", actor=operator)
    dunning_sweep(timezone.localdate() + timedelta(days=1))
    assert (status_of(below), status_of(at)) == (SUSPENDED, "Active")


def test_r_d5_credit_exhausted(operator, path):
    policy = policy_with({"condition": "credit_exhausted", "status": SUSPENDED})
    empty, left = account_on(policy, operator), account_on(policy, operator)
    services.record_payment(left, "0.01", idempotency_key="cent", actor=operator)
    services.post_charge(empty, "0.01", description="Usage", actor=operator)
    dunning_sweep(timezone.localdate() + timedelta(days=1))
    assert (status_of(empty), status_of(left)) == (SUSPENDED, "Active")


def test_r_d5_combined_conditions_wait_for_the_last_to_hold(operator, path):
    policy = policy_with(
        {"min_overdue_items": 1, "min_overdue_amount": D("50"), "days": 2, "status": SUSPENDED}
    )
    account = account_on(policy, operator)
    invoice(account, operator, "30.00", DAY)
    invoice(account, operator, "30.00", DAY + timedelta(days=10))
    dunning_sweep(DAY + timedelta(days=11))  # 60 overdue since day 10: 1 day, not 2
    assert status_of(account) == "Active"
    dunning_sweep(DAY + timedelta(days=12))
    assert steps_recorded(account) == [(1, DAY + timedelta(days=12))]


# --- fees on both paths -------------------------------------------------------------------------


@pytest.mark.parametrize(("overdue", "fee"), [("2000.00", "25.00"), ("100.00", "1.50")])
def test_r_d6_a_step_charges_1_5_percent_of_the_overdue_amount_capped_at_25(
    operator, path, overdue, fee
):
    policy = policy_with(
        {
            "min_overdue_items": 1,
            "fee_percent": D("1.5"),
            "fee_cap": D("25.00"),
            "status": SUSPENDED,
        }
    )
    account = account_on(policy, operator)
    invoice(account, operator, overdue, DAY)
    dunning_sweep(DAY)
    fees = LedgerEntry.objects.filter(account=account, kind="fee")
    assert list(fees.values_list("amount", flat=True)) == [-D(fee)]
    event = DunningEvent.objects.get(account=account)
    assert event.fee_entry_id == fees.get().pk
    entered = OutboxEvent.objects.get(account_id=account.pk, event_type="dunning.step_entered")
    assert entered.payload["step"]["fee"] == fee  # the money event says what was charged
    dunning_sweep(DAY + timedelta(days=1))  # R-X3: a rerun charges nothing again
    assert fees.count() == 1


def test_r_d6_a_fixed_fee_posts_on_the_row_path_too(operator, path):
    policy = policy_with({"min_overdue_items": 1, "fee": D("7.50"), "status": SUSPENDED})
    account = account_on(policy, operator)
    invoice(account, operator, "10.00", DAY)
    dunning_sweep(DAY)
    assert list(
        LedgerEntry.objects.filter(account=account, kind="fee").values_list("amount", flat=True)
    ) == [D("-7.50")]
    account.refresh_from_db()
    assert account.balance == D("-17.50")


def test_r_d6_a_steps_own_fee_does_not_count_towards_the_next_step(operator, path):
    policy = policy_with(
        {"min_overdue_items": 1, "fee": D("200.00"), "status": SUSPENDED},
        {"min_overdue_amount": D("250.00"), "status": CLOSED},
    )
    account = account_on(policy, operator)
    invoice(account, operator, "100.00", DAY)
    dunning_sweep(DAY)
    dunning_sweep(DAY + timedelta(days=1))
    assert status_of(account) == SUSPENDED  # 100 overdue, not 300


# --- Kill Bill's count and amount ladders --------------------------------------------------------

MONTHLY = D("249.95")


def first_days(months: int) -> list[date]:
    return [date(2026, month, 1) for month in range(1, months + 1)]


def escalation_months(policy, operator) -> dict[int, int]:
    """Bill 249.95 on the 1st of each month (never paid), sweep every day; the month in which
    each step was entered."""
    account = account_on(policy, operator)
    day, bills = DAY, set(first_days(6))
    while day <= date(2026, 6, 15):
        if day in bills:
            invoice(account, operator, MONTHLY, day)
        dunning_sweep(day)
        day += timedelta(days=1)
    return {
        position: applied.month
        for position, applied in DunningEvent.objects.filter(account=account).values_list(
            "step__position", "applied_on"
        )
    }


def test_r_d5_kill_bill_count_ladder_escalates_at_2_3_and_5_unpaid_invoices(operator, path):
    policy = policy_with(
        {"min_overdue_items": 2, "status": SUSPENDED},
        {"min_overdue_items": 3, "status": CLOSED},
        {"min_overdue_items": 5, "status": TERMINATED, "subscription_effect": "cancel_now"},
    )
    assert escalation_months(policy, operator) == {1: 2, 2: 3, 3: 5}


def test_r_d5_kill_bill_amount_ladder_escalates_at_260_600_and_1200_overdue(operator, path):
    policy = policy_with(
        {"min_overdue_amount": D("260"), "status": SUSPENDED},
        {"min_overdue_amount": D("600"), "status": CLOSED},
        {
            "min_overdue_amount": D("1200"),
            "status": TERMINATED,
            "subscription_effect": "cancel_now",
        },
    )
    # 2 × 249.95 = 499.90 ≥ 260 (Feb); 3 × = 749.85 ≥ 600 (Mar); 5 × = 1249.75 ≥ 1200 (May)
    assert escalation_months(policy, operator) == {1: 2, 2: 3, 3: 5}


# --- the Standard ladder (R-D1, seed 001) ---------------------------------------------------------


def test_r_d1_the_standard_ladder_suspends_until_paid_when_the_credit_limit_is_reached(
    operator, path
):
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "100.01", description="Usage", actor=operator)  # R-CH1 holds
    assert status_of(account) == "Credit hold"
    dunning_sweep(timezone.localdate() + timedelta(days=1))
    assert status_of(account) == SUSPENDED
    assert DunningEvent.objects.get(account=account).step.rule_id == "R-D1"
    services.record_payment(account, "0.01", idempotency_key="limit", actor=operator)
    assert status_of(account) == "Active"  # R-D4: back within the limit releases it
