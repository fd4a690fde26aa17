"""Issue 18 in real Chromium, the customer's side: rule ids never reach customers (8) and the
ledger tables (10): no "Balance after" on the charges list, Amount and Balance in view on a
phone. PANEL_SCREENSHOT_DIR=docs/screenshots keeps the pictures."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts import services
from accounts.actors import Actor
from accounts.models import Membership
from billing import services as billing
from billing.ladder import enable_account
from tests.accounts.factories import UserFactory
from tests.subscriptions.factories import funded_account

from .test_admin_portal import log_in
from .test_panel_credit_hold import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}
RULE_ID = re.compile(r"\bR-[A-Z]{1,3}\d")


@pytest.fixture
def shots(tmp_path) -> Path:
    out = Path(os.environ.get("PANEL_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def reactivated(defaults, operator):
    """A company cancelled for non-payment and enabled again: the R-D3 fee is on its ledger,
    then a few charges and payments."""
    account = funded_account(operator, balance="100.00", name="Iris Cloud")
    services.change_status(account, "Terminated", actor=operator, reason="Non-payment")
    enable_account(account, actor=operator)
    op = Actor.operator(operator)
    for n in range(3):
        billing.post_usage(account, "12.50", description=f"Fax pages, week {n + 1}", actor=op)
        billing.record_payment(account, "10.00", idempotency_key=f"pay-{n}", actor=op)
    user = UserFactory(username="iris-owner")
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    account.refresh_from_db()
    return account, user


def test_r_d3_customers_read_reactivation_fee_and_operators_keep_the_rule_id(
    page, live_server, reactivated
):
    account, user = reactivated
    sign_in(page, live_server, user)
    for name in ("panel:transactions", "panel:charges", "panel:dashboard"):
        page.goto(live_server.url + reverse(name, args=[account.number]))
        body = page.locator("main").inner_text()
        if name != "panel:dashboard":  # the dashboard lists the latest few entries only
            assert "Reactivation fee" in body, name
        assert not RULE_ID.search(body), (name, RULE_ID.search(body))

    page.context.clear_cookies()
    from accounts.admin_groups import BILLING_MANAGER
    from tests.admin.conftest import staff_in

    staff_in(BILLING_MANAGER, "manager")
    log_in(page, live_server, "manager")
    page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[account.pk]))
    assert "R-D3" in page.locator("#content").inner_text()  # operators keep the id


def test_the_charges_list_has_no_balance_after_and_a_phone_sees_amount_and_balance(
    page, live_server, reactivated, shots
):
    account, user = reactivated
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("panel:charges", args=[account.number]))
    headers = page.locator("#charges thead th").all_inner_texts()
    assert "Balance after" not in " ".join(headers)
    assert "Amount" in " ".join(headers)
    page.screenshot(path=str(shots / "panel-charges-phone.png"), full_page=True)

    page.goto(live_server.url + reverse("panel:transactions", args=[account.number]))
    table = page.locator("#transactions")
    for cell in ("th:has-text('Amount')", "th:has-text('Balance after')"):
        box = table.locator(cell).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    first = table.locator("tbody tr").first
    for cell in (".ledger-amount", ".ledger-balance"):
        box = first.locator(cell).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], cell
    balances = [b.strip() for b in table.locator("tbody .ledger-balance").all_inner_texts()]
    assert balances[0] == str(account.balance)  # newest first: the balance now
    page.screenshot(path=str(shots / "panel-transactions-phone.png"), full_page=True)
