"""The panel frame is a registry (STYLE: "Which app may know which"): accounts owns the menu, the
pages and the R-CH6 banner; billing and subscriptions fill them from their `panel` modules, and
every page keeps the URL name and path customers and tests know (DESIGN §6)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse
from django.utils import timezone
from django.views import View

from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.panel import registry
from accounts.panel.urls import company_page
from billing import services as billing
from billing.panel import views as billing_views
from subscriptions.panel import views as subscription_views

from .companies import company_in, text

pytestmark = pytest.mark.django_db
D = Decimal

# Every company page's URL name, path (for company 42, subscription/invoice 7) and owner view.
OLD_URLS = [
    ("dashboard", {}, "/panel/42/", billing_views.DashboardView),
    ("transactions", {}, "/panel/42/transactions/", billing_views.TransactionsView),
    ("charges", {}, "/panel/42/charges/", billing_views.ChargesView),
    ("invoice", {"pk": 7}, "/panel/42/invoices/7/", billing_views.InvoiceView),
    ("pay", {}, "/panel/42/pay/", billing_views.PayView),
    ("pay_required", {}, "/panel/42/pay/required/", billing_views.PayRequiredView),
    (
        "test_gateway",
        {"reference": "abc"},
        "/panel/42/pay/test-gateway/abc/",
        billing_views.TestGatewayView,
    ),
    ("subscriptions", {}, "/panel/42/subscriptions/", subscription_views.SubscriptionsView),
    ("order", {}, "/panel/42/subscriptions/order/", subscription_views.OrderView),
    ("subscription", {"pk": 7}, "/panel/42/subscriptions/7/", subscription_views.SubscriptionView),
    *(
        (f"subscription_{action}", {"pk": 7}, f"/panel/42/subscriptions/7/{slug}/", view)
        for action, slug, view in (
            ("activate", "activate", subscription_views.ActivateView),
            ("renew", "renew", subscription_views.RenewView),
            ("stop", "stop", subscription_views.StopView),
            ("change_plan", "change-plan", subscription_views.ChangePlanView),
            ("cancel", "cancel", subscription_views.CancelView),
            ("withdraw_cancel", "withdraw-cancel", subscription_views.WithdrawCancelView),
        )
    ),
]
MENU = [
    ("Dashboard", "panel:dashboard"),
    ("Transactions", "panel:transactions"),
    ("Charges & invoices", "panel:charges"),
    ("Subscriptions", "panel:subscriptions"),
    ("Top up", "panel:pay"),
    ("Profile", "panel:profile"),
]


def test_the_menu_keeps_its_order_by_the_order_key_whoever_registered_each_entry():
    assert [(str(item.label), item.url_name) for item in registry.menu()] == MENU
    orders = [item.order for item in registry.menu()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_an_active_companys_page_shows_the_registered_menu_in_that_order(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    body = text(client.get(reverse("panel:profile", args=[company.number])))
    menu = body.split('id="panel-menu"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'class="nav-link[^"]*" href="[^"]*"[^>]*>([^<]+)<', menu) == [
        label for label, _ in MENU
    ]


@pytest.mark.parametrize(("name", "kwargs", "path", "view"), OLD_URLS, ids=lambda v: str(v))
def test_a_page_registered_by_billing_or_subscriptions_keeps_its_old_url_name_and_path(
    name, kwargs, path, view
):
    assert reverse(f"panel:{name}", kwargs={"number": "42", **kwargs}) == path
    assert resolve(path).func.view_class is view


def test_a_page_registered_by_billing_is_reachable_by_a_member_at_its_old_name(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.get(reverse("panel:transactions", args=[company.number]))
    assert response.status_code == 200
    assert "-20.00 USD" in text(response)


def test_a_page_name_is_registered_once():
    with pytest.raises(ValueError, match="pay_required"):
        registry.register_page("elsewhere/", billing_views.PayRequiredView, "pay_required")


def test_a_page_that_is_not_a_panel_view_is_refused_so_none_escapes_the_access_table():
    with pytest.raises(ImproperlyConfigured, match="ungated"):
        company_page(registry.Page("ungated/", View, "ungated"))


@pytest.fixture
def fake_banner(monkeypatch):
    """A provider registered before billing's, naming an amount no rule would."""

    def provider(account):
        return registry.Banner(D("12.34"), account.currency, "/somewhere/")

    monkeypatch.setattr(registry, "_banners", [provider, *registry._banners])
    return provider


def test_the_banner_and_the_refusals_come_from_the_registered_provider(
    client, operator, fake_banner
):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    page = text(client.get(reverse("panel:dashboard", args=[company.number])))
    assert 'id="hold-amount">12.34 USD<' in page and 'href="/somewhere/"' in page
    stop = reverse("panel:subscription_stop", args=[company.number, company.subscription.pk])
    refused = client.post(stop)
    assert refused.status_code == 403
    assert "Top up your balance with 12.34 USD" in text(refused)


def test_without_a_hold_billings_provider_shows_no_banner(client, operator):
    company = company_in(S.ACTIVE, operator)
    assert registry.banner_for(company.account) is None
    client.force_login(company.user)
    page = text(client.get(reverse("panel:dashboard", args=[company.number])))
    assert 'id="credit-hold-banner"' not in page


def below_the_threshold(operator) -> Account:
    return company_in(S.CREDIT_HOLD, operator).account  # 42.50 below the threshold


def negative_longer_than_p(operator) -> Account:
    """R-CH1 (b): −10.00 for six days with P = 5 and the threshold far below."""
    account = company_in(S.ACTIVE, operator, balance="20.00", credit_note=False).account  # 0 left
    billing.set_financial_blocking_threshold(account, "-100.00", actor=operator)
    billing.post_usage(account, "10.00", description="Fax pages", actor=operator)
    Account.objects.filter(pk=account.pk).update(
        allowed_negative_days=5, negative_since=timezone.now() - timedelta(days=6)
    )
    account.refresh_from_db()
    billing.evaluate_credit(account)
    return account


def above_a_positive_threshold(operator) -> Account:
    """R-CH3: a positive threshold of 50.00 over a balance of 20.00."""
    account = company_in(S.ACTIVE, operator, balance="40.00", credit_note=False).account  # 20 left
    billing.set_financial_blocking_threshold(account, "50.00", actor=operator)
    return account


@pytest.mark.parametrize(
    ("state", "wanted"),
    [
        (below_the_threshold, D("42.50")),
        (negative_longer_than_p, D("10.00")),
        (above_a_positive_threshold, D("30.00")),
    ],
    ids=["below-threshold", "after-P", "positive-threshold"],
)
def test_r_ch6_the_banner_names_billings_one_required_payment(client, operator, state, wanted):
    """One home per rule (R-CH4): the banner's amount is billing.services.required_payment's."""
    account = state(operator)
    account.refresh_from_db()
    assert account.backend_status == S.CREDIT_HOLD
    required = billing.required_payment(account)
    banner = registry.banner_for(account)
    assert banner.amount == required == wanted
    assert banner.url == reverse("panel:pay_required", args=[account.number])
    user = account.memberships.get().user
    client.force_login(user)
    page = text(client.get(reverse("panel:pay", args=[account.number])))
    assert f'id="hold-amount">{required} USD<' in page
    started = client.get(banner.url)
    gateway = text(client.get(started["Location"]))
    assert f'id="gateway-amount">{required} USD<' in gateway
