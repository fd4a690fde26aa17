"""Credit control (seeds 003, 004): R-CH1 … R-CH5 and R-X1, reached through money."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import StatusChange
from billing import services
from billing.sweeps import credit_hold_sweep
from tests.accounts.factories import AccountFactory
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db
D = Decimal


def status(account):
    account.refresh_from_db()
    return account.backend_status


def last_change(account):
    return StatusChange.objects.filter(account=account).first()


@pytest.fixture
def account(operator):
    return AccountFactory(actor=operator)


def test_r_ch1_a_balance_below_threshold_puts_active_account_on_credit_hold(account, operator):
    services.set_financial_blocking_threshold(account, "-50", actor=operator)
    services.post_charge(account, "50.00", description="usage", actor=operator)
    assert status(account) == S.ACTIVE  # at the threshold is not below it
    services.post_charge(account, "0.01", description="usage", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    change = last_change(account)
    assert change.rule_id == "R-CH1"
    assert change.actor_kind == "system"
    assert "below the threshold" in change.note


def test_r_ch1_b_negative_longer_than_5_days_puts_account_on_credit_hold(account, operator):
    account.allowed_negative_days = 5
    account.save(update_fields=["allowed_negative_days"])
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.post_charge(account, "10", description="invoice", actor=operator)
    assert status(account) == S.ACTIVE  # within the threshold: (a) does not apply
    credit_hold_sweep(now=start + timedelta(days=5))
    assert status(account) == S.ACTIVE  # exactly P days is not longer than P
    credit_hold_sweep(now=start + timedelta(days=5, seconds=1))
    assert status(account) == S.CREDIT_HOLD
    assert "R-CH1 (b)" in last_change(account).note


def test_r_ch1_b_with_p_zero_any_negative_balance_is_held_at_once(account, operator):
    account.allowed_negative_days = 0
    account.save(update_fields=["allowed_negative_days"])
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "9.99", description="plan", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    assert "R-CH1 (b)" in last_change(account).note
    assert services.required_payment(account) == Decimal("9.99")  # R-CH4: to zero


def test_r_ch1_b_infinite_period_never_holds_a_negative_balance_within_threshold(account, operator):
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    services.post_charge(account, "99", description="invoice", actor=operator)
    assert account.allowed_negative_days is None
    credit_hold_sweep(now=timezone.now() + timedelta(days=3650))
    assert status(account) == S.ACTIVE


def test_r_ch2_unlock_below_threshold_gives_credit_hold_not_active(operator):
    account = account_in(S.ADMINISTRATIVE_HOLD, operator)
    services.post_charge(account, "5", description="usage", actor=operator)
    change = account_services.change_status(
        account, "Active", actor=Actor.operator(operator), reason="Unlocked by support"
    )
    assert change.to_backend_status == S.CREDIT_HOLD
    assert change.rule_id == "R-CH2"
    assert status(account) == S.CREDIT_HOLD


def test_r_ch2_unlock_at_or_above_threshold_gives_active(operator):
    account = account_in(S.ADMINISTRATIVE_HOLD, operator)
    account_services.change_status(
        account, "Active", actor=Actor.operator(operator), reason="Unlocked by support"
    )
    assert status(account) == S.ACTIVE


def test_r_ch3_threshold_set_above_balance_puts_account_on_hold_at_once(account, operator):
    services.set_financial_blocking_threshold(account, "0.01", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    change = last_change(account)
    assert change.rule_id == "R-CH3"
    assert change.actor_user == operator


def test_r_ch3_threshold_at_the_balance_keeps_account_active(account, operator):
    services.set_financial_blocking_threshold(account, "0", actor=operator)
    assert status(account) == S.ACTIVE


def test_r_ch4_within_allowed_period_required_payment_brings_balance_to_threshold(
    account, operator
):
    account.allowed_negative_days = 30
    account.save(update_fields=["allowed_negative_days"])
    services.set_financial_blocking_threshold(account, "-20", actor=operator)
    services.post_charge(account, "50", description="invoice", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    assert services.required_payment(account) == D("30.00")  # -50 → -20


def test_r_ch4_after_allowed_period_required_payment_brings_balance_to_zero(account, operator):
    account.allowed_negative_days = 5
    account.save(update_fields=["allowed_negative_days"])
    services.set_financial_blocking_threshold(account, "-20", actor=operator)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.post_charge(account, "50", description="invoice", actor=operator)
    later = start + timedelta(days=6)
    assert services.required_payment(account, now=later) == D("50.00")  # -50 → 0


def test_r_ch4_required_payment_is_never_negative(account, operator):
    services.post_adjustment(account, "100", description="credit", actor=operator)
    assert services.required_payment(account) == D("0.00")
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    assert services.required_payment(account) == D("0.00")


def test_r_ch5_the_exact_required_amount_releases_the_hold_at_once(account, operator):
    services.post_charge(account, "42.17", description="invoice", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    required = services.required_payment(account)
    assert required == D("42.17")
    services.record_payment(account, required, idempotency_key="pay-1", actor=operator)
    assert status(account) == S.ACTIVE
    assert last_change(account).rule_id == "R-CH5"


def test_r_ch5_one_cent_less_than_required_does_not_release(account, operator):
    services.post_charge(account, "42.17", description="invoice", actor=operator)
    services.record_payment(account, "42.16", idempotency_key="pay-1", actor=operator)
    assert status(account) == S.CREDIT_HOLD
    assert services.required_payment(account) == D("0.01")


def test_r_ch5_sweep_releases_a_hold_the_payment_path_missed(account, operator):
    services.post_charge(account, "10", description="invoice", actor=operator)
    # A threshold lowered without evaluation (e.g. a bulk import) leaves a stale hold.
    type(account).objects.filter(pk=account.pk).update(financial_blocking_threshold=D("-10"))
    result = credit_hold_sweep()
    assert result["released"] == 1
    assert status(account) == S.ACTIVE


def test_r_x1_a_payment_does_not_release_a_manual_administrative_hold(account, operator):
    services.post_charge(account, "10", description="invoice", actor=operator)
    account_services.change_status(
        account, "Administrative hold", actor=Actor.operator(operator), reason="Abuse"
    )
    services.record_payment(account, "500", idempotency_key="pay-1", actor=operator)
    assert status(account) == S.ADMINISTRATIVE_HOLD
    assert credit_hold_sweep()["released"] == 0
    assert status(account) == S.ADMINISTRATIVE_HOLD


def test_sweep_rerun_changes_nothing(account, operator):
    services.set_financial_blocking_threshold(account, "-10", actor=operator)
    account.allowed_negative_days = 1
    account.save(update_fields=["allowed_negative_days"])
    services.post_charge(account, "5", description="invoice", actor=operator)
    later = timezone.now() + timedelta(days=2)
    assert credit_hold_sweep(now=later)["held"] == 1
    rows = StatusChange.objects.count()
    assert credit_hold_sweep(now=later) == {
        "held": 0,
        "released": 0,
        "checked": 1,
        "failed": 0,
        "skipped": False,
    }
    assert StatusChange.objects.count() == rows


def test_operator_cannot_force_credit_hold_and_is_told_to_change_money(account, operator):
    from accounts.errors import InvalidTransition

    with pytest.raises(InvalidTransition, match="threshold or its balance"):
        account_services.change_status(account, "Credit hold", actor=operator, reason="Non-payment")


def test_r_g3_a_payment_that_funds_an_unlocked_account_clears_its_renewal_deadline(operator):
    from datetime import date, timedelta

    account = account_in(S.ACTIVE, operator)
    type(account).objects.filter(pk=account.pk).update(
        renewal_deadline=date.today() + timedelta(days=3)  # noqa: DTZ011
    )
    services.post_charge(account, "20", description="usage", actor=operator)
    services.record_payment(account, "10", idempotency_key="p1", actor=operator)
    account.refresh_from_db()
    assert account.renewal_deadline is not None  # still below the threshold: not funded
    services.record_payment(account, "10", idempotency_key="p2", actor=operator)
    account.refresh_from_db()
    assert account.renewal_deadline is None
