"""Who may reach what (DESIGN §1): every admin action view × every kind of user, every control-panel
URL signed out, CSRF on every POST, both sign-in forms throttled by django-axes, API keys stored
hashed and compared in constant time. The expectations are written out here, from DESIGN §1, not
read back from the code under test."""

from __future__ import annotations

import hmac

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse

from accounts.admin_gear import GearMenuMixin
from accounts.api import keys
from accounts.models import BackendStatus as S
from accounts.models import ServiceApiKey, StatusChange, WebhookEndpoint
from billing.models import LedgerEntry
from tests.accounts.factories import UserFactory
from tests.admin.conftest import staff_in
from tests.panel.companies import URLS, company_in, footprint
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "customer", "support agent", "billing manager", "administrator"]
GROUP = {
    "support agent": "Support agent",
    "billing manager": "Billing manager",
    "administrator": "Administrator",
}
# DESIGN §1: which operators may use each permission the admin's views check.
MAY = {
    "accounts.unlock_user_account": {"support agent", "billing manager", "administrator"},
    "accounts.lock_user_account": {"support agent", "billing manager", "administrator"},
    "accounts.view_account": {"support agent", "billing manager", "administrator"},
    "accounts.change_account_status": {"billing manager", "administrator"},
    "billing.record_payment": {"billing manager", "administrator"},
    "billing.set_financial_blocking_threshold": {"billing manager", "administrator"},
    "billing.bill_account": {"billing manager", "administrator"},
    "subscriptions.approve_subscription": {"billing manager", "administrator"},
    "accounts.change_webhookendpoint": {"administrator"},  # Rotate secret (issue 15 item 11)
    "accounts.move_account_reseller": {"administrator"},  # Move to reseller… (issue 17, R-R1)
}


def gear_views() -> list[tuple[str, str, str]]:
    """(model label, action slug, permission) for every gear-menu view the admin site serves."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, GearMenuMixin):
            for action in model_admin.gear_actions:
                found.append((model._meta.label_lower, action.slug, action.permission))
    return sorted(found)


GEAR_VIEWS = gear_views()


def test_the_table_below_covers_every_gear_view_the_admin_serves():
    # 14 before issue 16, plus its six R-D8 corrections and the dunning exemption item, plus
    # issue 17's Move to reseller….
    assert len(GEAR_VIEWS) == 22
    assert {
        "post-adjustment",
        "post-charge",
        "issue-invoice",
        "reverse-payment",
        "write-off",
        "credit-note",
        "dunning-exemption",
        "move-reseller",
    } <= {slug for _m, slug, _p in GEAR_VIEWS}
    assert {permission for _m, _s, permission in GEAR_VIEWS} <= set(MAY)


def user_for(role: str):
    if role == "anonymous":
        return None
    if role == "customer":
        return UserFactory(username="customer-user")
    return staff_in(GROUP[role], role.replace(" ", "-"))


@pytest.fixture
def objects(operator):
    account = funded_account(operator, balance="50.00")
    plan = PlanFactory(**PLAN_SHAPES["postpaid"])
    from subscriptions import services as subscriptions

    sub = subscriptions.order(account, plan, actor=operator)
    return {
        "accounts.account": account,
        "auth.user": UserFactory(username="looked-up"),
        "subscriptions.subscription": sub,
        "accounts.webhookendpoint": WebhookEndpoint.objects.create(
            name="Fax", url="https://fax.example.com/hook"
        ),
    }


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_action_view_answers_each_role_as_design_section_1_says(role, objects):
    client = client_as(user_for(role))
    wrong = []
    for label, slug, permission in GEAR_VIEWS:
        obj = objects[label]
        app, model = label.split(".")
        url = reverse(f"admin:{app}_{model}_{slug}", args=[obj.pk])
        response = client.post(url)
        if role in ("anonymous", "customer"):
            ok = response.status_code == 302 and "/admin/login/" in response["Location"]
        elif role in MAY[permission]:
            ok = response.status_code in (200, 302)  # its form, or done / "does not apply"
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append((slug, label, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_the_overview_and_the_approval_queue_answer_each_role(role, objects):
    client = client_as(user_for(role))
    pages = {
        reverse("admin:accounts_account_overview", args=[objects["accounts.account"].pk]): (
            "accounts.view_account"
        ),
        reverse("admin:subscriptions_subscription_approval_queue"): (
            "subscriptions.approve_subscription"
        ),
    }
    for url, permission in pages.items():
        response = client.get(url)
        if role in ("anonymous", "customer"):
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            assert response.status_code == (200 if role in MAY[permission] else 403), url


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_panel_url(client, operator):
    company = company_in(S.ACTIVE, operator)
    before = footprint(company.account)
    answers = {}
    for url in URLS:
        path = url.path(company.number, company)
        response = client.post(path) if url.method == "POST" else client.get(path)
        answers[(url.name, url.method)] = (
            response.status_code,
            response.get("Location", "").split("?")[0],
        )
    assert set(answers.values()) == {(302, reverse("panel:login"))}, answers
    assert footprint(company.account) == before


def test_the_cross_account_sweep_a_member_of_a_reaches_nothing_of_b(client, operator):
    """Every panel URL with B's number, and with A's number but B's object ids: 404, no change."""
    a = company_in(S.ACTIVE, operator)
    b = company_in(S.ACTIVE, operator)
    client.force_login(a.user)
    before = footprint(b.account)
    codes = set()
    for url in URLS:
        for path in {url.path(b.number, b), url.path(a.number, a, ids_of=b) if url.needs else ""}:
            if path:
                codes.add(
                    (client.post(path) if url.method == "POST" else client.get(path)).status_code
                )
    assert codes == {404}
    assert footprint(b.account) == before


def test_every_admin_action_post_without_the_csrf_token_is_refused(objects, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)  # a superuser: only CSRF stands in the way
    history = StatusChange.objects.count()
    ledger = LedgerEntry.objects.count()
    answers = {}
    for label, slug, _permission in GEAR_VIEWS:
        app, model = label.split(".")
        url = reverse(f"admin:{app}_{model}_{slug}", args=[objects[label].pk])
        answers[slug] = client.post(url, {"_step": "confirm"}).status_code
    assert set(answers.values()) == {403}, answers
    assert (StatusChange.objects.count(), LedgerEntry.objects.count()) == (history, ledger)


def test_every_panel_post_without_the_csrf_token_is_refused(operator):
    company = company_in(S.ACTIVE, operator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.user)
    before = footprint(company.account)
    answers = {
        url.name: client.post(url.path(company.number, company)).status_code
        for url in URLS
        if url.method == "POST"
    }
    answers["logout"] = client.post(reverse("panel:logout")).status_code
    assert set(answers.values()) == {403}, answers
    assert footprint(company.account) == before


@pytest.mark.parametrize("login", ["admin:login", "panel:login"])
def test_a_sign_in_without_the_csrf_token_is_refused(login, operator):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse(login), {"username": operator.username, "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_usage_api_needs_its_key_instead_of_a_csrf_token(operator):
    """The API is CSRF-exempt by design: no cookie authenticates it, only the service key."""
    company = company_in(S.ACTIVE, operator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.user)  # a session cookie is worth nothing here
    before = footprint(company.account)
    url = reverse("api:usage", args=[company.number])
    response = client.post(url, {"amount": "1.00"}, content_type="application/json")
    assert response.status_code == 401
    assert footprint(company.account) == before


@override_settings(AXES_FAILURE_LIMIT=3)
@pytest.mark.parametrize("login", ["admin:login", "panel:login"])
def test_django_axes_locks_both_sign_in_forms_after_repeated_failures(client, login, operator):
    wrong = {"username": operator.username, "password": "wrong"}
    codes = [client.post(reverse(login), wrong).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    right = client.post(
        reverse(login), {"username": operator.username, "password": "correct horse battery"}
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_api_keys_are_stored_as_a_hash_and_compared_in_constant_time(operator, monkeypatch):
    row, raw = keys.issue_service_api_key("fax server", actor=operator)
    stored = ServiceApiKey.objects.filter(pk=row.pk).values().get()
    secret = raw.split(".", 1)[1]
    assert not any(secret in str(value) for value in stored.values())
    assert stored["key_hash"] == keys.hash_key(raw) != raw
    compared = []
    constant_time = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    assert keys.authenticate(raw) == row
    assert keys.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert [a for a, _b in compared] == [row.key_hash, row.key_hash]
