"""Issue 16 in real Chromium: an operator edits a dunning step's notice template and previews it
for a chosen account (R-D7, nothing sent); a customer opens an invoice and a credit note as
printable documents, and printing hides the panel's menu. Screenshots go to docs/screenshots/
(notice-template-preview.png, panel-invoice.png, panel-credit-note.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.actors import Actor
from accounts.admin_groups import BILLING_MANAGER
from accounts.models import Membership
from billing import services
from billing.models import DunningStep, NoticeLog, StepNotice
from tests.accounts.factories import AccountFactory, OperatorFactory, UserFactory
from tests.admin.conftest import staff_in
from tests.subscriptions.factories import funded_account

from .test_admin_portal import log_in
from .test_panel_credit_hold import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}


def test_r_d7_an_operator_edits_a_notice_template_and_previews_it(page, live_server, defaults):
    operator = OperatorFactory()
    account = AccountFactory(actor=operator, name="Harbour Freight Ltd")
    services.issue_invoice(
        account, amount="249.95", billing_date=timezone.localdate(), actor=operator
    )
    step = DunningStep.objects.get(
        policy__name="Standard ladder", condition="days_past_due", days=2
    )
    notice = StepNotice.objects.create(step=step, subject="Overdue", body="Please pay.")
    staff_in(BILLING_MANAGER, "manager")
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "manager")

    page.goto(live_server.url + reverse("admin:billing_stepnotice_change", args=[notice.pk]))
    page.fill("textarea[name=body]", "Dear {{ account.name }},\n\n{% load static %}")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_contain_text("The tag {% load %} is not allowed")

    page.fill(
        "input[name=subject]", "{{ account.number }}: {{ amount_due }} {{ currency }} overdue"
    )
    page.fill(
        "textarea[name=body]",
        "Dear {{ account.name }},\n\n"
        "{{ amount_due }} {{ currency }} has been due since {{ due_date }}. "
        "Please pay it here: {{ pay_link }}\n\n"
        "Questions? Write to {{ contact }}.",
    )
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()

    page.click("#notice-preview-link")
    page.fill("input[name=account]", account.number)
    page.get_by_role("button", name="Preview").click()
    subject = page.locator("#notice-preview-subject")
    expect(page.locator("#content h1")).to_have_text(
        "Preview of the notice of Standard ladder #2 (Suspended until Paid)"
    )
    expect(subject).to_have_text(f"{account.number}: 249.95 USD overdue")
    body = page.locator("#notice-preview-body")
    expect(body).to_contain_text("Dear Harbour Freight Ltd,")
    expect(body).to_contain_text(f"/panel/{account.number}/pay/")
    page.screenshot(path=str(SHOTS / "notice-template-preview.png"), full_page=True)
    assert (NoticeLog.objects.count(), len(mail.outbox)) == (0, 0)  # a preview sends nothing


@pytest.fixture
def customer(defaults):
    operator = OperatorFactory()
    account = funded_account(operator, balance="300.00", name="Juniper Analytics")
    op = Actor.operator(operator)
    today = timezone.localdate()
    invoice = services.issue_invoice(
        account, amount="249.95", billing_date=today, actor=op, description="Fax plan, monthly"
    )
    note = services.issue_credit_note(
        account, "25.00", description="Service outage on 3 November", actor=op
    )
    user = UserFactory(username="juniper-owner")
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    return account, user, invoice, note.idempotency_key


def test_a_customer_opens_an_invoice_and_a_credit_note_as_printable_documents(
    page, live_server, customer
):
    account, user, invoice, note = customer
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, user)

    page.goto(live_server.url + reverse("panel:charges", args=[account.number]))
    page.locator("#invoices").get_by_role("link", name=invoice.number).click()
    document = page.locator("#invoice-document")
    expect(document.locator("#document-number")).to_have_text(invoice.number)
    expect(document.locator("#document-provider")).to_contain_text("Example Hosting Ltd")
    expect(document.locator("#document-customer")).to_contain_text("Juniper Analytics")
    expect(document.locator("#invoice-amount")).to_have_text("249.95 USD")
    expect(page.locator("link#print-stylesheet")).to_have_attribute(
        "href", "/static/panel/css/print.css"
    )
    page.screenshot(path=str(SHOTS / "panel-invoice.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("nav.panel-navbar")).to_be_hidden()
    expect(page.locator("#print-document")).to_be_hidden()
    expect(document).to_be_visible()
    page.emulate_media(media="screen")

    page.goto(live_server.url + reverse("panel:charges", args=[account.number]))
    page.click("#credit-notes-link")
    page.get_by_role("link", name=note).click()
    document = page.locator("#credit-note-document")
    expect(document.locator("#document-number")).to_have_text(note)
    expect(document).to_contain_text("Service outage on 3 November")
    expect(document.locator("#credit-note-amount")).to_have_text("25.00 USD")
    page.screenshot(path=str(SHOTS / "panel-credit-note.png"), full_page=True)


def test_r_d7_an_operator_sets_the_policys_reminder_on_the_policy_page(page, live_server, defaults):
    from billing.models import DunningPolicy, ReminderNotice

    policy = DunningPolicy.objects.get(name="Standard ladder")
    staff_in(BILLING_MANAGER, "manager")
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "manager")
    page.goto(live_server.url + reverse("admin:billing_dunningpolicy_change", args=[policy.pk]))
    page.get_by_role("button", name="Add another Reminder before the due date").click()
    page.fill("input[name=reminder-0-days_before]", "3")
    page.fill(
        "input[name=reminder-0-subject]", "{{ item_amount }} {{ currency }} due {{ due_date }}"
    )
    page.fill("textarea[name=reminder-0-body]", "Dear {{ account.name }}, {{ account.secret }}")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_contain_text("Unknown variable “account.secret”")
    assert not ReminderNotice.objects.exists()

    page.fill("textarea[name=reminder-0-body]", "Dear {{ account.name }}, pay by {{ due_date }}.")
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    reminder = ReminderNotice.objects.get(policy=policy)
    assert (reminder.days_before, reminder.body) == (
        3,
        "Dear {{ account.name }}, pay by {{ due_date }}.",
    )
