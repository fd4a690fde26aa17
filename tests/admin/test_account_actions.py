"""Each Accounts gear-menu item calls its service; refusals are admin messages, never a 500."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import BackendStatus as S
from accounts.models import ScheduledStatusChange, StatusReason
from accounts.transitions import CREDIT_HOLD_IS_MONEY
from billing.models import EntryKind, LedgerEntry
from subscriptions import services as subscriptions
from subscriptions.models import Subscription
from tests.accounts.states import account_in
from tests.subscriptions.factories import PlanFactory, funded_account

from .conftest import action_url, messages_of, overview_url

pytestmark = pytest.mark.django_db


def post(client, account, slug, **data):
    return client.post(action_url(account, slug), data, follow=True)


def test_change_status_from_the_menu_shows_its_form_first(client, operator, billing_manager):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    page = post(client, account, "change-status").content.decode()
    assert 'name="status_type"' in page and 'name="reason"' in page
    assert 'data-fits="' in page  # the reason select knows which statuses each reason fits


def test_change_status_to_credit_hold_is_refused_with_the_money_message(
    client, operator, billing_manager
):
    """R-CH1: credit hold is a function of money; the refusal names the threshold and balance."""
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "change-status",
        _step="confirm",
        status_type=services.default_status_type(S.CREDIT_HOLD).pk,
        reason=StatusReason.objects.get(name="Non-payment").pk,
    )
    assert response.status_code == 200
    assert any(CREDIT_HOLD_IS_MONEY in m for m in messages_of(response))
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE


def test_change_status_with_a_reason_that_does_not_fit_is_a_form_error(
    client, operator, billing_manager
):
    """R-E3: a reason is usable only for the back-end statuses it lists."""
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "change-status",
        _step="confirm",
        status_type=services.default_status_type(S.SUSPENDED).pk,
        reason=StatusReason.objects.get(name="New account").pk,
    )
    assert "cannot be used for the status Suspended" in response.content.decode()
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE


def test_suspend_moves_the_account_with_the_operator_and_reason_in_history(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "suspend",
        _step="confirm",
        status_type=services.default_status_type(S.SUSPENDED).pk,
        reason=StatusReason.objects.get(name="Abuse").pk,
        note="spam complaints",
    )
    assert response.redirect_chain[-1][0] == overview_url(account)
    account.refresh_from_db()
    assert account.status_type.name == "Suspended"
    change = account.status_changes.first()
    assert (change.actor_user, change.reason.name, change.note) == (
        billing_manager,
        "Abuse",
        "spam complaints",
    )


def test_r_e5_r_x5_cancel_preview_lists_the_refund_and_confirm_writes_exactly_it(
    client, operator, billing_manager
):
    account = funded_account(operator)
    today = timezone.localdate()
    sub = subscriptions.order(
        account, PlanFactory(), actor=operator, today=today - timedelta(days=10)
    )
    client.force_login(billing_manager)
    fields = {
        "option": "immediately_prorated_refund",
        "reason": StatusReason.objects.get(name="Customer request").pk,
    }
    preview = post(client, account, "cancel", _step="preview", **fields)
    rows = preview.context["preview"]["rows"]
    assert [(row["kind"], row["amount"]) for row in rows] == [("Refund", rows[0]["amount"])]
    # Kill Bill's rule (R-E5): price × (end − today) / (end − start), half-up to the cent.
    left, days = (sub.period_end - today).days, sub.period_days
    expected = (sub.price * left / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert rows[0]["amount"] == expected
    assert not LedgerEntry.objects.filter(account=account, kind=EntryKind.REFUND).exists()

    post(client, account, "cancel", _step="confirm", **fields)
    refunds = LedgerEntry.objects.filter(account=account, kind=EntryKind.REFUND)
    assert [entry.amount for entry in refunds] == [row["amount"] for row in rows]
    account.refresh_from_db()
    sub.refresh_from_db()
    assert (account.backend_status, sub.status) == (S.CANCELLED, Subscription.Status.CANCELLED)


def test_cancel_with_a_dated_option_and_no_date_is_a_form_error(client, operator, billing_manager):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "cancel",
        _step="preview",
        option="specific_date_prorated_refund",
        reason=StatusReason.objects.get(name="Customer request").pk,
    )
    assert "needs a date" in response.content.decode()


def test_r_d3_enable_previews_the_reactivation_fee_then_charges_it(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    services.change_status(account, "Terminated", actor=operator, reason="Non-payment")
    client.force_login(billing_manager)
    reason = StatusReason.objects.get(name="Reactivated by operator").pk
    preview = post(client, account, "enable", _step="preview", reason=reason)
    assert [row["amount"] for row in preview.context["preview"]["rows"]] == [Decimal("-10.00")]
    post(client, account, "enable", _step="confirm", reason=reason)
    account.refresh_from_db()
    fee = LedgerEntry.objects.get(account=account, kind=EntryKind.FEE)
    assert fee.amount == Decimal("-10.00")
    assert account.backend_status in (S.ACTIVE, S.CREDIT_HOLD)


def test_record_payment_submitted_twice_records_one_payment(client, operator, billing_manager):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    form = post(client, account, "record-payment").context["form"]
    key = form["idempotency_key"].value()
    data = {"_step": "confirm", "amount": "25.00", "description": "Cheque", "idempotency_key": key}
    post(client, account, "record-payment", **data)
    second = post(client, account, "record-payment", **data)
    assert LedgerEntry.objects.filter(account=account, kind=EntryKind.PAYMENT).count() == 1
    assert any("already recorded" in m for m in messages_of(second))
    account.refresh_from_db()
    assert account.balance == Decimal("25.00")


@pytest.mark.parametrize("amount", ["abc", "1.234", "-5", "0", "1e400"])
def test_record_payment_with_a_bad_amount_is_a_readable_form_error(
    client, operator, billing_manager, amount
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "record-payment",
        _step="confirm",
        amount=amount,
        description="x",
        idempotency_key="k1",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert not LedgerEntry.objects.filter(account=account).exists()


def test_record_payment_posted_without_its_hidden_key_names_the_missing_field(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client, account, "record-payment", _step="confirm", amount="12.00", description="x"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please correct the error below." in body
    assert 'class="errorlist"' in body and "Idempotency key" in body
    assert not LedgerEntry.objects.filter(account=account).exists()


def test_r_ch3_a_threshold_above_the_balance_puts_the_account_on_credit_hold(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    post(client, account, "set-threshold", _step="confirm", threshold="50.00")
    account.refresh_from_db()
    assert account.financial_blocking_threshold == Decimal("50.00")
    assert account.backend_status == S.CREDIT_HOLD
    assert account.status_changes.first().rule_id == "R-CH3"


def test_r_e4_schedule_from_the_menu_then_cancel_it_from_the_overview(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    on = timezone.localdate() + timedelta(days=5)
    post(
        client,
        account,
        "schedule",
        _step="confirm",
        status_type=services.default_status_type(S.SUSPENDED).pk,
        reason=StatusReason.objects.get(name="Customer request").pk,
        effective_on=on.isoformat(),
    )
    scheduled = ScheduledStatusChange.objects.get(account=account)
    assert (scheduled.effective_on, scheduled.author) == (on, billing_manager)
    overview = client.get(overview_url(account)).content.decode()
    assert f'name="scheduled" value="{scheduled.pk}"' in overview
    post(client, account, "cancel-scheduled", _step="confirm", scheduled=scheduled.pk)
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledStatusChange.State.CANCELLED


def test_r_e4_a_schedule_in_the_past_is_refused_with_the_services_message(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = post(
        client,
        account,
        "schedule",
        _step="confirm",
        status_type=services.default_status_type(S.SUSPENDED).pk,
        reason=StatusReason.objects.get(name="Customer request").pk,
        effective_on=(timezone.localdate() - timedelta(days=1)).isoformat(),
    )
    assert any("that date has passed" in m for m in messages_of(response))
    assert not ScheduledStatusChange.objects.filter(account=account).exists()


def test_r_e8_bill_account_bills_what_fell_due_while_cancelled(client, operator, billing_manager):
    account = funded_account(operator)
    today = timezone.localdate()
    subscriptions.order(account, PlanFactory(), actor=operator, today=today - timedelta(days=40))
    services.change_status(account, "Cancelled", actor=operator, reason="Customer request")
    charges_before = LedgerEntry.objects.filter(account=account, kind=EntryKind.CHARGE).count()
    client.force_login(billing_manager)
    response = post(client, account, "bill", _step="confirm")
    assert any("Billed account" in m for m in messages_of(response))
    assert LedgerEntry.objects.filter(account=account, kind=EntryKind.CHARGE).count() > (
        charges_before
    )
