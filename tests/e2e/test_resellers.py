"""Issue 17 in real Chromium: a reseller's operator logs in, sees only their reseller's accounts
and statistics, unlocks one of their customers, and beyond 30 days the refusal names the
reseller's contact (R-R1, R-R3, R-G2)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services
from accounts.actors import Actor
from accounts.admin_groups import SUPPORT_AGENT
from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.unlocking import LOCKED_TYPE_NAME
from tests.accounts.factories import AccountFactory, MembershipFactory, OperatorFactory, UserFactory
from tests.resellers.conftest import make_reseller, reseller_operator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"  # the factories' password
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs/screenshots/reseller-operator-accounts.png"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def locked_customer(provider, reseller, username, days_since_next_payment):
    account = AccountFactory(
        actor=Actor.operator(provider),
        name=f"{username.title()} Ltd",
        reseller=reseller,
        next_payment_date=timezone.localdate() - timedelta(days=days_since_next_payment),
    )
    services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Non-payment"
    )
    user = UserFactory(username=username)
    MembershipFactory(user=user, account=account)
    return account


def test_r_r3_a_reseller_operator_sees_only_their_accounts_and_unlocks_one_of_them(
    page, live_server
):
    provider = OperatorFactory()
    reseller_a = make_reseller("Reseller A", "orders@reseller-a.example", None, None)
    reseller_b = make_reseller("Reseller B", "orders@reseller-b.example", None, None)
    for name in ("Alpha Fax GmbH", "Alpine Print AG"):
        AccountFactory(actor=Actor.operator(provider), name=name, reseller=reseller_a)
    on_time = locked_customer(provider, reseller_a, "anna", 30)
    too_late = locked_customer(provider, reseller_a, "arno", 31)
    AccountFactory(actor=Actor.operator(provider), name="Beta Voice Ltd", reseller=reseller_b)
    locked_customer(provider, reseller_b, "bert", 31)
    AccountFactory(actor=Actor.operator(provider), name="Provider Direct Ltd")
    reseller_operator("reseller-a", reseller_a, group=SUPPORT_AGENT)

    log_in(page, live_server, "reseller-a")
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    for account in Account.objects.filter(reseller=reseller_a):
        expect(page.locator("#result_list")).to_contain_text(account.number)
    expect(page.locator("#result_list")).not_to_contain_text("Beta Voice")
    expect(page.locator("#result_list")).not_to_contain_text("Provider Direct")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # R-E2 per reseller: the index's Account Statistics count reseller A's accounts only.
    page.goto(live_server.url + reverse("admin:index"))
    counts = page.locator("#account-statistics-module .statistics-count").all_inner_texts()
    shown = Account.objects.filter(reseller=reseller_a, status_type__show_in_statistics=True)
    assert sum(int(n) for n in counts) == shown.count() > 0

    # Another reseller's account is a 404, like one that does not exist.
    other = Account.objects.get(name="Beta Voice Ltd")
    response = page.goto(
        live_server.url + reverse("admin:accounts_account_overview", args=[other.pk])
    )
    assert response.status == 404

    page.goto(live_server.url + reverse("admin:auth_user_changelist"))
    expect(page.locator("#result_list")).not_to_contain_text("bert")
    row = page.locator("#result_list tbody tr", has_text="anna")
    row.locator("details.gear-menu > summary").click()
    row.get_by_role("button", name="Unlock User Account").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        f"Account {on_time.number} unlocked"
    )
    on_time.refresh_from_db()
    assert on_time.backend_status == S.ACTIVE

    row = page.locator("#result_list tbody tr", has_text="arno")
    row.locator("details.gear-menu > summary").click()
    row.get_by_role("button", name="Unlock User Account").click()
    refusal = page.locator("ul.messagelist li.error")
    expect(refusal).to_contain_text("Reseller A (orders@reseller-a.example)")
    too_late.refresh_from_db()
    assert too_late.backend_status == S.ADMINISTRATIVE_HOLD
