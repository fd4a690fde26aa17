"""R-X2 (issue 14, defect 9): when an exemption ends the steps come in turn, counted from the
later of the anchor and the exemption's end; exempting an account a ladder step holds releases
it at once (the R-G1 lock included) while an R-CH1 money hold stays; a VIP on the prepaid lock
policy is never locked by a step."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as account_services
from billing import services
from billing.defaults import PREPAID_LOCK
from billing.models import DunningEvent, DunningPolicy, DunningState
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
BILLING_DAY = date(2026, 11, 1)
EXEMPT_UNTIL = date(2026, 11, 20)


def status(account):
    account.refresh_from_db()
    return account.status_type.name


def exempt(account, operator, *, until=None, today=BILLING_DAY):
    account_services.set_dunning_exemption(
        account, exempt=until is None, until=until, actor=operator, today=today
    )


@pytest.fixture
def in_arrears(operator):
    """Bills in arrears with a credit limit: 49.90 unpaid since the billing day."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    MembershipFactory(account=account, user=UserFactory(email="owner@example.com"))
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    return account


def test_r_x2_when_an_exemption_ends_each_step_comes_in_turn(in_arrears, operator):
    exempt(in_arrears, operator, until=EXEMPT_UNTIL)
    seen = {}
    day = BILLING_DAY
    while day <= EXEMPT_UNTIL + timedelta(days=14):
        dunning_sweep(day)
        seen[day] = (status(in_arrears), DunningEvent.objects.filter(account=in_arrears).count())
        day += timedelta(days=1)
    assert seen[EXEMPT_UNTIL] == ("Active", 0)  # dunning may act again, nothing is due yet
    assert seen[EXEMPT_UNTIL + timedelta(days=1)] == ("Active", 0)
    assert seen[EXEMPT_UNTIL + timedelta(days=2)] == ("Suspended until Paid", 1)  # R-D1
    assert seen[EXEMPT_UNTIL + timedelta(days=7)] == ("Closed until Paid", 2)  # R-D2
    assert seen[EXEMPT_UNTIL + timedelta(days=13)] == ("Closed until Paid", 2)
    assert seen[EXEMPT_UNTIL + timedelta(days=14)] == ("Terminated", 3)  # R-D3


@pytest.mark.parametrize("until", [None, EXEMPT_UNTIL + timedelta(days=30)])
def test_r_x2_exempting_an_account_a_step_holds_releases_it_at_once(in_arrears, operator, until):
    dunning_sweep(BILLING_DAY + timedelta(days=7))
    assert status(in_arrears) == "Closed until Paid"
    exempt(in_arrears, operator, until=until, today=BILLING_DAY + timedelta(days=7))
    assert status(in_arrears) == "Active"
    assert DunningState.objects.get(account=in_arrears).step is None
    dunning_sweep(BILLING_DAY + timedelta(days=8))
    assert status(in_arrears) == "Active"  # exempt: no step acts on it


@pytest.fixture
def locked(operator):
    """Prepaid lock policy (R-G1): 14.95 short, locked on exhaustion."""
    account = AccountFactory(actor=operator)
    services.assign_policy(account, DunningPolicy.objects.get(name=PREPAID_LOCK), actor=operator)
    services.post_charge(account, "14.95", description="Fax pages", actor=operator)
    assert status(account) == "Locked – insufficient credit"
    return account


def test_r_x2_exempting_releases_the_r_g1_lock_and_the_money_hold_stays(locked, operator):
    exempt(locked, operator, today=timezone.localdate())
    assert status(locked) == "Credit hold"  # R-CH1: the balance, not the ladder
    assert DunningState.objects.get(account=locked).step is None
    assert services.required_payment(locked) == D("14.95")
    services.record_payment(locked, "14.95", idempotency_key="vip", actor=operator)
    assert status(locked) == "Active"


def test_r_x2_a_vip_on_the_prepaid_lock_policy_is_never_locked(operator):
    account = AccountFactory(actor=operator)
    services.assign_policy(account, DunningPolicy.objects.get(name=PREPAID_LOCK), actor=operator)
    exempt(account, operator, today=timezone.localdate())
    services.post_charge(account, "14.95", description="Fax pages", actor=operator)
    assert status(account) == "Credit hold"  # R-CH1's money hold, not the lock
    dunning_sweep(timezone.localdate() + timedelta(days=1))
    assert status(account) == "Credit hold"


def test_r_x2_an_r_ch1_money_hold_stays_when_the_account_is_exempted(operator):
    account = AccountFactory(actor=operator)
    services.post_charge(account, "30.00", description="usage", actor=operator)
    assert status(account) == "Credit hold"
    exempt(account, operator, today=timezone.localdate())
    assert status(account) == "Credit hold"
