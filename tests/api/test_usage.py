"""`POST /api/v1/accounts/<number>/usage`: pay-as-you-go usage for entitled accounts, refused the
same way as the entitlement check (R-G1), idempotent, and bad input is a 400 with a message."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import DunningPolicy, EntryKind, LedgerEntry
from tests.accounts.states import account_in
from tests.subscriptions.factories import funded_account

pytestmark = pytest.mark.django_db
D = Decimal
REFUSED = {"allowed": False, "error": "ERROR: Account is locked or Invalid"}


@pytest.fixture
def api_key(operator):
    return issue_service_api_key("fax-server-1", actor=Actor.operator(operator))[1]


def post(client, number, body, key):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(
        reverse("api:usage", args=[number]),
        data=data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def usage(account):
    return list(
        LedgerEntry.objects.filter(account=account, kind=EntryKind.USAGE).values_list(
            "amount", "description"
        )
    )


def test_usage_is_posted_for_an_active_account(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    response = post(client, account.number, {"amount": "0.25", "description": "3 pages"}, api_key)
    assert response.status_code == 201
    assert response.json() | {"entry": 0} == {
        "recorded": True,
        "duplicate": False,
        "entry": 0,
        "amount": "0.25",
        "currency": "USD",
        "balance": "9.75",
        "allowed": True,
    }
    assert usage(account) == [(D("-0.25"), "fax-server-1: 3 pages")]


def test_a_json_number_is_read_exactly_not_as_a_float(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    assert post(client, account.number, '{"amount": 0.1}', api_key).status_code == 201
    assert usage(account)[0][0] == D("-0.10")


def test_the_same_idempotency_key_records_usage_once(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    body = {"amount": "1.00", "idempotency_key": "call-42"}
    first = post(client, account.number, body, api_key)
    again = post(client, account.number, body, api_key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True and again.json()["entry"] == first.json()["entry"]
    assert len(usage(account)) == 1


def test_a_usage_key_never_collides_with_a_payment_key(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    billing.record_payment(account, "5.00", idempotency_key="abc", actor=operator)
    assert (
        post(
            client, account.number, {"amount": "1.00", "idempotency_key": "abc"}, api_key
        ).status_code
        == 201
    )
    assert len(usage(account)) == 1


@pytest.mark.parametrize(
    "status",
    [S.PROSPECT, S.CREDIT_HOLD, S.SUSPENDED, S.ADMINISTRATIVE_HOLD, S.CANCELLED, S.DELETED],
)
def test_r_g1_usage_for_an_account_that_may_not_use_services_is_refused(
    client, operator, api_key, status
):
    account = account_in(status, operator)
    response = post(client, account.number, {"amount": "0.25"}, api_key)
    assert response.status_code == 403 and response.json() == REFUSED
    assert usage(account) == []


def test_usage_for_an_unknown_account_is_refused_the_same_way(client, api_key):
    response = post(client, "0000000000", {"amount": "0.25"}, api_key)
    assert response.status_code == 403 and response.json() == REFUSED


def test_r_g1_usage_that_exhausts_prepaid_credit_locks_the_account(client, operator, api_key):
    account = funded_account(operator, balance="1.00")
    billing.assign_policy(
        account, DunningPolicy.objects.get(name="Prepaid lock on exhaustion"), actor=operator
    )
    response = post(client, account.number, {"amount": "1.50"}, api_key)
    assert response.status_code == 201 and response.json()["allowed"] is False
    account.refresh_from_db()
    assert account.backend_status == S.ADMINISTRATIVE_HOLD
    entitlement = client.get(
        reverse("api:entitlement", args=[account.number]), HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )
    assert entitlement.json() == REFUSED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "The body must be a JSON object."),
        ("[1, 2]", "The body must be a JSON object."),
        ("", "The body must be a JSON object."),
        ({}, "“amount” is required"),
        ({"amount": "abc"}, "The amount “abc” is not a number."),
        ({"amount": "-1"}, "The amount must be greater than zero."),
        ({"amount": "0.001"}, "The amount 0.001 has more than 2 decimal places."),
        ({"amount": True}, "is not a number"),
        ({"amount": "1", "description": 5}, "“description” must be a string"),
        ({"amount": "1", "idempotency_key": ""}, "“idempotency_key” must be a non-empty string"),
        ({"amount": "1", "idempotency_key": "k" * 81}, "at most 80 characters"),
        ({"amount": "1e400"}, "The amount 1e400 is too large."),
        ({"amount": "NaN"}, "is not a number"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_writes_nothing(
    client, operator, api_key, body, message
):
    account = funded_account(operator, balance="10.00")
    response = post(client, account.number, body, api_key)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert usage(account) == []


def test_usage_without_a_key_is_401_and_get_is_405(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    url = reverse("api:usage", args=[account.number])
    assert client.post(url, data="{}", content_type="application/json").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {api_key}").status_code == 405
