"""Issue 18, the customer's side in real Chromium: "Pay everything overdue" pays and reactivates a
suspended company (R-D2 → R-D4; the amount is the overdue open items', R-B3, beside release_of's,
R-CH4b), an order shows its price and first charge before it is confirmed (R-S1), and every
panel page fits a phone (375 × 740: the page never scrolls sideways). PANEL_SCREENSHOT_DIR (or
SCREENSHOT_DIR) = docs/screenshots keeps the pictures."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import Membership
from accounts.panel import registry
from billing import services as billing
from billing.open_items import Book, overdue_total
from billing.release import release_of
from billing.sweeps import dunning_sweep
from subscriptions import services as subscriptions
from subscriptions.models import Subscription
from tests.accounts.factories import AccountFactory, UserFactory
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account

from .test_panel_credit_hold import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shots(tmp_path) -> Path:
    out = Path(
        os.environ.get("PANEL_SCREENSHOT_DIR") or os.environ.get("SCREENSHOT_DIR") or tmp_path
    )
    out.mkdir(parents=True, exist_ok=True)
    return out


def owner_of(account, username: str):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def suspended(operator):
    """R-D2: "Closed until Paid" (Suspended) — an invoice of 49.90 eight days overdue, and a
    late fee of 5.00 due at once, which the ladder does not count but is overdue (R-B3)."""
    account = AccountFactory(actor=operator, name="Juniper Fax Co")
    billing.set_financial_blocking_threshold(account, "-500", actor=operator)
    billing.issue_invoice(
        account,
        amount="49.90",
        billing_date=timezone.localdate() - timedelta(days=8),
        actor=operator,
    )
    dunning_sweep(timezone.localdate())
    billing.post_fee(account, "5.00", description="Late fee", actor=Actor.operator(operator))
    account.refresh_from_db()
    assert account.backend_status == S.SUSPENDED
    return account, owner_of(account, "juniper-owner")


def test_pay_everything_overdue_pays_the_overdue_items_and_reactivates(
    page, live_server, suspended, shots
):
    account, user = suspended
    overdue = overdue_total(Book.live(), account.pk, timezone.localdate())
    release = release_of(account).amount
    assert (overdue, release) == (Decimal("54.90"), Decimal("49.90"))  # they differ: both shown
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, user)
    card = page.locator("#pay-overdue-card")
    expect(card).to_contain_text("Pay 49.90 USD to reactivate your company.")
    expect(card).to_contain_text("Pay 54.90 USD to clear everything overdue.")
    page.screenshot(path=str(shots / "panel-pay-overdue.png"), full_page=True)

    page.click("#pay-overdue")
    expect(page.locator("#gateway-amount")).to_have_text("54.90 USD")
    page.click("#confirm-payment")
    expect(page.locator("main")).to_contain_text("The company is Active again.")
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE  # R-D4: released in the payment's transaction
    assert overdue_total(Book.live(), account.pk, timezone.localdate()) == 0
    assert page.locator("#pay-overdue-card").count() == 0


def test_the_order_preview_shows_the_price_and_first_charge_before_confirming(
    page, live_server, operator, shots
):
    account = funded_account(operator, balance="200.00", name="Maple Telecom")
    user = owner_of(account, "maple-owner")
    plan = PlanFactory(name="Fax Pro", price=Decimal("29.95"), period_months=1)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("panel:subscriptions", args=[account.number]))
    page.click("#order-link")
    page.select_option("#id_plan", str(plan.pk))
    page.click("input[type=submit][value='Review order']")
    quote = subscriptions.quote_order(account, plan)
    expect(page.locator("#preview-price")).to_have_text("29.95 USD")
    expect(page.locator("#preview-first-charge")).to_have_text("29.95 USD")
    expect(page.locator("#preview-balance-after")).to_have_text("170.05 USD")
    period = f"{quote.start:%-d %b %Y} – {quote.end:%-d %b %Y}"
    expect(page.locator("#preview-period")).to_have_text(period)
    assert not Subscription.objects.filter(account=account).exists()  # nothing yet
    page.screenshot(path=str(shots / "panel-order-preview.png"), full_page=True)

    page.click("#confirm-order")
    expect(page.locator("main")).to_contain_text("“Fax Pro” is ordered.")
    sub = Subscription.objects.get(account=account, plan=plan)
    assert (sub.period_start, sub.period_end) == (quote.start, quote.end)
    account.refresh_from_db()
    assert account.balance == Decimal("170.05")


OVERFLOWING = """() => Array.from(document.querySelectorAll('main *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + '.' + String(e.className).split(' ').slice(0, 3).join('.'))"""


def fits(page) -> tuple[int, int]:
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")  # noqa: S608 - a constant script


def test_every_panel_page_fits_a_phone(page, live_server, operator, suspended, shots):
    """Every page the panel registers, reached by following the panel's own links and forms (a
    page with an id in its URL is opened from a link or form to it), plus sign-in, the company list, the order
    quote and the hosted payment page: document.scrollingElement.scrollWidth ≤ innerWidth."""
    account = funded_account(operator, balance="80.00", name="Northwind Voice & Fax Services")
    user = owner_of(account, "northwind-owner")
    Membership.objects.create(user=user, account=suspended[0], role=Membership.Role.MEMBER)
    op = Actor.operator(operator)
    plan = PlanFactory(name="Voice Unlimited Business", price=Decimal("49.00"))
    subscriptions.order(account, plan, actor=op)
    subscriptions.order(account, PlanFactory(**PLAN_SHAPES["postpaid"]), actor=op)
    billing.issue_invoice(account, amount="120.00", billing_date=timezone.localdate(), actor=op)
    for n in range(4):
        billing.post_usage(account, "3.75", description=f"Fax pages, batch {n + 1}", actor=op)
    billing.issue_credit_note(account, "2.50", description="Goodwill credit", actor=op)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("panel:login"))
    wide = []

    def check(label: str) -> None:
        scroll, inner = fits(page)
        if scroll > inner:
            wide.append((label, page.url, scroll, inner, page.evaluate(OVERFLOWING)))

    check("sign-in")
    sign_in(page, live_server, user)
    seen: dict[str, str] = {}
    links: dict[str, str] = {}
    kwargs_of: dict[tuple, dict] = {}  # the ids a reached page took, by its URL's parameters

    def params(route: str) -> tuple:
        return tuple(sorted(re.findall(r"<(?:\w+:)?(\w+)>", route)))

    def visit(url: str, label: str) -> None:
        page.goto(url)
        check(label)
        targets = page.locator("main a[href], main form[action]").evaluate_all(
            "els => els.map(e => e.href || e.action)"
        )
        for href in targets:  # a form's action answers GET with its page (the subscription)
            path = href.replace(live_server.url, "")
            try:
                match = resolve(path.split("?")[0])
            except Resolver404:
                continue
            if match.namespace == "panel" and match.kwargs.get("number") == account.number:
                links.setdefault(match.url_name, live_server.url + path)
                kwargs_of.setdefault(params(match.route), match.kwargs)

    visit(live_server.url + reverse("panel:home"), "company list")
    for item in registry.pages():
        if "<" in item.route.replace("<str:number>", ""):
            continue
        visit(live_server.url + reverse(f"panel:{item.name}", args=[account.number]), item.name)
        seen[item.name] = page.url
    for item in registry.pages():
        if item.name in seen or item.name not in links:
            continue
        visit(links[item.name], item.name)
        seen[item.name] = page.url
    # A form shown only in some states (Renew, Activate, …) answers GET with its object's page:
    # open it with the ids of a reached page that takes the same parameters.
    for item in registry.pages():
        kwargs = kwargs_of.get(params("<str:number>/" + item.route))
        if item.name not in seen and kwargs is not None:
            visit(live_server.url + reverse(f"panel:{item.name}", kwargs=kwargs), item.name)
            seen[item.name] = page.url

    # The order quote (a POST) and the hosted payment page (its reference is made by a payment).
    page.goto(live_server.url + reverse("panel:order", args=[account.number]))
    page.click("input[type=submit][value='Review order']")
    check("order quote")
    page.goto(live_server.url + reverse("panel:pay", args=[account.number]))
    page.fill("#id_amount", "12.00")
    page.locator("main input[type=submit]").first.click()
    check("payment page")
    seen["test_gateway"] = page.url
    seen["pay_overdue"] = seen["pay_required"] = "a POST / a redirect to the payment page"

    missing = [p.name for p in registry.pages() if p.name not in seen]
    assert missing == [], f"pages not reached on the phone: {missing}"

    # The suspended company: the dashboard with its overdue card, and its pay page.
    for name in ("panel:dashboard", "panel:pay"):
        page.goto(live_server.url + reverse(name, args=[suspended[0].number]))
        check(f"suspended {name}")
    page.goto(live_server.url + reverse("panel:dashboard", args=[suspended[0].number]))
    page.screenshot(path=str(shots / "panel-phone.png"), full_page=True)
    assert wide == [], wide
