"""R-D8 in the admin: each correcting item of the account's gear menu is a form with a reason, a
preview of exactly its ledger entries and status effect (R-X5, nothing written), the permission
it needs, and an audit row; the Dunning exemption… item (R-X2)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import AccountAudit
from billing import services
from billing.models import EntryKind, Invoice, LedgerEntry, OpenItem
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

from .conftest import action_url, messages_of

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 1)
SLUGS = [
    "post-adjustment",
    "post-charge",
    "issue-invoice",
    "reverse-payment",
    "write-off",
    "credit-note",
    "dunning-exemption",
]


def post(client, account, slug, **data):
    return client.post(action_url(account, slug), data, follow=True)


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def entries(account):
    return LedgerEntry.objects.filter(account=account).count()


@pytest.fixture
def held(operator):
    account = AccountFactory(actor=operator)
    services.post_charge(account, "30.00", description="Setup", actor=operator)
    account.refresh_from_db()
    assert account.status_type.name == "Credit hold"
    return account


@pytest.fixture
def dunned(operator):
    """Two unpaid invoices under a credit limit; the first one far overdue."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    today = timezone.localdate()
    first = services.issue_invoice(
        account, amount="49.90", billing_date=today - timedelta(days=5), actor=operator
    )
    second = services.issue_invoice(
        account, amount="19.90", billing_date=today + timedelta(days=10), actor=operator
    )
    dunning_sweep(today)
    account.refresh_from_db()
    assert account.status_type.name == "Suspended until Paid"
    return account, first, second


@pytest.mark.parametrize("slug", SLUGS)
def test_r_d8_each_item_is_in_the_billing_managers_menu_and_shows_a_form_with_a_reason(
    client, held, billing_manager, slug
):
    client.force_login(billing_manager)
    overview = page(client.get(f"/admin/accounts/account/{held.pk}/overview/"))
    assert f'data-action="{slug}"' in overview
    assert 'name="reason"' in page(post(client, held, slug))


@pytest.mark.parametrize("slug", SLUGS)
def test_r_d8_a_support_agent_neither_sees_nor_posts_the_items(client, held, support_agent, slug):
    client.force_login(support_agent)
    overview = page(client.get(f"/admin/accounts/account/{held.pk}/overview/"))
    assert f'data-action="{slug}"' not in overview
    assert client.post(action_url(held, slug), {}).status_code == 403


def test_r_x5_post_adjustment_previews_credit_hold_to_active_then_lifts_it(
    client, held, billing_manager
):
    client.force_login(billing_manager)
    form = {"amount": "30.00", "description": "Goodwill", "reason": "Setup billed twice",
            "idempotency_key": "admin-test-1"}  # fmt: skip
    preview = page(post(client, held, "post-adjustment", _step="preview", **form))
    assert "Status: Credit hold → Active (R-CH5)" in preview
    assert 'class="preview-entry"' in preview and "30.00" in preview
    assert entries(held) == 1  # nothing written
    response = post(client, held, "post-adjustment", _step="confirm", **form)
    assert any("Posted an adjustment" in m and "Active" in m for m in messages_of(response))
    post(client, held, "post-adjustment", _step="confirm", **form)  # a double submit
    held.refresh_from_db()
    assert (held.status_type.name, entries(held)) == ("Active", 2)
    assert AccountAudit.objects.get(account=held, note="Setup billed twice").actor_user == (
        billing_manager
    )


def test_r_d8_post_charge_previews_and_posts_with_its_audit_row(client, operator, billing_manager):
    account = AccountFactory(actor=operator)
    client.force_login(billing_manager)
    form = {"amount": "12.50", "description": "Install", "reason": "On-site visit",
            "idempotency_key": "admin-test-2"}  # fmt: skip
    preview = page(post(client, account, "post-charge", _step="preview", **form))
    assert "Status: Active → Credit hold (R-CH1)" in preview
    post(client, account, "post-charge", _step="confirm", **form)
    entry = LedgerEntry.objects.get(account=account)
    assert (entry.kind, entry.amount) == (EntryKind.CHARGE, D("-12.50"))
    assert AccountAudit.objects.filter(account=account, note="On-site visit").exists()


def test_r_d8_issue_invoice_previews_its_charge_then_issues_it(client, operator, billing_manager):
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    client.force_login(billing_manager)
    form = {"amount": "49.90", "billing_date": "2026-10-01", "due_date": "2026-10-15",
            "description": "October", "reason": "Missed by the run"}  # fmt: skip
    preview = page(post(client, account, "issue-invoice", _step="preview", **form))
    assert "-49.90" in preview and "No status change" in preview
    assert not Invoice.objects.filter(account=account).exists()
    response = post(client, account, "issue-invoice", _step="confirm", **form)
    invoice = Invoice.objects.get(account=account)
    assert invoice.due_date == date(2026, 10, 15)
    assert any(invoice.number in m for m in messages_of(response))


def test_r_d8_reverse_a_payment_previews_the_hold_and_reopens_the_invoice(
    client, operator, billing_manager
):
    account = AccountFactory(actor=operator)
    invoice = services.issue_invoice(account, amount="40.00", billing_date=DAY, actor=operator)
    payment = services.record_payment(account, "40.00", idempotency_key="p", actor=operator)
    client.force_login(billing_manager)
    form = {"payment": payment.pk, "reason": "Chargeback"}
    preview = page(post(client, account, "reverse-payment", _step="preview", **form))
    assert "Status: Active → Credit hold (R-CH1)" in preview
    assert f"The dunning anchor moves from none to {invoice.due_date}" in preview
    post(client, account, "reverse-payment", _step="confirm", **form)
    invoice.refresh_from_db()
    assert invoice.outstanding == D("40.00")
    assert LedgerEntry.objects.filter(reverses=payment).exists()


def test_r_d8_write_off_previews_the_release_and_moves_the_anchor(client, dunned, billing_manager):
    account, first, second = dunned
    client.force_login(billing_manager)
    form = {"item": OpenItem.objects.get(invoice=first).pk, "reason": "Uncollectable"}
    preview = page(post(client, account, "write-off", _step="preview", **form))
    assert "Status: Suspended until Paid → Active (R-CH5)" in preview
    assert f"moves from {first.due_date} to {second.due_date}" in preview
    assert entries(account) == 2
    response = post(client, account, "write-off", _step="confirm", **form)
    message = " ".join(messages_of(response))
    assert "Wrote off the item" in message and f"to {second.due_date}" in message
    account.refresh_from_db()
    assert account.status_type.name == "Active"


def test_r_d8_credit_note_is_numbered_in_the_message(client, held, billing_manager):
    client.force_login(billing_manager)
    form = {"amount": "10.00", "description": "Outage", "reason": "Outage on the 3rd"}
    preview = page(post(client, held, "credit-note", _step="preview", **form))
    assert "No status change" in preview
    response = post(client, held, "credit-note", _step="confirm", **form)
    assert any(f"CN-{held.number}-1" in m for m in messages_of(response))


def test_r_d8_a_refusal_is_shown_on_the_form_and_nothing_is_written(
    client, dunned, billing_manager
):
    account, first, _second = dunned
    item = OpenItem.objects.get(invoice=first)
    services.write_off(item, actor=billing_manager, reason="First")
    client.force_login(billing_manager)
    response = post(client, account, "write-off", _step="confirm", item=item.pk, reason="Again")
    assert "Select a valid choice" in page(response)  # no longer offered
    assert entries(account) == 3


def test_r_x2_dunning_exemption_until_a_date_releases_the_step_hold_with_audit_rows(
    client, dunned, billing_manager
):
    account, _first, _second = dunned
    client.force_login(billing_manager)
    until = timezone.localdate() + timedelta(days=20)
    form = {"until": until.isoformat(), "reason": "Promised to pay on the 20th"}
    response = post(client, account, "dunning-exemption", _step="confirm", **form)
    assert any("exempt until" in m for m in messages_of(response))
    account.refresh_from_db()
    assert (account.dunning_exempt_until, account.status_type.name) == (until, "Active")
    row = AccountAudit.objects.get(account=account, field="dunning_exempt_until")
    assert (row.note, row.actor_user) == ("Promised to pay on the 20th", billing_manager)


def test_r_x2_the_vip_flag_is_set_and_cleared_from_the_menu(client, operator, billing_manager):
    account = AccountFactory(actor=operator)
    client.force_login(billing_manager)
    post(client, account, "dunning-exemption", _step="confirm", exempt="on", reason="VIP")
    account.refresh_from_db()
    assert account.dunning_exempt
    post(client, account, "dunning-exemption", _step="confirm", reason="No longer VIP")
    account.refresh_from_db()
    assert not account.dunning_exempt
    assert AccountAudit.objects.filter(account=account, field="dunning_exempt").count() == 2


def test_r_x2_an_exemption_date_in_the_past_is_refused_on_the_form(
    client, operator, billing_manager
):
    account = AccountFactory(actor=operator)
    client.force_login(billing_manager)
    response = post(
        client, account, "dunning-exemption", _step="confirm", until="2020-01-01", reason="x"
    )
    assert "must be a date after today" in " ".join(messages_of(response))
    account.refresh_from_db()
    assert account.dunning_exempt_until is None


def test_change_status_not_offered_line_points_to_post_adjustment(client, held, billing_manager):
    client.force_login(billing_manager)
    assert "Post adjustment…" in page(post(client, held, "change-status"))


def test_r_d8_the_ledger_sections_write_off_button_opens_the_form_on_that_invoice(
    client, dunned, billing_manager
):
    account, first, second = dunned
    client.force_login(billing_manager)
    overview = page(client.get(f"/admin/accounts/account/{account.pk}/overview/"))
    assert f'data-write-off="{second.number}"' in overview
    form = page(post(client, account, "write-off", invoice=second.pk))
    item = OpenItem.objects.get(invoice=second)
    assert f'<option value="{item.pk}" selected>' in form
