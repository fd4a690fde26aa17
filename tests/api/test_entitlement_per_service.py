"""R-S3 entitlement per service: a key with a service answers yes only when the account's
back-end status allows service use (DESIGN §2) and that service has a subscription in service
(Active or Graced; on credit hold also a postpaid one). A key with no service answers for the
account as before. Cobalt's case: the credit hold stopped its prepaid pay-as-you-go fax; its
postpaid VoIP line runs."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import services as account_services
from accounts.actors import Actor
from accounts.api.keys import InvalidApiKey, authenticate, issue_service_api_key
from accounts.models import ServiceApiKey
from subscriptions import services as subscriptions
from tests.subscriptions.factories import PlanFactory, funded_account, put_on_credit_hold

pytestmark = pytest.mark.django_db
REFUSED = {"allowed": False, "error": "ERROR: Account is locked or Invalid"}
ALLOWED = {"allowed": True}


def key(operator, name, service=""):
    return issue_service_api_key(name, actor=Actor.operator(operator), service=service)[1]


def ask(client, number, raw):
    response = client.get(
        reverse("api:entitlement", args=[number]), HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200
    return response.json()


def post_usage(client, number, raw, amount="0.25"):
    return client.post(
        reverse("api:usage", args=[number]),
        data=json.dumps({"amount": amount, "description": "1 page"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


@pytest.fixture
def keys(operator):
    return {
        "fax": key(operator, "fax-server-1", "Fax"),
        "voip": key(operator, "voip-switch-1", "VoIP"),
        "account": key(operator, "billing-portal"),
    }


def fax_payg():
    return PlanFactory(service="Fax", billing_model="prepaid", pay_as_you_go=True, price=10)


def voip_postpaid():
    return PlanFactory(service="VoIP", billing_model="postpaid", price=Decimal("20.00"))


@pytest.fixture
def cobalt(operator):
    """Prepaid pay-as-you-go fax and a postpaid VoIP line; then a credit hold stops the fax."""
    account = funded_account(operator, balance="100.00")
    actor = Actor.operator(operator)
    fax = subscriptions.order(account, fax_payg(), actor=actor)
    voip = subscriptions.order(account, voip_postpaid(), actor=actor)
    put_on_credit_hold(account, operator)
    fax.refresh_from_db()
    voip.refresh_from_db()
    assert (fax.status, voip.status) == ("stopped", "active")
    return account


def test_r_s3_cobalt_fax_key_is_refused_and_voip_key_allowed(client, cobalt, keys):
    assert ask(client, cobalt.number, keys["fax"]) == REFUSED
    assert ask(client, cobalt.number, keys["voip"]) == ALLOWED
    assert ask(client, cobalt.number, keys["account"]) == ALLOWED  # as before: something runs


def test_r_s3_cobalt_usage_follows_the_key_service(client, cobalt, keys):
    assert post_usage(client, cobalt.number, keys["fax"]).status_code == 403
    response = post_usage(client, cobalt.number, keys["voip"])
    assert response.status_code == 201 and response.json()["allowed"] is True


def test_r_s3_a_service_without_a_subscription_is_refused_on_an_active_account(
    client, operator, keys
):
    account = funded_account(operator)
    subscriptions.order(account, voip_postpaid(), actor=Actor.operator(operator))
    assert ask(client, account.number, keys["fax"]) == REFUSED
    assert ask(client, account.number, keys["voip"]) == ALLOWED
    assert ask(client, account.number, keys["account"]) == ALLOWED


def test_r_s3_the_key_service_matches_the_plan_service_ignoring_case(client, operator):
    account = funded_account(operator)
    subscriptions.order(account, fax_payg(), actor=Actor.operator(operator))
    assert ask(client, account.number, key(operator, "fax-lower", "fax")) == ALLOWED


def test_r_s3_a_graced_subscription_is_in_service_a_stopped_one_is_not(client, operator, keys):
    account = funded_account(operator)
    actor = Actor.operator(operator)
    plan = PlanFactory(service="Fax", billing_model="prepaid", trial_allowed=True, grace_days=7)
    sub = subscriptions.order(account, plan, actor=actor, trial=True, today=date(2026, 1, 1))
    subscriptions.run_subscription_charges(sub.period_end)
    sub.refresh_from_db()
    assert sub.status == "graced"
    assert ask(client, account.number, keys["fax"]) == ALLOWED
    subscriptions.run_subscription_charges(date(2026, 3, 1))
    sub.refresh_from_db()
    assert sub.status == "stopped"
    assert ask(client, account.number, keys["fax"]) == REFUSED


def test_r_s3_a_status_without_service_use_refuses_every_key(client, operator, keys):
    account = funded_account(operator)
    subscriptions.order(account, voip_postpaid(), actor=Actor.operator(operator))
    account_services.change_status(
        account, "Administrative hold", actor=Actor.operator(operator), reason="Abuse"
    )
    for raw in keys.values():
        assert ask(client, account.number, raw) == REFUSED


def test_r_s3_the_command_issues_a_key_for_a_service():
    out = io.StringIO()
    call_command("create_service_api_key", "fax-server-7", "--service", "Fax", stdout=out)
    row = authenticate(out.getvalue().strip())
    assert (row.name, row.service) == ("fax-server-7", "Fax")
    call_command("create_service_api_key", "portal-7", stdout=io.StringIO())
    assert ServiceApiKey.objects.get(name="portal-7").service == ""


@pytest.mark.parametrize("bad", ["x" * 81, "fax\x00", 7])
def test_r_s3_a_bad_service_is_a_domain_error(operator, bad):
    with pytest.raises(InvalidApiKey, match="at most 80"):
        issue_service_api_key("fax-server-8", actor=Actor.operator(operator), service=bad)
    assert not ServiceApiKey.objects.filter(name="fax-server-8").exists()


def test_r_s3_the_key_admin_shows_and_stores_the_service(client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:accounts_serviceapikey_add")).content.decode()
    assert 'name="service"' in page
    client.post(
        reverse("admin:accounts_serviceapikey_add"),
        {"name": "voip-switch-2", "service": "VoIP", "is_active": "on"},
    )
    assert ServiceApiKey.objects.get(name="voip-switch-2").service == "VoIP"
