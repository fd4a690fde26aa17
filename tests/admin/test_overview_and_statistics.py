"""The account overview (R-X4 panel, history, schedules, ledger, deliveries) and R-E2 statistics."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import events, services
from accounts.models import Account, AccountStatusType, WebhookEndpoint
from accounts.models import BackendStatus as S
from accounts.selectors import account_statistics
from billing import services as billing
from billing.selectors import why_on_hold
from tests.accounts.states import account_in

from .conftest import overview_url

pytestmark = pytest.mark.django_db


def test_r_x4_a_credit_hold_is_explained_with_the_amount_that_releases_it(operator):
    account = account_in(S.ACTIVE, operator)
    billing.post_charge(account, "30.00", description="usage", actor=operator)
    explanation = why_on_hold(account)
    below = explanation.conditions[0]
    assert (below.rule_id, below.holds) == ("R-CH1 (a)", True)
    assert "balance -30.00 USD, threshold 0.00" in below.detail
    assert explanation.release_amount == Decimal("30.00") == billing.required_payment(account)
    assert explanation.release_on == timezone.localdate()
    assert explanation.last_change.rule_id == "R-CH1"
    assert "the system (R-CH1)" in explanation.actor


def test_r_x4_a_hold_by_hand_says_only_an_operator_lifts_it(operator):
    account = account_in(S.SUSPENDED, operator)
    services.change_status(account, "Closed until Paid", actor=operator, reason="Abuse")
    explanation = why_on_hold(account)
    assert explanation.release_amount is None
    assert "Only an operator releases it" in explanation.release
    assert "“Abuse”, not for non-payment (R-X1)" in explanation.release


def test_r_x4_an_administrative_hold_names_the_last_unlock_day_and_the_contact(operator):
    next_payment = timezone.localdate() - timedelta(days=5)
    account = account_in(S.ACTIVE, operator, next_payment_date=next_payment)
    services.change_status(
        account, "Administrative hold", actor=operator, reason="Non-payment"
    )  # R-G2b: Unlock lifts a hold entered for non-payment
    explanation = why_on_hold(account)
    assert explanation.release_on == next_payment + timedelta(days=30)
    assert settings.ORDERS_CONTACT in explanation.release


def test_r_x4_a_cancelled_account_names_the_reactivation_fee(operator):
    account = account_in(S.ACTIVE, operator)
    services.change_status(account, "Terminated", actor=operator, reason="Non-payment")
    explanation = why_on_hold(account)
    assert explanation.release_amount == Decimal("10.00")
    assert "R-D3" in explanation.release


def test_the_overview_shows_status_money_history_schedules_and_deliveries(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    WebhookEndpoint.objects.create(name="Switch", url="http://127.0.0.1:9/hook")
    billing.post_charge(account, "30.00", description="Fax usage", actor=operator)
    services.schedule_status_change(
        account,
        "Suspended",
        reason="Customer request",
        effective_on=timezone.localdate() + timedelta(days=3),
        actor=operator,
    )
    events.fan_out(enqueue=False)  # what the beat task does after commit (R-X6)
    client.force_login(billing_manager)
    response = client.get(overview_url(account))
    page = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "Why is this account on hold? (R-X4)",
        "A payment of 30.00 USD returns it to Active at once (R-CH5)",
        "Fax usage",
        "Credit limit reached",
        'id="threshold-form"',
        "portal/status/credit_hold.svg",
        "Scheduled status changes (R-E4)",
    ):
        assert expected in page, expected
    assert "account.status_changed" in page  # the delivery log of this account (R-X6)
    assert len(response.context["overview"].data["deliveries"]["rows"]) == 2  # created, credit hold


def test_a_support_agent_sees_the_overview_without_money_forms(client, operator, support_agent):
    account = account_in(S.ACTIVE, operator)
    client.force_login(support_agent)
    page = client.get(overview_url(account)).content.decode()
    assert "Why is this account on hold?" in page
    assert 'id="threshold-form"' not in page
    assert "No actions are available to you" in page


def test_r_e2_statistics_add_types_with_the_same_backend_status_together(operator):
    account_in(S.ACTIVE, operator)
    held = account_in(S.ACTIVE, operator)
    billing.post_charge(held, "5.00", description="usage", actor=operator)  # Credit hold
    other = account_in(S.ACTIVE, operator)
    billing.post_charge(other, "5.00", description="usage", actor=operator)
    services.change_status(
        other, "Suspended until Paid", actor=operator, reason="Credit limit reached"
    )
    rows = {row.backend_status: row for row in account_statistics()}
    assert rows[S.CREDIT_HOLD].count == 2
    assert set(rows[S.CREDIT_HOLD].type_names) == {"Credit hold", "Suspended until Paid"}
    assert rows[S.ACTIVE].count == 1


def test_r_e2_types_not_shown_in_statistics_are_left_out(operator):
    AccountStatusType.objects.filter(backend_status=S.ACTIVE).update(show_in_statistics=False)
    account_in(S.ACTIVE, operator)
    assert S.ACTIVE not in {row.backend_status for row in account_statistics()}


def test_r_e2_the_index_sidebar_shows_the_counts_and_links_to_them(client, operator):
    account_in(S.ACTIVE, operator)
    account_in(S.CANCELLED, operator)
    client.force_login(operator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Account Statistics" in page
    cancelled = next(r for r in account_statistics() if r.backend_status == S.CANCELLED)
    ids = ",".join(str(pk) for pk in cancelled.type_ids)
    listing = client.get(
        reverse("admin:accounts_account_changelist") + f"?status_type__id__in={ids}"
    )
    assert listing.status_code == 200
    assert (
        listing.context["cl"].result_count
        == cancelled.count
        == Account.objects.filter(status_type__backend_status=S.CANCELLED).count()
    )
