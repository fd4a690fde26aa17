"""R-R3 outside the portal: a reseller's API key sees its reseller's accounts only (another
reseller's account is a 404, like an unknown one), and a reseller's webhook endpoint receives
its own accounts' events only."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.events import fan_out
from accounts.models import WebhookDelivery, WebhookEndpoint
from accounts.models.service_keys import API_SCOPES

pytestmark = pytest.mark.django_db


def client_for(reseller, operator):
    raw = issue_service_api_key(
        f"key of {reseller}", actor=Actor.operator(operator), scopes=API_SCOPES, reseller=reseller
    )[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_r_r3_a_reseller_key_lists_only_its_resellers_accounts(
    side_a, side_b, own_account, provider_operator
):
    api = client_for(side_a.reseller, provider_operator)
    response = api.get("/api/v1/accounts/")
    assert response.status_code == 200
    numbers = {row["number"] for row in response.json()["results"]}
    assert numbers == {side_a.account.number}


def test_r_r3_another_resellers_account_is_a_404_on_every_nested_resource(
    side_a, side_b, provider_operator
):
    api = client_for(side_a.reseller, provider_operator)
    number = side_b.account.number
    for path in ("", "status-changes/", "ledger-entries/", "invoices/", "subscriptions/"):
        assert api.get(f"/api/v1/accounts/{number}/{path}").status_code == 404, path
    unknown = api.get("/api/v1/accounts/999999999/")
    assert unknown.status_code == 404


def test_r_r3_a_reseller_keys_new_account_is_its_resellers(side_a, provider_operator):
    api = client_for(side_a.reseller, provider_operator)
    response = api.post("/api/v1/accounts/", {"name": "Via API Ltd"}, format="json")
    assert response.status_code == 201, response.content
    from accounts.models import Account

    assert Account.objects.get(number=response.json()["number"]).reseller == side_a.reseller


def test_r_r3_the_event_feed_of_a_reseller_key_holds_its_accounts_events_only(
    side_a, side_b, provider_operator
):
    api = client_for(side_a.reseller, provider_operator)
    events = api.get("/api/v1/events/").json()["results"]
    subjects = {e["subject"] for e in events}
    assert f"account:{side_b.account.number}" not in subjects


def test_r_r3_the_entitlement_of_another_resellers_account_is_answered_as_unknown(
    side_a, side_b, provider_operator
):
    api = client_for(side_a.reseller, provider_operator)
    own = api.get(f"/api/v1/accounts/{side_a.account.number}/entitlement")
    other = api.get(f"/api/v1/accounts/{side_b.account.number}/entitlement")
    assert own.json()["allowed"] is True
    assert other.status_code == 404 or other.json()["allowed"] is False


def test_r_r3_a_resellers_endpoint_receives_its_own_accounts_events_only(
    side_a, side_b, own_account
):
    WebhookEndpoint.objects.all().delete()
    a_hook = WebhookEndpoint.objects.create(
        name="A hook", url="https://a.example/hook", reseller=side_a.reseller
    )
    provider_hook = WebhookEndpoint.objects.create(name="P hook", url="https://p.example/h")
    for account in (side_a.account, side_b.account, own_account):
        services.change_status(
            account, "Suspended", actor=Actor.system("R-D1"), reason="Non-payment"
        )
    fan_out(enqueue=False)
    a_accounts = set(
        WebhookDelivery.objects.filter(endpoint=a_hook).values_list("event__account", flat=True)
    )
    assert a_accounts == {side_a.account.pk}
    p_accounts = set(
        WebhookDelivery.objects.filter(endpoint=provider_hook).values_list(
            "event__account", flat=True
        )
    )
    assert {side_a.account.pk, side_b.account.pk, own_account.pk} <= p_accounts
