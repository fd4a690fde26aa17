"""Issue 19, the frame: authentication by service API keys, scopes per resource (a key without the
scope → 403), 404 for an account the key cannot see (today: an unknown number), one error shape
with the domain message, cursor pagination, throttling per key, the schema and its docs."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models.service_keys import API_SCOPES
from accounts.rest import registry
from accounts.rest.auth import MSG_SCOPE
from accounts.rest.throttling import KeyRateThrottle
from billing.errors import BillingError, IdempotencyConflict
from subscriptions.errors import OrderRefused

from .conftest import client_with

pytestmark = pytest.mark.django_db

A = "/api/v1/accounts/{number}"
# (method, path, body, the scope it needs): one row per resource and verb.
RESOURCES = [
    ("get", "/api/v1/accounts/", None, "read"),
    ("get", A + "/", None, "read"),
    ("post", "/api/v1/accounts/", {"name": "Acme"}, "write"),
    ("patch", A + "/", {"next_payment_date": "2030-01-01"}, "write"),
    ("get", A + "/status-changes/", None, "read"),
    ("post", A + "/status-changes/", {"status_type": "Suspended", "reason": "Abuse"}, "write"),
    ("get", A + "/scheduled-changes/", None, "read"),
    (
        "post",
        A + "/scheduled-changes/",
        {"status_type": "Suspended", "reason": "Abuse", "effective_on": "2099-01-01"},
        "write",
    ),
    ("post", A + "/unlock/", {}, "write"),
    ("get", A + "/ledger-entries/", None, "read"),
    ("get", A + "/payments/", None, "read"),
    ("post", A + "/payments/", {"amount": "1.00"}, "payments"),
    ("get", A + "/charges/", None, "read"),
    ("post", A + "/charges/", {"amount": "1.00", "description": "x"}, "write"),
    ("post", A + "/adjustments/", {"amount": "-1.00", "description": "x"}, "write"),
    ("post", A + "/refunds/", {"amount": "1.00", "description": "x"}, "write"),
    ("get", A + "/invoices/", None, "read"),
    ("get", A + "/open-items/", None, "read"),
    ("get", A + "/dunning/", None, "read"),
    ("post", A + "/enable/", {"preview": True}, "write"),
    ("get", A + "/subscriptions/", None, "read"),
    ("post", A + "/subscriptions/", {"plan": "Fax monthly"}, "write"),
    ("get", "/api/v1/plans/", None, "read"),
    ("get", "/api/v1/events/", None, "read"),
]
IDS = [f"{m} {p.removeprefix('/api/v1/')}" for m, p, _b, _s in RESOURCES]


def call(client: APIClient, method: str, path: str, body, **headers):
    return getattr(client, method)(path, body, format="json", **headers)


@pytest.mark.parametrize(("method", "path", "body", "scope"), RESOURCES, ids=IDS)
def test_a_key_without_the_scope_is_refused_403_and_writes_nothing(
    make_key, account, plan, method, path, body, scope
):
    others = [s for s in API_SCOPES if s != scope]
    before = account.ledger_entries.count(), account.status_changes.count()
    response = call(
        client_with(make_key(*others)),
        method,
        path.format(number=account.number),
        body,
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 403
    assert response.json() == {"error": MSG_SCOPE.format(scope=scope), "code": "permission_denied"}
    assert (account.ledger_entries.count(), account.status_changes.count()) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [r for r in RESOURCES if "{number}" in r[1]],
    ids=[i for i, r in zip(IDS, RESOURCES, strict=True) if "{number}" in r[1]],
)
def test_an_account_the_key_cannot_see_is_404_never_403(api, plan, method, path, body, scope):
    """R-R3's rule before resellers exist: an unknown account number is a plain 404."""
    response = call(api, method, path.format(number="9999999999"), body, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "code": "not_found"}


def test_without_a_key_the_answer_is_401_with_the_bearer_challenge(account):
    response = APIClient().get("/api/v1/accounts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_or_inactive_key_is_401_and_x_api_key_works_too(make_key, account):
    raw = make_key("read")
    assert APIClient().get("/api/v1/accounts/", HTTP_X_API_KEY=raw).status_code == 200
    wrong = raw[:-2] + ("aa" if not raw.endswith("aa") else "bb")
    response = APIClient().get("/api/v1/accounts/", HTTP_X_API_KEY=wrong)
    assert response.status_code == 401 and "valid service API key" in response.json()["error"]


def test_a_key_made_without_scopes_only_answers_the_service_endpoints(operator, account):
    from accounts.actors import Actor
    from accounts.api.keys import issue_service_api_key

    row, raw = issue_service_api_key("fax-1", actor=Actor.operator(operator))
    assert row.scopes == ["entitlement"]
    assert client_with(raw).get("/api/v1/accounts/").status_code == 403
    entitlement = client_with(raw).get(f"/api/v1/accounts/{account.number}/entitlement")
    assert entitlement.status_code == 200 and entitlement.json() == {"allowed": True}


def test_domain_errors_map_to_the_most_specific_registered_status():
    assert registry.status_for(IdempotencyConflict("x")) == 409
    assert registry.status_for(BillingError("x")) == 400
    assert registry.status_for(OrderRefused("x")) == 409
    assert registry.status_for(ValueError("x"), default=400) == 400


def test_a_body_that_does_not_validate_is_400_with_fields(api):
    response = api.post("/api/v1/accounts/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "name" in body["fields"]


def test_lists_page_with_a_cursor(api, operator):
    from tests.accounts.factories import AccountFactory

    for _ in range(3):
        AccountFactory()
    first = api.get("/api/v1/accounts/?limit=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    numbers = [a["number"] for a in first["results"] + second["results"]]
    assert len(numbers) == len(set(numbers)) >= 3


@pytest.fixture
def redis_cache():
    """The throttle's counts in Redis (this suite's own database, TEST_REDIS_DB_BASE)."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL  # redis://…/<this run's db>
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    with override_settings(CACHES=caches):
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()


def test_throttling_counts_per_key_in_redis(make_key, account, redis_cache, monkeypatch):
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/minute"})
    first, second = client_with(make_key("read")), client_with(make_key("read"))
    answers = [first.get("/api/v1/plans/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert first.get("/api/v1/plans/").json()["code"] == "throttled"
    assert second.get("/api/v1/plans/").status_code == 200  # another key has its own count


def test_the_schema_and_its_docs_are_served_without_a_key(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/accounts/{account_number}/payments/" in paths
    assert "/api/v1/events/" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_create_service_api_key_issues_a_key_with_the_scopes_given(account):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "create_service_api_key", "crm-1", "--scope", "read", "--scope", "payments", stdout=out
    )
    client = client_with(out.getvalue().strip())
    assert client.get(f"/api/v1/accounts/{account.number}/").status_code == 200
    refused = client.post("/api/v1/accounts/", {"name": "X"}, format="json")
    assert refused.status_code == 403 and "“write”" in refused.json()["error"]


def test_an_unknown_scope_is_refused_when_the_key_is_issued(operator):
    from accounts.actors import Actor
    from accounts.api.keys import InvalidApiKey, issue_service_api_key

    with pytest.raises(InvalidApiKey, match="scopes are among"):
        issue_service_api_key("bad", actor=Actor.operator(operator), scopes=["admin"])


def test_any_other_path_under_the_api_is_a_json_404(api):
    for method in ("get", "post"):
        response = getattr(api, method)("/api/v1/nothing/here/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_service_endpoints_need_the_entitlement_scope(make_key, account):
    response = client_with(make_key("read")).get(f"/api/v1/accounts/{account.number}/entitlement")
    assert response.status_code == 403 and "“entitlement”" in response.json()["error"]
    allowed = client_with(make_key("entitlement")).get(
        f"/api/v1/accounts/{account.number}/entitlement"
    )
    assert allowed.json() == {"allowed": True}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/accounts/1/ledger-entries/q%118%2A%0Ax/reverse/",  # an encoded newline
    ],
)
def test_an_unknown_path_under_the_api_is_a_json_404_even_with_a_newline_in_it(api, path):
    response = api.post(path, {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "code": "not_found"}
