"""In real Chromium: a customer on credit hold sees the message on every page, pays exactly the
required amount and is back to Active with the full menu (R-CH6, R-CH5); a blocked company sees
its exact text (DESIGN §2). Screenshots go to $PANEL_SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.models import BackendStatus as S
from accounts.models import Membership
from accounts.panel.access import MSG_BLOCKED, MSG_DELETED
from tests.accounts.states import account_in
from tests.panel.companies import company_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
FULL_MENU = [
    "Dashboard",
    "Transactions",
    "Charges & invoices",
    "Subscriptions",
    "Top up",
    "Profile",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def shots(tmp_path) -> Path:
    return Path(os.environ.get("PANEL_SCREENSHOT_DIR") or tmp_path)


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/panel/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")


def menu(page) -> list[str]:
    return [t.strip() for t in page.locator("#panel-menu .nav-link").all_inner_texts()]


def test_r_ch6_a_customer_on_credit_hold_pays_the_exact_amount_and_is_active_again(
    page, live_server, defaults, operator, tmp_path
):
    company = company_in(S.CREDIT_HOLD, operator)
    company.account.name = "Cobalt Telecom"
    company.account.save(update_fields=["name"])
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, company.user)
    banner = page.locator("#credit-hold-banner")
    banner.wait_for()
    assert "Pay 42.50 USD" in banner.inner_text()
    page.screenshot(path=str(shots(tmp_path) / "panel-credit-hold-desktop.png"), full_page=True)

    on_hold_menu = menu(page)
    assert "Profile" in on_hold_menu and "Subscriptions" in on_hold_menu
    for label in on_hold_menu:
        page.click(f"#panel-menu >> text={label}")
        assert "Pay 42.50 USD" in page.locator("#credit-hold-banner").inner_text(), label

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/panel/{company.number}/")
    assert page.is_visible("#credit-hold-banner") and page.is_visible("#pay-required")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "nothing is cut off on a phone"
    page.screenshot(path=str(shots(tmp_path) / "panel-credit-hold-phone.png"), full_page=True)

    page.set_viewport_size(DESKTOP)
    page.click("#pay-required")
    assert page.inner_text("#gateway-amount").strip() == "42.50 USD"
    page.click("#confirm-payment")
    page.wait_for_selector("text=The company is Active again.")
    assert page.locator("#credit-hold-banner").count() == 0
    assert page.inner_text("#company-status").strip() == "Active"
    assert menu(page) == FULL_MENU
    company.account.refresh_from_db()
    assert company.account.backend_status == S.ACTIVE


@pytest.mark.parametrize(
    ("status", "message"),
    [(S.ADMINISTRATIVE_HOLD, MSG_BLOCKED), (S.DELETED, MSG_DELETED)],
)
def test_a_blocked_company_sees_its_exact_text(
    page, live_server, defaults, operator, status, message, tmp_path
):
    user = get_user_model().objects.create_user("blocked-user", password=PASSWORD)
    Membership.objects.create(user=user, account=account_in(status, operator))
    sign_in(page, live_server, user)
    assert page.inner_text("#blocked-message").strip() == str(message)
    assert menu(page) == []
    page.screenshot(path=str(shots(tmp_path) / f"panel-{status}.png"))
