"""The gear menu's plumbing: POST only, CSRF, permissions re-checked, items filtered per user."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.admin_frames import account_menu
from accounts.models import BackendStatus as S
from accounts.models import StatusChange
from billing.models import LedgerEntry
from tests.accounts.factories import MembershipFactory
from tests.accounts.states import account_in

from .conftest import action_url

pytestmark = pytest.mark.django_db

ACCOUNT_SLUGS = [action.slug for action in account_menu]  # as every app registered them
BILLING_SLUGS = ["change-status", "suspend", "cancel", "record-payment", "schedule"]


@pytest.mark.parametrize("slug", ACCOUNT_SLUGS)
def test_a_get_on_an_account_action_url_is_answered_405(client, operator, slug):
    account = account_in(S.ACTIVE, operator)
    client.force_login(operator)
    assert client.get(action_url(account, slug)).status_code == 405


@pytest.mark.parametrize("slug", ["unlock", "lock"])
def test_a_get_on_a_user_action_url_is_answered_405(client, operator, customer, slug):
    client.force_login(operator)
    assert client.get(action_url(customer, slug)).status_code == 405


def test_a_post_without_csrf_token_is_refused_with_403_and_changes_nothing(operator, customer):
    account = account_in(S.ADMINISTRATIVE_HOLD, operator)
    MembershipFactory(user=customer, account=account)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(action_url(customer, "unlock"))
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.backend_status == S.ADMINISTRATIVE_HOLD


def test_a_post_with_the_csrf_token_of_the_list_page_is_accepted(operator, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    client.get(reverse("admin:auth_user_changelist"))
    token = client.cookies["csrftoken"].value
    response = client.post(action_url(customer, "unlock"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


@pytest.mark.parametrize("slug", BILLING_SLUGS)
def test_a_support_agent_posting_a_billing_action_gets_403_and_nothing_changes(
    client, operator, support_agent, slug
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(support_agent)
    response = client.post(
        action_url(account, slug),
        {"_step": "confirm", "amount": "10.00", "idempotency_key": "k", "description": "x"},
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(account=account).exists()
    assert StatusChange.objects.filter(account=account).count() == 1


def test_a_support_agent_sees_no_billing_item_in_the_accounts_gear_menu(
    client, operator, support_agent
):
    account_in(S.ACTIVE, operator)
    client.force_login(support_agent)
    page = client.get(reverse("admin:accounts_account_changelist")).content.decode()
    for label in ("Change status…", "Cancel…", "Record payment…", "Suspend…", "Enable…"):
        assert label not in page


def test_a_support_agent_sees_unlock_and_lock_in_the_users_gear_menu(
    client, support_agent, customer
):
    client.force_login(support_agent)
    page = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert 'data-action="unlock"' in page and 'data-action="lock"' in page
    assert 'form="gear-form"' in page and 'id="gear-form"' in page


def test_a_billing_manager_sees_the_money_items_that_fit_each_status(
    client, operator, billing_manager
):
    account_in(S.ACTIVE, operator)
    account_in(S.CANCELLED, operator)
    client.force_login(billing_manager)
    page = client.get(reverse("admin:accounts_account_changelist")).content.decode()
    assert page.count('data-action="enable"') == 1  # only the cancelled account (R-D3)
    assert page.count('data-action="bill"') == 1  # R-E8: only for Cancelled
    assert page.count('data-action="record-payment"') == 2


def test_an_action_that_does_not_fit_the_state_is_refused_with_a_message(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = client.post(action_url(account, "enable"), follow=True)
    assert "“Enable…” does not apply" in response.content.decode()
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE


def test_an_unknown_object_is_404_not_500(client, operator):
    client.force_login(operator)
    url = reverse("admin:accounts_account_cancel", args=[987654])
    assert client.post(url).status_code == 404
