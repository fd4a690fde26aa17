"""R-D7 notices: a step's template is what the dunning notice says, reminders go out once N days
before a due date, and every notice sent is logged — delivered, or failed with the mail
backend's message."""

from datetime import date, timedelta
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from billing import services
from billing.models import (
    DunningEvent,
    DunningPolicy,
    DunningStep,
    NoticeLog,
    ReminderNotice,
    StepNotice,
)
from billing.notice_render import BUILT_IN, contact_for, pay_link_for
from billing.release import release_of
from billing.reminders import send_reminders
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
BILLING_DAY = date(2026, 11, 1)
SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def account(operator):
    account = AccountFactory(actor=operator, name="Acme")
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    MembershipFactory(account=account, user=UserFactory(email="owner@example.com"))
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    return account


def first_step():
    """R-D1's "unpaid 2 days after the billing date" step."""
    return DunningStep.objects.get(
        policy__name="Standard ladder", condition="days_past_due", days=2
    )


def sent_for(step):
    subjects = set(NoticeLog.objects.filter(step=step).values_list("subject", flat=True))
    return [m for m in mail.outbox if m.subject in subjects]


def sweep(day, capture):
    with capture(execute=True):
        dunning_sweep(day)


def test_r_d7_the_steps_template_is_the_notice_with_the_documented_values(
    account, django_capture_on_commit_callbacks
):
    StepNotice.objects.create(
        step=first_step(),
        subject="{{ account.number }}: {{ amount_due }} {{ currency }} overdue",
        body="Dear {{ account.name }}, pay {{ amount_due }} by {{ pay_link }} "
        "(due {{ due_date }}, this item {{ item_amount }}). Questions: {{ contact }}",
    )
    sweep(BILLING_DAY + timedelta(days=2), django_capture_on_commit_callbacks)
    [message] = sent_for(first_step())
    due = release_of(account).amount  # R-CH4b: the one answer, not a copy
    assert message.subject == f"{account.number}: {due:.2f} USD overdue"
    assert message.body == (
        f"Dear Acme, pay {due:.2f} by {pay_link_for(account)} (due 2026-11-01, this item 49.90). "
        f"Questions: {contact_for(account)}"
    )
    assert message.to == ["owner@example.com"]
    [log] = NoticeLog.objects.filter(account=account, step=first_step())
    assert (log.kind, log.status, log.step, log.recipients, log.subject) == (
        "dunning_step", "delivered", first_step(), "owner@example.com", message.subject,
    )  # fmt: skip
    assert log.template == f"Standard ladder #{first_step().position} (Suspended until Paid)"


def test_r_d7_without_a_template_the_steps_notice_line_is_the_subject_and_it_is_logged(
    account, django_capture_on_commit_callbacks
):
    sweep(BILLING_DAY + timedelta(days=2), django_capture_on_commit_callbacks)
    [log] = NoticeLog.objects.filter(account=account, step=first_step())
    assert log.subject == f"[{account.number}] {first_step().notice}"
    assert log.subject in [m.subject for m in mail.outbox]
    assert (log.template, log.status) == (BUILT_IN, "delivered")


def test_r_d7_a_failed_delivery_is_logged_as_failed_with_the_backends_message(
    account, django_capture_on_commit_callbacks
):
    refused = SMTPRecipientsRefused({"owner@example.com": (550, b"mailbox unavailable")})
    with mock.patch(SEND, side_effect=refused):
        sweep(BILLING_DAY + timedelta(days=2), django_capture_on_commit_callbacks)
    [log] = NoticeLog.objects.filter(account=account, step=first_step())
    assert log.status == "failed"
    assert "SMTPRecipientsRefused" in log.error
    assert "mailbox unavailable" in log.error
    assert mail.outbox == []
    assert all(DunningEvent.objects.filter(account=account).values_list("notice_sent", flat=True))
    logged = NoticeLog.objects.filter(account=account).count()
    sweep(BILLING_DAY + timedelta(days=3), django_capture_on_commit_callbacks)
    assert NoticeLog.objects.filter(account=account).count() == logged  # not sent again


@pytest.fixture
def reminder():
    return ReminderNotice.objects.create(
        policy=DunningPolicy.objects.get(is_default=True),
        days_before=3,
        subject="Reminder: {{ item_amount }} {{ currency }} due on {{ due_date }}",
        body="Hello {{ account.name }}, {{ item_amount }} is due on {{ due_date }}.",
    )


@pytest.fixture
def due_later(operator):
    account = AccountFactory(actor=operator, name="Later")
    MembershipFactory(account=account, user=UserFactory(email="later@example.com"))
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    services.issue_invoice(
        account, amount="19.90", billing_date=date(2026, 11, 1), due_date=date(2026, 11, 10),
        actor=operator,
    )  # fmt: skip
    return account


def test_r_d7_a_reminder_goes_out_once_n_days_before_the_due_date(reminder, due_later):
    assert send_reminders(date(2026, 11, 6))["delivered"] == 0  # 4 days before: not yet
    assert send_reminders(date(2026, 11, 7))["delivered"] == 1  # 3 days before
    assert send_reminders(date(2026, 11, 7))["delivered"] == 0  # a doubled tick
    assert send_reminders(date(2026, 11, 8))["delivered"] == 0  # once per item
    [message] = mail.outbox
    assert message.subject == "Reminder: 19.90 USD due on 2026-11-10"
    assert message.to == ["later@example.com"]
    [log] = NoticeLog.objects.filter(kind="reminder")
    assert (log.account, log.status, log.item.due_date) == (
        due_later, "delivered", date(2026, 11, 10),
    )  # fmt: skip


def test_r_d7_no_reminder_when_the_policy_says_0_or_the_item_is_paid(reminder, due_later, operator):
    reminder.days_before = 0
    reminder.save()
    assert send_reminders(date(2026, 11, 7))["delivered"] == 0
    reminder.days_before = 3
    reminder.save()
    services.record_payment(due_later, "19.90", actor=operator, idempotency_key="pay-later")
    assert send_reminders(date(2026, 11, 7))["delivered"] == 0
    assert mail.outbox == []


def test_r_d7_a_due_date_already_passed_gets_no_reminder(reminder, due_later):
    assert send_reminders(date(2026, 11, 10))["delivered"] == 0
    assert send_reminders(date(2026, 11, 12))["delivered"] == 0


def test_r_d7_a_failed_reminder_is_logged_as_failed_and_not_sent_again(reminder, due_later):
    with mock.patch(SEND, side_effect=ConnectionRefusedError(111, "Connection refused")):
        assert send_reminders(date(2026, 11, 7)) == {"delivered": 0, "failed": 1, "skipped": 0}
    [log] = NoticeLog.objects.filter(kind="reminder")
    assert log.status == "failed"
    assert "Connection refused" in log.error
    assert send_reminders(date(2026, 11, 8))["failed"] == 0


def test_r_d7_the_reminder_task_runs_the_service(reminder, due_later):
    from billing.tasks import send_reminders as task

    assert task.apply(kwargs={"today": "2026-11-07"}).get()["delivered"] == 1


def test_r_d7_the_contact_variable_is_the_resellers_for_a_resellers_account(account):
    from accounts.models import Account, Reseller
    from billing.notice_render import values_for

    assert values_for(account, now=None, due_date=None)["contact"] == "orders@example.com"
    reseller = Reseller.objects.create(name="Acme Telecom", orders_email="orders@acme.example")
    Account.objects.filter(pk=account.pk).update(reseller=reseller)
    account.refresh_from_db()
    contact = values_for(account, now=None, due_date=None)["contact"]
    assert contact == "Acme Telecom (orders@acme.example)"


def test_r_d7_the_lock_email_is_logged_delivered_and_a_failed_one_failed(
    operator, django_capture_on_commit_callbacks
):
    from accounts import services as account_services

    account = AccountFactory(actor=operator)
    user = UserFactory(email="member@example.com")
    MembershipFactory(user=user, account=account)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.lock_user_account(user, actor=operator, reason="Abuse")
    [log] = NoticeLog.objects.filter(account=account)
    assert (log.kind, log.status, log.recipients) == (
        "account_locked", "delivered", "member@example.com",
    )  # fmt: skip
    assert log.subject == mail.outbox[-1].subject

    other = AccountFactory(actor=operator)
    MembershipFactory(user=UserFactory(email="other@example.com"), account=other)
    refused = SMTPRecipientsRefused({"other@example.com": (550, b"no such user")})
    with django_capture_on_commit_callbacks() as callbacks:
        account_services.lock_user_account(
            other.memberships.get().user, actor=operator, reason="Abuse"
        )
    with mock.patch(SEND, side_effect=refused):
        [send] = [c for c in callbacks if "send_account_locked" in repr(c)]
        with pytest.raises(SMTPRecipientsRefused):  # robust on_commit logs it in production
            send()
    [failed] = NoticeLog.objects.filter(account=other)
    assert (failed.kind, failed.status) == ("account_locked", "failed")
    assert "no such user" in failed.error


def test_r_d7_a_second_run_cannot_claim_an_items_reminder_again(reminder, due_later):
    """The partial unique index decides (both databases), not the Python check before it."""
    from billing.models import OpenItem
    from billing.reminders import _claim

    item = OpenItem.objects.get(account=due_later)
    assert _claim(item, ["later@example.com"], timezone.now()) is not None
    assert _claim(item, ["later@example.com"], timezone.now()) is None
    assert NoticeLog.objects.filter(kind="reminder", item=item).count() == 1


def test_r_d7_one_run_sends_at_most_its_limit_and_the_next_run_the_rest(
    reminder, due_later, operator
):
    """Accounts with nobody to tell are not read at all, so they never crowd out the rest."""
    nobody = AccountFactory(actor=operator)
    services.issue_invoice(
        nobody, amount="5.00", billing_date=date(2026, 11, 1), due_date=date(2026, 11, 8),
        actor=operator,
    )  # fmt: skip
    second = AccountFactory(actor=operator)
    MembershipFactory(account=second, user=UserFactory(email="second@example.com"))
    services.issue_invoice(
        second, amount="7.00", billing_date=date(2026, 11, 1), due_date=date(2026, 11, 9),
        actor=operator,
    )  # fmt: skip
    assert send_reminders(date(2026, 11, 7), limit=1) == {"delivered": 1, "failed": 0, "skipped": 0}
    assert send_reminders(date(2026, 11, 7), limit=1) == {"delivered": 1, "failed": 0, "skipped": 0}
    assert send_reminders(date(2026, 11, 7), limit=1)["delivered"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["later@example.com", "second@example.com"]
