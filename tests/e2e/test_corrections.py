"""R-D8 in real Chromium: an operator posts an adjustment that lifts a credit hold (the preview
first says "Credit hold → Active", then the account is Active), and writes off an overdue item
and sees the ladder's anchor move to the next item and the next sweep not escalate (R-B3, R-X3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.admin_groups import BILLING_MANAGER
from billing import services
from billing.models import DunningEvent, LedgerEntry
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory, OperatorFactory
from tests.admin.conftest import staff_in

from .test_admin_portal import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_item_form(page, live_server, account, label):
    page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[account.pk]))
    page.locator("#overview-actions").get_by_role("button", name=label).click()


def test_r_d8_an_adjustment_lifts_a_credit_hold_after_its_preview(page, live_server):
    operator = OperatorFactory()
    account = AccountFactory(actor=operator, name="Holdco")
    services.post_charge(account, "30.00", description="Setup", actor=operator)
    staff_in(BILLING_MANAGER, "manager")
    log_in(page, live_server, "manager")

    open_item_form(page, live_server, account, "Post adjustment…")
    page.fill("input[name=amount]", "30.00")
    page.fill("input[name=description]", "Goodwill")
    page.fill("textarea[name=reason]", "Setup was billed twice")
    page.get_by_role("button", name="Preview ledger entries").click()
    preview = page.locator("#ledger-preview")
    expect(preview).to_contain_text("Credit hold → Active (R-CH5)")
    expect(preview.locator(".preview-entry")).to_have_count(1)
    account.refresh_from_db()
    assert account.status_type.name == "Credit hold"  # the preview wrote nothing

    page.locator("#action-confirm").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("the account is Active")
    expect(page.locator("#overview-status")).to_contain_text("Active")
    account.refresh_from_db()
    assert (account.status_type.name, account.balance) == ("Active", 0)


def test_r_d8_writing_off_an_overdue_item_moves_the_ladders_anchor(page, live_server):
    operator = OperatorFactory()
    account = AccountFactory(actor=operator, name="Dunned")
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    today = timezone.localdate()
    old = services.issue_invoice(
        account, amount="49.90", billing_date=today - timedelta(days=5), actor=operator
    )
    new = services.issue_invoice(
        account, amount="19.90", billing_date=today + timedelta(days=10), actor=operator
    )
    dunning_sweep(today)
    staff_in(BILLING_MANAGER, "manager")
    log_in(page, live_server, "manager")
    page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[account.pk]))
    expect(page.locator("#why-conditions")).to_contain_text(old.number)
    expect(page.locator("#overview-status")).to_contain_text("Suspended until Paid")

    open_item_form(page, live_server, account, "Write off an open item…")
    page.select_option("select[name=item]", index=1)  # the oldest open item comes first
    page.fill("textarea[name=reason]", "Uncollectable")
    page.get_by_role("button", name="Preview ledger entries").click()
    preview = page.locator("#ledger-preview")
    expect(preview).to_contain_text("Suspended until Paid → Active (R-CH5)")
    expect(preview).to_contain_text(f"moves from {old.due_date} to {new.due_date}")

    page.locator("#action-confirm").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        f"anchor moves from {old.due_date} to {new.due_date}"
    )
    conditions = page.locator("#why-conditions")
    expect(conditions).to_contain_text(new.number)
    expect(conditions).not_to_contain_text(old.number)
    expect(page.locator("#overview-status")).to_contain_text("Active")
    assert LedgerEntry.objects.filter(account=account, description__startswith="Write-off").exists()
    account.refresh_from_db()
    assert account.status_type.name == "Active"

    # The ladder stops: two days on, the written-off invoice would be 7 days overdue (R-D2,
    # Closed until Paid), but the next sweep counts from the next item, not yet due (R-B3, R-X3).
    events = DunningEvent.objects.filter(account=account).count()
    dunning_sweep(today + timedelta(days=2))
    page.reload()
    expect(page.locator("#overview-status")).to_contain_text("Active")
    account.refresh_from_db()
    assert account.status_type.name == "Active"
    assert DunningEvent.objects.filter(account=account).count() == events
