"""Unlock / Lock User Account from the Users gear menu (R-G2, R-G3) and the R-CH7b queue."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import StatusReason, UnlockAttempt
from accounts.unlocking import LOCKED_TYPE_NAME
from subscriptions.models import Subscription
from tests.accounts.factories import MembershipFactory
from tests.accounts.states import account_in
from tests.subscriptions.factories import PlanFactory, funded_account, put_on_credit_hold

from .conftest import action_url, messages_of

pytestmark = pytest.mark.django_db


def held_user(operator, customer, days_since_next_payment):
    next_payment = timezone.localdate() - timedelta(days=days_since_next_payment)
    account = account_in(S.ACTIVE, operator, next_payment_date=next_payment)
    # R-G2b: Unlock lifts a hold entered for non-payment (the R-G1 lock), not one for abuse.
    services.change_status(
        account,
        services.get_status_type(LOCKED_TYPE_NAME),
        actor=Actor.system("R-G1"),
        reason="Non-payment",
    )
    account.refresh_from_db()
    MembershipFactory(user=customer, account=account)
    return account


def test_r_g2_a_support_agent_unlocks_on_the_30th_day_after_next_payment(
    client, operator, support_agent, customer
):
    account = held_user(operator, customer, 30)
    client.force_login(support_agent)
    response = client.post(action_url(customer, "unlock"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:auth_user_changelist")
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert any("must renew by" in m for m in messages_of(response))  # R-G3 deadline
    assert UnlockAttempt.objects.get(account=account).actor_user == support_agent


def test_r_g2_on_the_31st_day_the_refusal_names_the_date_and_the_orders_contact(
    client, operator, support_agent, customer
):
    account = held_user(operator, customer, 31)
    client.force_login(support_agent)
    response = client.post(action_url(customer, "unlock"), follow=True)
    (message,) = messages_of(response)
    assert account.next_payment_date.isoformat() in message
    assert settings.ORDERS_CONTACT in message
    assert 'class="error"' in response.content.decode()
    account.refresh_from_db()
    assert account.backend_status == S.ADMINISTRATIVE_HOLD
    assert UnlockAttempt.objects.filter(account=account, allowed=False).count() == 1


def test_lock_user_account_asks_for_a_reason_then_holds_every_account(
    client, operator, support_agent, customer
):
    account = account_in(S.ACTIVE, operator)
    MembershipFactory(user=customer, account=account)
    client.force_login(support_agent)
    form = client.post(action_url(customer, "lock")).content.decode()
    assert 'name="reason"' in form
    reason = StatusReason.objects.get(name="Fraud review").pk
    client.post(action_url(customer, "lock"), {"_step": "confirm", "reason": reason})
    account.refresh_from_db()
    assert account.backend_status == S.ADMINISTRATIVE_HOLD


def test_lock_of_a_user_without_accounts_is_a_readable_refusal(client, support_agent, customer):
    client.force_login(support_agent)
    reason = StatusReason.objects.get(name="Fraud review").pk
    response = client.post(
        action_url(customer, "lock"), {"_step": "confirm", "reason": reason}, follow=True
    )
    assert any("no account that can be locked" in m for m in messages_of(response))


def waiting_subscription(operator):
    account = funded_account(operator)
    plan = PlanFactory(billing_model="prepaid", pay_as_you_go=True, on_credit_hold="manual_approve")
    sub = subscriptions_order(account, plan, operator)
    put_on_credit_hold(account, operator)
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.WAITING_FOR_MANUAL_APPROVE
    return sub


def subscriptions_order(account, plan, operator):
    from subscriptions import services

    return services.order(account, plan, actor=operator)


def test_r_ch7b_the_queue_lists_waiting_subscriptions_for_billing_managers_only(
    client, operator, billing_manager, support_agent
):
    sub = waiting_subscription(operator)
    url = reverse("admin:subscriptions_subscription_approval_queue")
    client.force_login(support_agent)
    assert client.get(url).status_code == 403
    client.force_login(billing_manager)
    page = client.get(url).content.decode()
    assert sub.plan.name in page and 'data-action="approve"' in page


@pytest.mark.parametrize(("slug", "status"), [("approve", "active"), ("deny", "stopped")])
def test_r_ch7b_a_manager_approves_or_stops_a_waiting_subscription(
    client, operator, billing_manager, slug, status
):
    sub = waiting_subscription(operator)
    client.force_login(billing_manager)
    response = client.post(action_url(sub, slug), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:subscriptions_subscription_approval_queue"
    )
    sub.refresh_from_db()
    assert sub.status == status


def test_r_ch7b_approving_a_subscription_that_no_longer_waits_is_refused(
    client, operator, billing_manager
):
    sub = waiting_subscription(operator)
    client.force_login(billing_manager)
    client.post(action_url(sub, "deny"))
    response = client.post(action_url(sub, "approve"), follow=True)
    assert any("not waiting for manual approval" in m for m in messages_of(response))
