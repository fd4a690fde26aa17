"""R-CH4b: one answer to "what releases this account, and who must act" — read by the panel
banner and its payment link, the admin's R-X4 panel and billing.services.required_payment — and
paying exactly that amount returns the account to Active in the same transaction (issue 14,
defects 1, 2 and 10)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.errors import UnlockRefused
from accounts.models import AccountStatusType, BackendStatus, UnlockAttempt
from billing import services
from billing.defaults import PREPAID_LOCK
from billing.models import DunningPolicy, DunningState, DunningStep
from billing.panel import credit_hold_banner
from billing.release import CUSTOMER, OPERATOR, release_of
from billing.selectors import why_on_hold
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
BILLING_DAY = date(2026, 11, 1)


def pay(account, amount, key="pay-1", operator=None):
    return services.record_payment(account, amount, idempotency_key=key, actor=operator)


def status(account):
    account.refresh_from_db()
    return account.status_type.name


@pytest.fixture
def foxtrot(operator):
    """Prepaid lock policy (R-G1), funded with 10.00, then charged 24.95: locked on exhaustion."""
    today = timezone.localdate()
    account = AccountFactory(actor=operator, next_payment_date=today)
    services.assign_policy(account, DunningPolicy.objects.get(name=PREPAID_LOCK), actor=operator)
    user = MembershipFactory(account=account, user=UserFactory()).user
    pay(account, "10.00", "fund", operator)
    services.post_charge(account, "24.95", description="Fax pages", actor=operator)
    assert status(account) == "Locked – insufficient credit"
    return account, user


def test_r_ch4b_defect_1_unlock_then_paying_the_banner_amount_releases_foxtrot(foxtrot, operator):
    account, user = foxtrot
    account_services.unlock_user_account(user, actor=operator, today=timezone.localdate())
    assert status(account) == "Credit hold"  # R-CH2
    # R-G2b: the unlock ended the lock's ladder step: an ordinary money hold is left.
    assert DunningState.objects.get(account=account).step is None
    banner = credit_hold_banner(account)
    assert banner.amount == services.required_payment(account) == D("14.95")
    assert release_of(account).who_must_act == CUSTOMER
    pay(account, banner.amount, "banner", operator)
    assert status(account) == "Active"  # R-CH5, in the payment's transaction


def test_r_g2b_the_ladder_does_not_relock_an_unlocked_account_before_its_renewal_deadline(
    foxtrot, operator
):
    account, user = foxtrot
    today = timezone.localdate()
    account_services.unlock_user_account(user, actor=operator, today=today)
    dunning_sweep(today)
    assert status(account) == "Credit hold"  # R-G3: the deadline's sweep relocks, not a step


@pytest.fixture
def delta(operator):
    """Standard ladder with a credit limit; 49.90 unpaid since the billing day → R-D1."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    user = MembershipFactory(account=account, user=UserFactory()).user
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    dunning_sweep(BILLING_DAY + timedelta(days=2))
    assert status(account) == "Suspended until Paid"
    return account, user


AFTER = datetime(2026, 11, 4, 12, tzinfo=UTC)


def test_r_ch4b_defect_2_a_dunning_hold_asks_for_the_overdue_items_everywhere(
    delta, client, operator
):
    account, user = delta
    with time_machine.travel(AFTER, tick=False):
        assert services.required_payment(account) == D("49.90")
        assert why_on_hold(account).release_amount == D("49.90")
        client.force_login(user)
        link = reverse("panel:pay_required", args=[account.number])
        for name in ("panel:dashboard", "panel:transactions", "panel:charges", "panel:pay"):
            body = client.get(reverse(name, args=[account.number])).content.decode()
            assert "Pay 49.90 USD now" in body and f'href="{link}"' in body, name
        pay(account, "49.90", "delta", operator)
    assert status(account) == "Active"  # R-D4


def test_r_ch4b_the_amount_is_the_smallest_that_releases(delta, operator):
    account, _user = delta
    with time_machine.travel(AFTER, tick=False):
        pay(account, "49.89", "short", operator)
        assert status(account) == "Suspended until Paid"
        assert services.required_payment(account) == D("0.01")
        pay(account, "0.01", "rest", operator)
    assert status(account) == "Active"


def test_r_ch4b_an_item_not_yet_overdue_enough_for_a_step_is_not_asked_for(delta, operator):
    account, _user = delta
    with time_machine.travel(AFTER, tick=False):
        services.issue_invoice(account, amount="30.00", billing_date=AFTER.date(), actor=operator)
        assert services.required_payment(account) == D("49.90")
        pay(account, "49.90", "old-one", operator)
    assert status(account) == "Active"


def test_r_ch4b_a_cancelled_account_needs_an_operator_and_says_so(delta, operator):
    account, _user = delta
    dunning_sweep(BILLING_DAY + timedelta(days=14))
    assert status(account) == "Terminated"
    release = release_of(account)
    assert (release.amount, release.who_must_act, release.rule_id) == (D("0"), OPERATOR, "R-D3")
    assert release.fee == D("10.00") and services.required_payment(account) == 0


def test_r_g2b_defect_10_unlock_refuses_an_abuse_hold_naming_reason_setter_and_change_status(
    operator,
):
    account = AccountFactory(actor=operator, next_payment_date=timezone.localdate())
    user = MembershipFactory(account=account, user=UserFactory()).user
    account_services.change_status(account, "Administrative hold", actor=operator, reason="Abuse")
    with pytest.raises(UnlockRefused) as refused:
        account_services.unlock_user_account(user, actor=operator, today=timezone.localdate())
    message = refused.value.message
    assert "“Abuse”" in message and operator.get_username() in message
    assert "Change status" in message and "R-G2b" in message
    assert status(account) == "Administrative hold"
    attempt = UnlockAttempt.objects.get(user=user)
    assert attempt.allowed is False and attempt.message == message
    release = release_of(account)
    assert (release.amount, release.who_must_act, release.rule_id) == (D("0"), OPERATOR, "R-G2b")
    assert release.reason == message  # the admin's R-X4 panel says the same


def test_r_ch4b_a_step_that_does_not_release_on_payment_asks_for_nothing_and_says_who_acts(
    operator, client
):
    DunningStep.objects.filter(rule_id="R-D1").update(releases_on_payment=False)
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    user = MembershipFactory(account=account, user=UserFactory()).user
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    dunning_sweep(BILLING_DAY + timedelta(days=2))
    release = release_of(account)
    assert (release.amount, release.who_must_act) == (D("0"), OPERATOR)
    assert "does not release on payment" in release.reason
    client.force_login(user)
    page = client.get(reverse("panel:pay_required", args=[account.number]), follow=True)
    assert "does not release on payment" in page.content.decode()


def test_r_ch4b_the_credit_hold_banner_says_an_operator_must_act_when_no_payment_releases(
    operator, client
):
    """R-CH6 + R-CH4b: a dunning step onto a Credit hold type that does not release on payment —
    the banner asks for no amount and does not promise the hold lifts by itself."""
    hold_type = AccountStatusType.objects.filter(backend_status=BackendStatus.CREDIT_HOLD).first()
    DunningStep.objects.filter(rule_id="R-D1").update(
        releases_on_payment=False, status_type=hold_type
    )
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    user = MembershipFactory(account=account, user=UserFactory()).user
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    dunning_sweep(BILLING_DAY + timedelta(days=2))
    assert status(account) == hold_type.name
    banner = credit_hold_banner(account)
    assert (banner.amount, banner.operator_must_act) == (D("0"), True)
    client.force_login(user)
    page = client.get(reverse("panel:dashboard", args=[account.number])).content.decode()
    assert 'id="hold-operator"' in page
    assert "no payment is needed" not in page
