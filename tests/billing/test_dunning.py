"""The dunning ladder (seeds 000, 001): R-D1 … R-D4, R-G1, R-X1 … R-X3."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import Account, StatusChange
from accounts.models import BackendStatus as S
from billing import ladder, services
from billing.defaults import PREPAID_LOCK
from billing.dunning import DunningFacts, Step, passed_steps, step_for
from billing.models import DunningEvent, DunningPolicy, DunningStep, LedgerEntry
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
BILLING_DAY = date(2026, 11, 1)


def type_name(account):
    account.refresh_from_db()
    return account.status_type.name


@pytest.fixture
def account(operator):
    """Bills in arrears with a credit limit, so the invoice alone does not trigger R-CH1."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    MembershipFactory(account=account, user=UserFactory(email="owner@example.com"))
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    return account


@pytest.mark.parametrize(
    ("days_after", "expected"),
    [
        (1, "Active"),
        (2, "Suspended until Paid"),  # R-D1
        (6, "Suspended until Paid"),
        (7, "Closed until Paid"),  # R-D2
        (13, "Closed until Paid"),
        (14, "Terminated"),  # R-D3
    ],
)
def test_r_d1_r_d2_r_d3_ladder_boundaries_counted_from_the_billing_date(
    days_after, expected, account
):
    for day in range(1, days_after + 1):
        dunning_sweep(BILLING_DAY + timedelta(days=day))
    assert type_name(account) == expected


def test_r_x3_a_sweep_not_run_for_20_days_lands_on_the_final_step_recording_each_once(account):
    DunningStep.objects.filter(policy__name="Standard ladder").update(fee=Decimal("5.00"))
    result = dunning_sweep(BILLING_DAY + timedelta(days=20))
    assert result["steps_recorded"] == 3
    assert type_name(account) == "Terminated"
    events = DunningEvent.objects.filter(account=account).order_by("step__position")
    assert [e.due_on for e in events] == [date(2026, 11, 3), date(2026, 11, 8), date(2026, 11, 15)]
    assert LedgerEntry.objects.filter(account=account, kind="fee").count() == 3
    assert StatusChange.objects.filter(account=account, rule_id="R-D3").count() == 1
    assert len(mail.outbox) == 0  # notices go after commit; see the on-commit test below


def test_r_x3_a_rerun_is_a_no_op(account):
    DunningStep.objects.filter(policy__name="Standard ladder").update(fee=Decimal("5.00"))
    dunning_sweep(BILLING_DAY + timedelta(days=20))
    counts = (
        StatusChange.objects.count(),
        LedgerEntry.objects.count(),
        DunningEvent.objects.count(),
    )
    again = dunning_sweep(BILLING_DAY + timedelta(days=20))
    assert again["steps_recorded"] == 0
    assert (
        StatusChange.objects.count(),
        LedgerEntry.objects.count(),
        DunningEvent.objects.count(),
    ) == counts
    account.refresh_from_db()
    assert account.balance == services.ledger_sum(account)


def test_each_step_notice_is_emailed_once_after_commit(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dunning_sweep(BILLING_DAY + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        dunning_sweep(BILLING_DAY + timedelta(days=7))
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        f"[{account.number}] Your account is suspended until paid",
        f"[{account.number}] Your account is closed until paid",
    ]
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "49.90" in mail.outbox[0].body


def test_an_account_with_nobody_to_tell_has_its_steps_written_as_handled_and_nothing_queued(
    account, django_capture_on_commit_callbacks
):
    account.memberships.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dunning_sweep(BILLING_DAY + timedelta(days=7))
    events = DunningEvent.objects.filter(account=account)
    assert events.count() == 2
    assert not events.filter(notice_sent=False).exists()
    assert mail.outbox == []
    assert not [c for c in callbacks if "send_dunning_notices" in repr(c)]


@pytest.mark.parametrize("days_after", [3, 8])
def test_r_d4_full_payment_during_the_first_two_steps_reactivates_automatically(
    days_after, account, operator
):
    dunning_sweep(BILLING_DAY + timedelta(days=days_after))
    assert type_name(account) != "Active"
    services.record_payment(account, "49.90", idempotency_key="pay", actor=operator)
    assert type_name(account) == "Active"
    assert StatusChange.objects.filter(account=account).first().rule_id in ("R-CH5", "R-D4")


def test_r_d4_a_partial_payment_does_not_reactivate(account, operator):
    dunning_sweep(BILLING_DAY + timedelta(days=8))
    services.record_payment(account, "49.89", idempotency_key="pay", actor=operator)
    assert type_name(account) == "Closed until Paid"


def test_r_d3_terminated_needs_an_operator_and_enabling_charges_the_reactivation_fee(
    account, operator
):
    dunning_sweep(BILLING_DAY + timedelta(days=14))
    services.record_payment(account, "49.90", idempotency_key="pay", actor=operator)
    assert type_name(account) == "Terminated"  # payment alone never releases R-D3
    preview = ladder.enable_account(account, actor=Actor.operator(operator), preview=True)
    assert [e["amount"] for e in preview] == [Decimal("-10.00")]
    assert LedgerEntry.objects.filter(account=account, kind="fee").count() == 0
    ladder.enable_account(account, actor=Actor.operator(operator))
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert LedgerEntry.objects.get(account=account, kind="fee").amount == Decimal("-10.00")
    assert account.balance == Decimal("-10.00")


def test_r_d3_after_enable_the_ladder_counts_again_from_the_enable_day(account, operator):
    dunning_sweep(BILLING_DAY + timedelta(days=14))
    ladder.enable_account(account, actor=Actor.operator(operator))
    enabled_on = timezone.localdate()
    dunning_sweep(enabled_on + timedelta(days=1))
    assert type_name(account) == "Active"
    dunning_sweep(enabled_on + timedelta(days=2))
    assert type_name(account) == "Suspended until Paid"


def test_r_x3_back_to_active_before_the_ladder_ever_saw_the_account_counts_from_that_day(
    account, operator
):
    account_services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    account_services.change_status(account, "Active", actor=operator, reason="Customer request")
    back_on = timezone.localdate()  # the invoice of BILLING_DAY is long overdue by now
    dunning_sweep(back_on + timedelta(days=1))
    assert type_name(account) == "Active"
    dunning_sweep(back_on + timedelta(days=2))
    assert type_name(account) == "Suspended until Paid"


@pytest.mark.parametrize(
    "exemption", [{"exempt": True}, {"exempt": False, "until": date(2026, 12, 1)}]
)
def test_r_x2_an_exempt_account_is_left_alone(exemption, account, operator):
    account_services.set_dunning_exemption(account, actor=operator, **exemption)
    account.refresh_from_db()
    assert dunning_sweep(BILLING_DAY + timedelta(days=20))["checked"] == 0
    assert type_name(account) == "Active"


def test_r_x1_a_manual_suspension_for_abuse_is_not_released_by_payment(account, operator):
    account_services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    services.record_payment(account, "49.90", idempotency_key="pay", actor=operator)
    assert type_name(account) == "Suspended"


def test_r_x1_a_manual_suspension_for_non_payment_is_released_by_full_payment(account, operator):
    account_services.change_status(account, "Suspended", actor=operator, reason="Non-payment")
    services.record_payment(account, "49.90", idempotency_key="pay", actor=operator)
    assert type_name(account) == "Active"


def test_r_x3_paying_the_earliest_invoice_moves_the_anchor_to_the_next(account, operator):
    services.issue_invoice(account, amount="10", billing_date=date(2026, 11, 10), actor=operator)
    services.record_payment(account, "49.90", idempotency_key="pay", actor=operator)
    assert ladder.earliest_unpaid_due_date(account) == date(2026, 11, 10)
    dunning_sweep(date(2026, 11, 11))
    assert type_name(account) == "Active"
    dunning_sweep(date(2026, 11, 12))
    assert type_name(account) == "Suspended until Paid"


def test_r_g1_prepaid_lock_policy_locks_instead_of_credit_hold(operator):
    account = AccountFactory(actor=operator)
    services.assign_policy(account, DunningPolicy.objects.get(name=PREPAID_LOCK), actor=operator)
    services.record_payment(account, "5", idempotency_key="topup", actor=operator)
    services.post_usage(account, "5.01", description="fax pages", actor=operator)
    account.refresh_from_db()
    assert account.status_type.name == "Locked – insufficient credit"
    assert account.backend_status == S.ADMINISTRATIVE_HOLD
    assert StatusChange.objects.filter(account=account).first().rule_id == "R-G1"
    services.record_payment(account, "100", idempotency_key="topup2", actor=operator)
    assert type_name(account) == "Locked – insufficient credit"  # R-G2: an operator unlocks


def test_step_for_is_pure_and_picks_the_furthest_due_step():
    steps = [
        Step(1, 1, "days_past_due", 2),
        Step(2, 2, "days_past_due", 7),
        Step(3, 3, "days_past_due", 14),
    ]
    facts = DunningFacts(
        today=date(2026, 11, 9),
        anchor_due_date=date(2026, 11, 1),
        balance=Decimal("-1"),
        threshold=Decimal("-10"),
        negative_since=None,
    )
    assert step_for(steps, facts) == (steps[1], date(2026, 11, 8))
    assert [s.id for s, _ in passed_steps(steps, facts, 0)] == [1, 2]
    assert passed_steps(steps, facts, 2) == []
    assert (
        step_for(steps, DunningFacts(facts.today, None, Decimal("0"), Decimal("0"), None)) is None
    )


def test_the_dunning_sweep_leaves_paid_accounts_alone(operator):
    AccountFactory(actor=operator)
    assert dunning_sweep(BILLING_DAY + timedelta(days=30))["checked"] == 0
    assert Account.objects.filter(status_type__name="Active").exists()
