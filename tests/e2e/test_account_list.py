"""Issue 18 in real Chromium: the account list's filters and "Export CSV" (the downloaded rows are
the filtered rows of the database), a bulk action with its preview and confirmation (history rows
appear on each account), and the search by a member's email and by an invoice number.

SCREENSHOT_DIR=docs/screenshots writes accounts-filters.png and bulk-preview.png there."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services
from accounts.admin_groups import BILLING_MANAGER
from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services as billing
from tests.accounts.factories import AccountFactory, MembershipFactory, OperatorFactory, UserFactory
from tests.admin.conftest import staff_in

from .test_admin_portal import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LIST = reverse("admin:accounts_account_changelist")


def screenshots(tmp_path) -> Path:
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def book():
    """Twelve accounts with balances from -60 to 50, one cancelled, one invoiced."""
    operator = OperatorFactory()
    accounts = []
    for i, balance in enumerate(range(-60, 60, 10)):
        account = AccountFactory(name=f"Company {chr(65 + i)}", actor=operator)
        billing.set_financial_blocking_threshold(account, "-1000", actor=operator)
        if balance > 0:
            billing.record_payment(
                account, str(balance), idempotency_key=f"e2e-{i}", actor=operator
            )
        elif balance < 0:
            billing.post_charge(account, str(-balance), description="Usage", actor=operator)
        accounts.append(account)
    services.change_status(
        accounts[1], services.default_status_type(S.CANCELLED), actor=operator,
        reason="Customer request",
    )  # fmt: skip
    return operator, accounts


def test_export_of_a_filtered_list_downloads_exactly_its_rows(page, live_server, book, tmp_path):
    staff_in(BILLING_MANAGER, "manager")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "manager")
    page.goto(live_server.url + LIST + "?exemption=none")
    page.fill("#balance-min", "-40")
    page.fill("#balance-max", "20")
    page.locator("#balance-filter button").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(7)
    expect(page.locator("#changelist-filter")).to_contain_text("Not exempt")
    page.screenshot(path=str(screenshots(tmp_path) / "accounts-filters.png"), full_page=True)

    with page.expect_download() as info:
        page.locator("#export-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = (
        Account.objects.subject_to_dunning(timezone.localdate())
        .filter(balance__gte=-40, balance__lte=20)
        .order_by("number")
    )
    assert [(r["Account number"], r["Balance"]) for r in rows] == [
        (a.number, str(a.balance)) for a in expected
    ]


def test_a_bad_balance_is_a_message_on_the_page(page, live_server, book):
    staff_in(BILLING_MANAGER, "manager")
    log_in(page, live_server, "manager")
    page.goto(live_server.url + LIST)
    page.fill("#balance-min", "ten")
    page.locator("#balance-filter button").click()
    expect(page.locator("ul.messagelist")).to_contain_text("“ten” is not an amount")
    expect(page.locator("#result_list tbody tr")).to_have_count(12)


def test_bulk_lock_with_preview_then_confirm_writes_a_history_row_per_account(
    page, live_server, book, tmp_path
):
    _operator, accounts = book
    chosen = [accounts[0], accounts[1], accounts[2]]  # the second one is cancelled
    staff_in(BILLING_MANAGER, "manager")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "manager")
    page.goto(live_server.url + LIST)
    for account in chosen:
        page.locator(f"input.action-select[value='{account.pk}']").check()
    page.select_option("select[name=action]", label="Lock (administrative hold)…")
    page.locator("button[name=index]").first.click()

    expect(page.locator("h1")).to_contain_text("Lock (administrative hold)")
    page.fill("textarea[name=note]", "Chargeback wave, see ticket 4711")
    page.locator("#bulk-preview-button").click()
    preview = page.locator("#bulk-preview")
    expect(preview.locator("tr.bulk-row")).to_have_count(3)
    expect(preview.locator(f"tr[data-account='{accounts[0].number}']")).to_contain_text(
        "Active → Administrative hold"
    )
    expect(preview.locator(f"tr[data-account='{accounts[1].number}']")).to_contain_text(
        "refused: only Active, Credit hold or Suspended accounts are locked"
    )
    expect(page.locator("#bulk-summary")).to_contain_text("2 of 3 accounts will change")
    page.screenshot(path=str(screenshots(tmp_path) / "bulk-preview.png"), full_page=True)
    assert Account.objects.filter(status_type__backend_status=S.ADMINISTRATIVE_HOLD).count() == 0

    page.locator("#bulk-confirm").click()
    expect(page.locator("ul.messagelist")).to_contain_text(
        "2 account(s) done, 0 unchanged, 1 refused"
    )
    for account in (accounts[0], accounts[2]):
        page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[account.pk]))
        expect(page.locator("#overview-status")).to_contain_text("Administrative hold")
        newest = page.locator("#overview-history tbody tr").first
        expect(newest).to_contain_text("Fraud review")
        expect(newest).to_contain_text("Chargeback wave, see ticket 4711")
        history = account.status_changes.order_by("-effective_at", "-id").first()
        assert history.note == "Chargeback wave, see ticket 4711"
        assert history.actor_user.username == "manager"


def test_search_by_a_members_email_and_by_an_invoice_number(page, live_server, book):
    operator, accounts = book
    MembershipFactory(account=accounts[4], user=UserFactory(email="pat@example.org"))
    invoice = billing.issue_invoice(
        accounts[7], amount="9.90", billing_date=timezone.localdate(), actor=operator
    )
    staff_in(BILLING_MANAGER, "manager")
    log_in(page, live_server, "manager")
    page.goto(live_server.url + LIST)
    expect(page.locator("#searchbar_helptext")).to_contain_text("an invoice number (exact)")

    page.fill("#searchbar", "pat@example")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody")).to_contain_text(accounts[4].number)

    page.fill("#searchbar", invoice.number)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody")).to_contain_text(accounts[7].number)
