"""Issue 19: plans and subscriptions through subscriptions.services — order (R-CH8 refusals → 409)
and cancel with each R-E5 option, whose `preview` writes nothing and shows the entries the
cancel then writes (R-X5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing.models import LedgerEntry
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionChange
from tests.subscriptions.factories import put_on_credit_hold

pytestmark = pytest.mark.django_db

CANCEL_DAY = "2026-01-11T12:00:00Z"  # 21 of January's 31 days left: a prorated refund of 21.00
OPTIONS = [
    ("immediately_prorated_refund", None, ["21.00"]),
    ("immediately_full_refund", None, ["31.00"]),
    ("immediately_no_refund", None, []),
    ("period_end", None, []),
    ("specific_date_prorated_refund", "2026-01-21", ["11.00"]),
    ("immediately_prorated_as_of_date", "2026-01-06", ["26.00"]),
]


def url(account, tail=""):
    return f"/api/v1/accounts/{account.number}/{tail}"


@pytest.fixture
def subscription(account, plan, operator):
    return services.order(account, plan, actor=operator, today=date(2026, 1, 1))


def test_plans_are_listed(api, plan):
    names = [p["name"] for p in api.get("/api/v1/plans/").json()["results"]]
    assert plan.name in names


def test_order_creates_a_subscription_and_charges_its_first_period(api, account, plan):
    response = api.post(url(account, "subscriptions/"), {"plan": plan.name}, format="json")
    assert response.status_code == 201
    assert response.json()["plan"] == plan.name and response.json()["status"] == "active"
    account.refresh_from_db()
    assert account.balance == Decimal("69.00")
    listed = api.get(url(account, "subscriptions/")).json()["results"]
    assert [s["id"] for s in listed] == [response.json()["id"]]


def test_an_unknown_plan_is_400_with_the_domain_message(api, account):
    response = api.post(url(account, "subscriptions/"), {"plan": "Nope"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_plan"


def test_r_ch8_a_trial_order_on_credit_hold_is_409(api, account, plan, operator):
    put_on_credit_hold(account, operator)
    body = {"plan": plan.name, "trial": True}
    response = api.post(url(account, "subscriptions/"), body, format="json")
    assert response.status_code == 409
    assert not Subscription.objects.filter(account=account).exists()


@pytest.mark.parametrize(("option", "on_date", "amounts"), OPTIONS, ids=[o[0] for o in OPTIONS])
def test_r_x5_cancel_preview_shows_the_entries_and_writes_nothing(
    api, account, subscription, option, on_date, amounts
):
    before = (
        LedgerEntry.objects.count(),
        SubscriptionChange.objects.count(),
        Subscription.objects.get(pk=subscription.pk).status,
    )
    body = {"option": option, "on_date": on_date, "preview": True}
    with time_machine.travel(CANCEL_DAY, tick=False):
        response = api.post(
            url(account, f"subscriptions/{subscription.pk}/cancel/"), body, format="json"
        )
    assert response.status_code == 200, response.json()
    assert response.json()["preview"] is True
    assert [e["amount"] for e in response.json()["entries"]] == amounts
    after = (
        LedgerEntry.objects.count(),
        SubscriptionChange.objects.count(),
        Subscription.objects.get(pk=subscription.pk).status,
    )
    assert after == before


@pytest.mark.parametrize(("option", "on_date", "amounts"), OPTIONS, ids=[o[0] for o in OPTIONS])
def test_r_e5_cancel_now_writes_the_entries_its_preview_showed(
    api, account, subscription, option, on_date, amounts
):
    path = url(account, f"subscriptions/{subscription.pk}/cancel/")
    with time_machine.travel(CANCEL_DAY, tick=False):
        response = api.post(path, {"option": option, "on_date": on_date}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    # A dated cancellation is scheduled: its entries are written when it runs (R-E4).
    written = [] if body["scheduled"] else amounts
    assert body["preview"] is False and [e["amount"] for e in body["entries"]] == written
    if body["scheduled"]:
        assert body["subscription"]["cancel_option"] == option
    else:
        assert body["subscription"]["status"] == "cancelled"


def test_r_e5_a_dated_option_without_its_date_is_400(api, account, subscription):
    body = {"option": "specific_date_prorated_refund", "preview": True}
    response = api.post(
        url(account, f"subscriptions/{subscription.pk}/cancel/"), body, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_date_for_option"


def test_another_accounts_subscription_is_404(api, subscription, operator):
    from tests.subscriptions.factories import funded_account

    other = funded_account(operator, balance="1.00")
    response = api.post(
        url(other, f"subscriptions/{subscription.pk}/cancel/"),
        {"option": "immediately_no_refund"},
        format="json",
    )
    assert response.status_code == 404
