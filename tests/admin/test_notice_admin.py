"""R-D7 in the operator portal: notice templates are edited with their variables documented, a bad
template is a form error (never a 500), the preview renders a template for a chosen account and
writes nothing, and the notices sent are listed on the account and in their own list."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.admin_groups import BILLING_MANAGER, SUPPORT_AGENT
from billing import services
from billing.models import DunningStep, NoticeLog, StepNotice
from billing.notice_render import pay_link_for
from billing.release import release_of
from tests.accounts.factories import AccountFactory

from .conftest import overview_url, staff_in

pytestmark = pytest.mark.django_db
ADD = reverse("admin:billing_stepnotice_add")


def step():
    return DunningStep.objects.filter(policy__name="Standard ladder").exclude(notice="").first()


def form_data(**fields):
    return {"step": step().pk, "subject": "Account {{ account.number }}", "body": "Hi", **fields}


def test_r_d7_the_form_documents_every_variable(client, billing_manager):
    client.force_login(billing_manager)
    page = client.get(ADD).content.decode()
    for name in ("account.name", "account.number", "amount_due", "due_date", "pay_link", "contact"):
        assert f"{{{{ {name} }}}}" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% load static %}", "The tag {% load %} is not allowed"),
        ("{% include 'emails/dunning_step.txt' %}", "The tag {% include %} is not allowed"),
        ("{{ account.name.upper }}", "Unknown variable “account.name.upper”"),
        ("{{ password }}", "Unknown variable “password”"),
        ("{% if %}", "Template error"),
    ],
)
def test_r_d7_a_template_the_sandbox_refuses_is_a_form_error_and_nothing_is_saved(
    client, billing_manager, body, message
):
    client.force_login(billing_manager)
    response = client.post(ADD, form_data(body=body))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StepNotice.objects.exists()


def test_r_d7_a_step_without_a_notice_line_cannot_have_a_template(client, billing_manager):
    silent = step()
    DunningStep.objects.filter(pk=silent.pk).update(notice="")
    client.force_login(billing_manager)
    response = client.post(ADD, form_data(step=silent.pk))
    assert "This step sends no notice" in response.content.decode()
    assert not StepNotice.objects.exists()


def test_r_d7_a_billing_manager_saves_a_template_and_a_support_agent_only_reads_it(
    client, billing_manager
):
    client.force_login(billing_manager)
    assert client.post(ADD, form_data()).status_code == 302
    notice = StepNotice.objects.get()
    client.force_login(staff_in(SUPPORT_AGENT, "agent"))
    change = reverse("admin:billing_stepnotice_change", args=[notice.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, form_data(subject="x")).status_code == 403
    notice.refresh_from_db()
    assert notice.subject == "Account {{ account.number }}"


def test_r_d7_the_preview_renders_for_the_chosen_account_and_writes_nothing(
    client, billing_manager, operator
):
    account = AccountFactory(actor=operator, name="Previewed Ltd")
    services.post_charge(account, "30.00", description="Setup", actor=operator)
    notice = StepNotice.objects.create(
        step=step(),
        subject="{{ account.name }} owes {{ amount_due }} {{ currency }}",
        body="Pay at {{ pay_link }} by {{ due_date }}; ask {{ contact }}.",
    )
    client.force_login(billing_manager)
    url = reverse("admin:billing_stepnotice_preview", args=[notice.pk])
    response = client.get(url, {"account": account.number})
    assert response.status_code == 200
    page = response.content.decode()
    due = release_of(account).amount
    assert f"Previewed Ltd owes {due:.2f} USD" in page
    assert f"Pay at {pay_link_for(account)} by {timezone.localdate().isoformat()}" in page
    assert (NoticeLog.objects.count(), len(mail.outbox)) == (0, 0)


def test_r_d7_the_preview_of_an_unknown_account_is_a_form_error(client, billing_manager):
    notice = StepNotice.objects.create(step=step(), subject="s", body="b")
    client.force_login(billing_manager)
    url = reverse("admin:billing_stepnotice_preview", args=[notice.pk])
    response = client.get(url, {"account": "no-such-number"})
    assert response.status_code == 400
    assert "No account has the number “no-such-number”." in response.content.decode()
    assert client.get(reverse("admin:billing_stepnotice_preview", args=[9999])).status_code == 404


def test_r_d7_the_change_form_links_to_the_preview(client, billing_manager):
    notice = StepNotice.objects.create(step=step(), subject="s", body="b")
    client.force_login(billing_manager)
    page = client.get(reverse("admin:billing_stepnotice_change", args=[notice.pk])).content
    assert reverse("admin:billing_stepnotice_preview", args=[notice.pk]) in page.decode()


def test_r_d7_the_notices_sent_are_listed_on_the_account_and_in_their_list(
    client, billing_manager, operator
):
    account = AccountFactory(actor=operator)
    NoticeLog.objects.create(
        account=account, kind="reminder", template="reminder of Standard ladder",
        subject="Reminder: 19.90 USD due", recipients="owner@example.com", status="failed",
        error="SMTPRecipientsRefused: mailbox unavailable", created_at=timezone.now(),
    )  # fmt: skip
    client.force_login(billing_manager)
    page = client.get(overview_url(account)).content.decode()
    assert 'id="overview-notices"' in page
    assert "Reminder: 19.90 USD due" in page and "mailbox unavailable" in page
    listing = client.get(reverse("admin:billing_noticelog_changelist"))
    assert listing.status_code == 200 and "Reminder: 19.90 USD due" in listing.content.decode()


def test_r_r3_a_reseller_operator_previews_only_their_resellers_accounts(client, operator):
    from accounts.models import Account, Reseller
    from accounts.scoping import make_reseller_operator
    from billing.models import DunningPolicy

    mine, theirs = (Reseller.objects.create(name=name) for name in ("Reseller A", "Reseller B"))
    policy = DunningPolicy.objects.create(name="A's ladder", reseller=mine)
    template_step = step()
    own_step = DunningStep.objects.create(
        policy=policy, position=1, condition=template_step.condition, days=2,
        status_type=template_step.status_type, notice="Pay now",
    )  # fmt: skip
    notice = StepNotice.objects.create(step=own_step, subject="{{ account.name }}", body="b")
    own, other = AccountFactory(actor=operator), AccountFactory(actor=operator)
    Account.objects.filter(pk=own.pk).update(reseller=mine)
    Account.objects.filter(pk=other.pk).update(reseller=theirs)
    user = staff_in(BILLING_MANAGER, "reseller-a")
    make_reseller_operator(user, mine.pk)
    client.force_login(user)
    url = reverse("admin:billing_stepnotice_preview", args=[notice.pk])
    assert client.get(url, {"account": own.number}).status_code == 200
    refused = client.get(url, {"account": other.number})
    assert refused.status_code == 400
    assert f"No account has the number “{other.number}”." in refused.content.decode()


def test_r_d7_a_reminders_preview_names_the_next_item_not_yet_due(
    client, billing_manager, operator
):
    from datetime import timedelta

    from billing.models import DunningPolicy, ReminderNotice

    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    today = timezone.localdate()
    services.issue_invoice(account, amount="10.00", billing_date=today - timedelta(days=9),
                           actor=operator)  # fmt: skip
    services.issue_invoice(account, amount="20.00", billing_date=today - timedelta(days=1),
                           due_date=today + timedelta(days=3), actor=operator)  # fmt: skip
    reminder = ReminderNotice.objects.create(
        policy=DunningPolicy.objects.get(is_default=True), days_before=3,
        subject="{{ item_amount }} due {{ due_date }}", body="b",
    )  # fmt: skip
    client.force_login(billing_manager)
    url = reverse("admin:billing_remindernotice_preview", args=[reminder.pk])
    page = client.get(url, {"account": account.number}).content.decode()
    assert f"20.00 due {(today + timedelta(days=3)).isoformat()}" in page
