"""The operator portal in real Chromium: the gear menus, the cancel preview, Account Statistics and
permissions (R-G2, R-E5, R-X5, R-E2; DESIGN §1)."""

import os
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services
from accounts.actors import Actor
from accounts.admin_groups import BILLING_MANAGER, SUPPORT_AGENT
from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.unlocking import LOCKED_TYPE_NAME
from billing.models import EntryKind, LedgerEntry
from subscriptions import services as subscriptions
from tests.accounts.factories import MembershipFactory, OperatorFactory, UserFactory
from tests.accounts.states import account_in
from tests.admin.conftest import staff_in
from tests.subscriptions.factories import PlanFactory, funded_account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"  # the factories' password


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def open_gear(page, row_text):
    row = page.locator("#result_list tbody tr", has_text=row_text)
    row.locator("details.gear-menu > summary").click()
    return row


def held_user(operator, username, days_since_next_payment):
    next_payment = timezone.localdate() - timedelta(days=days_since_next_payment)
    account = account_in(S.ACTIVE, operator, next_payment_date=next_payment)
    # R-G2b: Unlock lifts a hold entered for non-payment (the R-G1 lock), not one for abuse.
    services.change_status(
        account,
        services.get_status_type(LOCKED_TYPE_NAME),
        actor=Actor.system("R-G1"),
        reason="Non-payment",
    )
    account.refresh_from_db()
    user = UserFactory(username=username)
    MembershipFactory(user=user, account=account)
    return account


def test_r_g2_a_support_agent_unlocks_from_the_gear_menu_and_is_refused_on_day_31(
    page, live_server
):
    operator = OperatorFactory()
    staff_in(SUPPORT_AGENT, "agent")
    on_time = held_user(operator, "locked-day-30", 30)
    too_late = held_user(operator, "locked-day-31", 31)
    log_in(page, live_server, "agent")
    page.goto(live_server.url + reverse("admin:auth_user_changelist"))

    row = open_gear(page, "locked-day-30")
    row.get_by_role("button", name="Unlock User Account").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        f"Account {on_time.number} unlocked"
    )
    on_time.refresh_from_db()
    assert on_time.backend_status == S.ACTIVE

    row = open_gear(page, "locked-day-31")
    row.get_by_role("button", name="Unlock User Account").click()
    refusal = page.locator("ul.messagelist li.error")
    expect(refusal).to_contain_text(f"Next Payment date {too_late.next_payment_date}")
    expect(refusal).to_contain_text(settings.ORDERS_CONTACT)
    too_late.refresh_from_db()
    assert too_late.backend_status == S.ADMINISTRATIVE_HOLD


def test_r_e5_a_billing_manager_cancels_with_a_prorated_refund_after_the_preview(page, live_server):
    operator = OperatorFactory()
    staff_in(BILLING_MANAGER, "manager")
    account = funded_account(operator)
    today = timezone.localdate()
    sub = subscriptions.order(
        account,
        PlanFactory(price=Decimal("249.95")),
        actor=operator,
        today=today - timedelta(days=10),
    )
    left, days = (sub.period_end - today).days, sub.period_days
    expected = (sub.price * left / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    log_in(page, live_server, "manager")
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))

    open_gear(page, account.number).get_by_role("button", name="Cancel…").click()
    page.get_by_label("Immediately with prorated refund").check()
    page.get_by_role("button", name="Preview ledger entries").click()
    expect(page.locator("#ledger-preview tbody td.amount")).to_have_count(1)  # page loaded
    amounts = page.locator("#ledger-preview tbody td.amount").all_inner_texts()
    assert amounts == [str(expected)]
    assert not LedgerEntry.objects.filter(account=account, kind=EntryKind.REFUND).exists()

    page.get_by_role("button", name="Confirm: Cancel account").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(f"Account {account.number}")
    refunds = LedgerEntry.objects.filter(account=account, kind=EntryKind.REFUND)
    assert [str(entry.amount) for entry in refunds] == amounts  # R-X5: as previewed
    account.refresh_from_db()
    assert account.backend_status == S.CANCELLED
    # Back on the account's overview (issue 18), with the new status.
    expect(page.locator("#overview-status")).to_contain_text("Cancelled")


def test_r_e2_account_statistics_equal_the_database_counts(page, live_server):
    call_command("seed_demo", password="e2e-demo-pass")
    log_in(page, live_server, "operator", "e2e-demo-pass")
    shown = {}
    for row in page.locator("#account-statistics-module tr[data-backend-status]").all():
        count = row.locator(".statistics-count").inner_text()
        shown[row.get_attribute("data-backend-status")] = int(count)
    counted = dict(
        Account.objects.filter(status_type__show_in_statistics=True)
        .values_list("status_type__backend_status")
        .annotate(n=Count("id"))
    )
    assert shown == counted
    assert len(shown) == 7  # the demo reaches every back-end status


def test_a_support_agent_sees_no_billing_action_and_gets_403_posting_one(page, live_server):
    operator = OperatorFactory()
    staff_in(SUPPORT_AGENT, "agent")
    account = account_in(S.ACTIVE, operator)
    customer = UserFactory(username="customer-1")
    log_in(page, live_server, "agent")
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    expect(page.locator("#result_list")).to_contain_text(account.number)
    assert page.locator("#result_list details.gear-menu").count() == 0
    for label in ("Record payment…", "Cancel…", "Change status…", "Enable…"):
        assert page.get_by_text(label).count() == 0

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": token}
    payment = page.request.post(
        live_server.url + reverse("admin:accounts_account_record-payment", args=[account.pk]),
        headers=headers,
        form={"_step": "confirm", "amount": "10.00", "idempotency_key": "e2e", "description": "x"},
        max_redirects=0,
    )
    assert payment.status == 403
    assert not LedgerEntry.objects.filter(account=account).exists()
    # The same token is good for what the agent may do: the 403 is the permission, not CSRF.
    unlock = page.request.post(
        live_server.url + reverse("admin:auth_user_unlock", args=[customer.pk]),
        headers=headers,
        max_redirects=0,
    )
    assert unlock.status == 302


def test_the_overview_and_the_open_gear_menu_look_finished(page, live_server, tmp_path):
    """Screenshots for the README: SCREENSHOT_DIR=docs/screenshots writes them there."""
    call_command("seed_demo", password="e2e-demo-pass")
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "operator", "e2e-demo-pass")
    cobalt = Account.objects.get(number="9000000003")  # the demo's credit hold

    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    page.locator("#toggle-nav-sidebar").click()
    row = open_gear(page, cobalt.number)
    expect(row.locator(".gear-items")).to_be_visible()
    expect(row.get_by_role("button", name="Record payment…")).to_be_visible()
    page.screenshot(path=str(out / "admin-gear-menu.png"), full_page=True)

    page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[cobalt.pk]))
    expect(page.locator("#why-on-hold")).to_contain_text("R-CH1 (a)")
    expect(page.locator("#overview-required")).to_contain_text(cobalt.currency)
    page.screenshot(path=str(out / "admin-account-overview.png"), full_page=True)
    assert (out / "admin-account-overview.png").stat().st_size > 10_000
