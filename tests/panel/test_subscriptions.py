"""Subscriptions in the control panel: order, activate and manage within the rules; every refusal
on credit hold shows its message and the payment that lifts the hold (R-CH8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import Membership
from accounts.panel import access
from billing import services as billing
from subscriptions import services as subscriptions
from subscriptions.models import Subscription
from subscriptions.policy import MSG_TOP_UP_TO_ACTIVATE
from tests.accounts.factories import UserFactory
from tests.subscriptions.factories import (
    PLAN_SHAPES,
    PlanFactory,
    funded_account,
    put_on_credit_hold,
)

from .companies import company_in, text

pytestmark = pytest.mark.django_db
D = Decimal


def url(name, sub):
    return reverse(f"panel:{name}", args=[sub.account.number, sub.pk])


def member_of(account):
    user = UserFactory()
    Membership.objects.create(user=user, account=account)
    return user


def test_ordering_a_commercial_plan_creates_it_and_opens_its_page(client, operator):
    company = company_in(S.ACTIVE, operator, credit_note=False)
    plan = PlanFactory(price=D("30.00"))
    client.force_login(company.user)
    response = client.post(
        reverse("panel:order", args=[company.number]), {"plan": plan.pk, "_step": "confirm"}
    )
    sub = Subscription.objects.get(account=company.account, plan=plan)
    assert response.status_code == 302 and response["Location"] == url("subscription", sub)
    assert sub.status == "active" and not sub.trial
    company.account.refresh_from_db()
    assert company.account.balance == D("450.00")  # the prepaid first period is charged


def test_ordering_a_trial_of_a_plan_without_one_says_so(client, operator):
    company = company_in(S.ACTIVE, operator)
    plan = PlanFactory(trial_allowed=False)
    client.force_login(company.user)
    response = client.post(
        reverse("panel:order", args=[company.number]), {"plan": plan.pk, "trial": "on"}
    )
    assert response.status_code == 400
    assert f"The plan “{plan.name}” has no trial; order it commercially." in text(response)


def test_ordering_an_unknown_plan_is_a_form_error(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.post(reverse("panel:order", args=[company.number]), {"plan": "999999"})
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)


def test_r_ch8_on_credit_hold_a_commercial_order_is_allowed(client, operator):
    company = company_in(S.CREDIT_HOLD, operator)
    plan = PlanFactory(**PLAN_SHAPES["postpaid"])
    client.force_login(company.user)
    response = client.post(
        reverse("panel:order", args=[company.number]), {"plan": plan.pk, "_step": "confirm"}
    )
    assert response.status_code == 302
    assert Subscription.objects.filter(account=company.account, plan=plan).exists()


def test_r_ch8_on_credit_hold_a_trial_order_is_refused_with_the_top_up_message(client, operator):
    company = company_in(S.CREDIT_HOLD, operator)
    plan = PlanFactory()
    client.force_login(company.user)
    response = client.post(
        reverse("panel:order", args=[company.number]), {"plan": plan.pk, "trial": "on"}
    )
    assert response.status_code == 403
    body = text(response)
    assert str(access.MSG_TRIAL_ON_HOLD).format(amount="42.50", currency="USD") in body
    assert f'href="{reverse("panel:pay_required", args=[company.number])}"' in body
    assert not Subscription.objects.filter(account=company.account, plan=plan).exists()


def stopped_by_the_hold(operator):
    """A prepaid pay-as-you-go subscription that R-CH7 stopped when the company went on hold."""
    account = funded_account(operator, balance="300.00")
    plan = PlanFactory(**PLAN_SHAPES["prepaid_payg"], price=D("100.00"))
    sub = subscriptions.order(account, plan, actor=Actor.operator(operator))
    put_on_credit_hold(account, operator)
    sub.refresh_from_db()
    assert sub.status == "stopped"
    return sub


def test_r_ch8_activating_a_stopped_prepaid_payg_subscription_asks_for_the_top_up(client, operator):
    sub = stopped_by_the_hold(operator)
    client.force_login(member_of(sub.account))
    response = client.post(url("subscription_activate", sub))
    assert response.status_code == 403
    amount = billing.required_payment(sub.account)
    body = text(response)
    assert str(MSG_TOP_UP_TO_ACTIVATE).format(amount=amount, currency="USD") in body
    assert f"Pay {amount} USD" in body
    sub.refresh_from_db()
    assert sub.status == "stopped"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("subscription_renew", {}),
        ("subscription_stop", {}),
        ("subscription_change_plan", {"plan": "0"}),
    ],
)
def test_r_ch8_managing_subscriptions_on_credit_hold_is_refused_with_its_message(
    client, operator, action, data
):
    company = company_in(S.CREDIT_HOLD, operator)
    sub = company.subscription
    client.force_login(company.user)
    response = client.post(url(action, sub), data)
    assert response.status_code == 403
    message = str(access.MSG_MANAGE_ON_HOLD).format(amount="42.50", currency="USD")
    assert message in text(response)
    sub.refresh_from_db()
    assert (sub.status, sub.cancel_on) == ("active", None)


def test_r_ch8_on_credit_hold_a_customer_may_still_cancel_at_period_end(client, operator):
    """Cancel is not in R-CH8's list (renew, stop, change plan): the service allows it, the panel
    offers it and it is scheduled for the period end."""
    company = company_in(S.CREDIT_HOLD, operator)
    sub = company.subscription
    client.force_login(company.user)
    assert "Cancel the subscription" in text(client.get(url("subscription", sub)))
    response = client.post(url("subscription_cancel", sub), {"option": "period_end"})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.cancel_on == sub.period_end


def test_on_credit_hold_the_subscription_page_explains_why_it_cannot_be_managed(client, operator):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    body = text(client.get(url("subscription", company.subscription)))
    assert 'id="manage-unavailable"' in body and 'id="stop"' not in body


def test_an_active_company_stops_and_activates_a_subscription(client, operator):
    company = company_in(S.ACTIVE, operator)
    sub = company.subscription
    client.force_login(company.user)
    assert client.post(url("subscription_stop", sub)).status_code == 302
    sub.refresh_from_db()
    assert sub.status == "stopped"
    assert client.post(url("subscription_activate", sub)).status_code == 302
    sub.refresh_from_db()
    assert sub.status == "active"


def test_an_active_company_moves_a_subscription_to_another_plan_of_its_service(client, operator):
    company = company_in(S.ACTIVE, operator)
    sub = company.subscription
    other = PlanFactory(**PLAN_SHAPES["postpaid"], price=D("29.00"), service=sub.plan.service)
    client.force_login(company.user)
    page = text(client.get(url("subscription", sub)))
    assert other.name in page
    response = client.post(url("subscription_change_plan", sub), {"plan": other.pk})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.plan == other


def test_a_plan_of_another_service_cannot_be_chosen(client, operator):
    company = company_in(S.ACTIVE, operator)
    sub = company.subscription
    voip = PlanFactory(**PLAN_SHAPES["postpaid"], service="VoIP")
    client.force_login(company.user)
    response = client.post(url("subscription_change_plan", sub), {"plan": voip.pk})
    assert response.status_code == 400
    assert "Choose one of the plans offered." in text(response)


def test_cancelling_at_period_end_is_scheduled_and_can_be_withdrawn(client, operator):
    company = company_in(S.ACTIVE, operator)
    sub = company.subscription
    client.force_login(company.user)
    response = client.post(url("subscription_cancel", sub), {"option": "period_end"}, follow=True)
    sub.refresh_from_db()
    assert sub.cancel_on == sub.period_end
    assert f"The subscription will be cancelled on {sub.period_end}." in text(response)
    client.post(url("subscription_withdraw_cancel", sub))
    sub.refresh_from_db()
    assert sub.cancel_on is None and sub.status == "active"


def test_a_cancel_option_the_panel_does_not_offer_is_refused(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.post(
        url("subscription_cancel", company.subscription), {"option": "immediately_full_refund"}
    )
    assert response.status_code == 400
    assert "Choose when to cancel." in text(response)


def test_an_action_the_subscription_status_does_not_allow_shows_the_services_message(
    client, operator
):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.post(url("subscription_renew", company.subscription))
    assert response.status_code == 400
    assert "A subscription that is Active cannot renew." in text(response)
