"""`GET /api/v1/accounts/<number>/entitlement`: per-service keys (401 without one) and the answer
for every back-end status from the access table (DESIGN §2 "service use", R-G1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.actors import Actor
from accounts.api.keys import authenticate, hash_key, issue_service_api_key
from accounts.models import BackendStatus as S
from accounts.models import ServiceApiKey
from subscriptions import services as subscriptions
from tests.accounts.states import account_in
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account
from tests.subscriptions.factories import put_on_credit_hold as hold

pytestmark = pytest.mark.django_db
REFUSED = {"allowed": False, "error": "ERROR: Account is locked or Invalid"}
ALLOWED = {"allowed": True}


@pytest.fixture
def api_key(operator):
    _row, raw = issue_service_api_key("fax-server-1", actor=Actor.operator(operator))
    return raw


def ask(client, number, key=None, **headers):
    if key is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {key}")
    return client.get(reverse("api:entitlement", args=[number]), **headers)


def test_without_a_key_the_answer_is_401_json(client, operator):
    account = account_in(S.ACTIVE, operator)
    response = ask(client, account.number)
    assert response.status_code == 401
    assert response.json() == {
        "error": "A valid service API key is required (Authorization: Bearer <key>)."
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "bad",
    ["lsk_nothing", "Bearer", "lsk_abc.def", "x" * 500, "", "lsk_.", "lsk_💥.x"],
)
def test_a_wrong_or_malformed_key_is_401(client, operator, api_key, bad):
    account = account_in(S.ACTIVE, operator)
    assert ask(client, account.number, bad).status_code == 401


def test_a_key_with_a_right_prefix_and_a_wrong_secret_is_401(client, operator, api_key):
    account = account_in(S.ACTIVE, operator)
    forged = api_key[:-4] + ("AAAA" if not api_key.endswith("AAAA") else "BBBB")
    assert ask(client, account.number, forged).status_code == 401


def test_an_inactive_key_is_401(client, operator, api_key):
    ServiceApiKey.objects.update(is_active=False)
    assert ask(client, account_in(S.ACTIVE, operator).number, api_key).status_code == 401


def test_the_key_is_accepted_as_bearer_or_x_api_key(client, operator, api_key):
    account = account_in(S.ACTIVE, operator)
    assert ask(client, account.number, api_key).json() == ALLOWED
    assert ask(client, account.number, HTTP_X_API_KEY=api_key).json() == ALLOWED


def test_only_the_hash_of_the_key_is_stored_and_use_is_recorded(operator, api_key):
    row = ServiceApiKey.objects.get()
    assert api_key not in (row.prefix, row.key_hash) and row.key_hash == hash_key(api_key)
    assert row.last_used_at is None
    assert authenticate(api_key) == row
    row.refresh_from_db()
    assert row.last_used_at is not None


EXPECTED = {
    S.PROSPECT: REFUSED,
    S.ACTIVE: ALLOWED,
    S.SUSPENDED: REFUSED,
    S.ADMINISTRATIVE_HOLD: REFUSED,
    S.CANCELLED: REFUSED,
    S.DELETED: REFUSED,
}


@pytest.mark.parametrize(("status", "answer"), EXPECTED.items())
def test_r_g1_the_answer_for_every_status_without_subscriptions(
    client, operator, api_key, status, answer
):
    account = account_in(status, operator)
    response = ask(client, account.number, api_key)
    assert response.status_code == 200 and response.json() == answer


def test_r_g1_an_unknown_account_gets_the_locked_answer_not_404(client, api_key):
    response = ask(client, "0000000000", api_key)
    assert response.status_code == 200 and response.json() == REFUSED


def test_credit_hold_allows_services_while_a_postpaid_subscription_runs(client, operator, api_key):
    account = funded_account(operator, balance="100.00")
    subscriptions.order(account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=operator)
    hold(account, operator)
    assert ask(client, account.number, api_key).json() == ALLOWED


def test_credit_hold_refuses_services_when_the_hold_stopped_every_subscription(
    client, operator, api_key
):
    account = funded_account(operator, balance="300.00")
    sub = subscriptions.order(account, PlanFactory(**PLAN_SHAPES["prepaid_payg"]), actor=operator)
    hold(account, operator)
    sub.refresh_from_db()
    assert sub.status == "stopped"  # R-CH7
    assert ask(client, account.number, api_key).json() == REFUSED


def test_credit_hold_without_subscriptions_refuses_services(client, operator, api_key):
    assert ask(client, account_in(S.CREDIT_HOLD, operator).number, api_key).json() == REFUSED


def test_only_get_is_allowed(client, operator, api_key):
    account = account_in(S.ACTIVE, operator)
    response = client.post(
        reverse("api:entitlement", args=[account.number]), HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )
    assert response.status_code == 405 and response["Allow"] == "GET"


def test_issuing_a_key_twice_under_one_name_is_refused(operator):
    from accounts.api.keys import InvalidApiKey

    issue_service_api_key("voip-switch", actor=operator)
    with pytest.raises(InvalidApiKey) as refused:
        issue_service_api_key("voip-switch", actor=operator)
    assert refused.value.message == "A service API key named “voip-switch” already exists."
    with pytest.raises(InvalidApiKey):
        issue_service_api_key("  ", actor=operator)
