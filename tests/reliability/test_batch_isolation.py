"""Issue 15, item 3: one bad item no longer stops a batch job for everyone after it.

Each job meets one poisoned item among good ones (tests/reliability/poison.py: the database
refuses that row's write, as a value over its column would): the good ones are billed or swept,
the bad one leaves one JobFailure row (job, account, error, when) and nothing half-written, the
job's result says one failed, and every account's ledger sum equals its cached balance."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import events, scheduling, unlocking
from accounts.actors import Actor
from accounts.exemptions import set_renewal_deadline
from accounts.models import Account, JobFailure, OutboxEvent, WebhookDelivery, WebhookEndpoint
from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import (
    MSG_RECURRING_DESCRIPTION_TOO_LONG,
    RECURRING_DESCRIPTION_MAX,
    Invoice,
    LedgerEntry,
    RecurringCharge,
)
from billing.recurring import run_recurring_charges
from billing.sweeps import credit_hold_sweep, dunning_sweep
from subscriptions import services as subscriptions
from tests.accounts.factories import AccountFactory
from tests.reliability.poison import POISON_MESSAGE, poisoned
from tests.subscriptions.factories import PlanFactory, funded_account

pytestmark = pytest.mark.django_db
JAN1, FEB1 = date(2026, 1, 1), date(2026, 2, 1)


def three_accounts(operator, **fields):
    return [funded_account(operator, **fields) for _ in range(3)]


def account_row(account):
    return poisoned("accounts_account", "id", account.pk)


def assert_books_balance():
    for account in Account.objects.all():
        assert billing.ledger_sum(account) == account.balance, account.number


def assert_one_failure(job, account):
    failure = JobFailure.objects.get()
    assert (failure.job, failure.account_id) == (job, account.pk)
    assert POISON_MESSAGE in failure.error
    assert failure.occurred_at <= timezone.now()


def test_subscription_charges_bill_the_good_subscriptions_past_a_bad_one(operator):
    plan = PlanFactory(price=Decimal("10.00"))
    good1, bad, good2 = three_accounts(operator)
    for account in (good1, bad, good2):
        subscriptions.order(account, plan, actor=Actor.operator(operator), today=JAN1)
    with account_row(bad):
        counts = subscriptions.run_subscription_charges(FEB1)
    assert counts["failed"] == 1 and counts["invoiced"] == 2
    billed = set(Invoice.objects.filter(billing_date=FEB1).values_list("account_id", flat=True))
    assert billed == {good1.pk, good2.pk}
    assert bad.subscriptions.get().next_billing_date == FEB1  # rolled back: still due
    assert_one_failure("subscriptions.tasks.run_subscription_charges", bad)
    assert_books_balance()
    assert subscriptions.run_subscription_charges(FEB1)["invoiced"] == 1  # fixed: billed next run


def test_issue_15_an_account_number_of_20_characters_is_invoiced_with_a_number_that_fits(
    operator,
):
    plan = PlanFactory(price=Decimal("10.00"))
    account = funded_account(operator, number="9" * 20)
    subscriptions.order(account, plan, actor=Actor.operator(operator), today=JAN1)
    assert subscriptions.run_subscription_charges(FEB1)["failed"] == 0
    numbers = list(Invoice.objects.filter(account=account).values_list("number", flat=True))
    assert len(numbers) == 2 and len(set(numbers)) == 2
    assert all(len(n) <= 32 and n.startswith(f"INV#{account.pk}-") for n in numbers)
    assert not JobFailure.objects.exists()


def test_a_short_account_number_keeps_its_readable_invoice_number(operator):
    account = funded_account(operator, number="ACME-1")
    invoice = billing.issue_invoice(account, amount="1.00", billing_date=JAN1, actor=operator)
    assert invoice.number == "INV-ACME-1-20260101-1"


def recurring(account, description="Fax line"):
    return RecurringCharge.objects.create(
        account=account, description=description, amount=Decimal("19.99"), next_billing_date=JAN1
    )


def test_recurring_charges_bill_the_good_charges_past_a_bad_one(operator):
    good1, bad, good2 = three_accounts(operator)
    charges = [recurring(account) for account in (good1, bad, good2)]
    with account_row(bad):
        counts = run_recurring_charges(JAN1)
    assert counts == {"invoiced": 2, "skipped": 0, "failed": 1}
    billed = set(Invoice.objects.filter(billing_date=JAN1).values_list("account_id", flat=True))
    assert billed == {good1.pk, good2.pk}
    charges[1].refresh_from_db()
    assert charges[1].next_billing_date == JAN1  # still due
    assert_one_failure("billing.tasks.run_recurring_charges", bad)
    assert_books_balance()


def test_a_recurring_description_too_long_for_the_invoice_fails_alone(operator):
    """The review's case: a row written before the form refused it (a 241-character text)."""
    good1, bad, good2 = three_accounts(operator)
    recurring(good1), recurring(bad, description="x" * 241), recurring(good2)
    counts = run_recurring_charges(JAN1)
    assert (counts["invoiced"], counts["failed"]) == (2, 1)
    failure = JobFailure.objects.get()
    assert failure.account_id == bad.pk  # issue_invoice refuses the text (it was a DataError)
    assert "The description can be at most 255 characters long." in failure.error
    assert not LedgerEntry.objects.filter(account=bad, kind="charge").exists()
    assert_books_balance()


def below_the_line(operator, n=3):
    """Active accounts negative longer than their allowed period: the sweep holds them (R-CH1 b)."""
    accounts = []
    for _ in range(n):
        account = AccountFactory(actor=operator)
        billing.set_financial_blocking_threshold(account, "-10", actor=operator)
        Account.objects.filter(pk=account.pk).update(allowed_negative_days=1)
        billing.post_charge(account, "5", description="usage", actor=operator)
        account.refresh_from_db()
        assert account.backend_status == S.ACTIVE
        accounts.append(account)
    return accounts


def statuses(accounts):
    return [Account.objects.get(pk=a.pk).status_type.backend_status for a in accounts]


def test_credit_hold_sweep_holds_the_good_accounts_of_a_batch_past_a_bad_one(operator):
    good1, bad, good2 = below_the_line(operator)
    with account_row(bad):
        counts = credit_hold_sweep(now=timezone.now() + timedelta(days=2))
    assert (counts["held"], counts["failed"]) == (2, 1)
    assert statuses([good1, bad, good2]) == [S.CREDIT_HOLD, S.ACTIVE, S.CREDIT_HOLD]
    assert_one_failure("billing.tasks.credit_hold_sweep", bad)
    assert_books_balance()


def overdue(operator, n=3):
    """Bills in arrears with a credit limit, so only the ladder moves them (R-D1)."""
    accounts = []
    for _ in range(n):
        account = AccountFactory(actor=operator)
        billing.set_financial_blocking_threshold(account, "-500", actor=operator)
        billing.issue_invoice(account, amount="49.90", billing_date=JAN1, actor=operator)
        accounts.append(account)
    return accounts


def test_dunning_sweep_moves_the_good_accounts_of_a_batch_past_a_bad_one(operator):
    good1, bad, good2 = overdue(operator)
    with account_row(bad):
        counts = dunning_sweep(JAN1 + timedelta(days=2))
    assert (counts["accounts_moved"], counts["failed"]) == (2, 1)
    names = [Account.objects.get(pk=a.pk).status_type.name for a in (good1, bad, good2)]
    assert names == ["Suspended until Paid", "Active", "Suspended until Paid"]  # R-D1
    assert_one_failure("billing.tasks.dunning_sweep", bad)
    assert_books_balance()
    assert dunning_sweep(JAN1 + timedelta(days=2))["accounts_moved"] == 1  # fixed: next run


def test_scheduled_status_changes_apply_the_good_ones_past_a_bad_one(operator):
    today = timezone.localdate()
    accounts = [AccountFactory(actor=operator) for _ in range(3)]
    rows = [
        scheduling.schedule_status_change(
            account, "Suspended", reason="Customer request", effective_on=today, actor=operator
        )
        for account in accounts
    ]
    with account_row(accounts[1]):
        counts = scheduling.apply_due_status_changes(today)
    assert counts == {"applied": 2, "refused": 0, "failed": 1}
    assert statuses(accounts) == [S.SUSPENDED, S.ACTIVE, S.SUSPENDED]
    for row in rows:
        row.refresh_from_db()
    assert [row.state for row in rows] == ["applied", "failed", "applied"]
    assert_one_failure("accounts.tasks.apply_scheduled_status_changes", accounts[1])


def test_renewal_deadlines_relock_the_good_accounts_past_a_bad_one(operator):
    deadline = date(2026, 3, 1)
    accounts = [AccountFactory(actor=operator) for _ in range(3)]
    for account in accounts:
        locked = Account.objects.select_for_update().get(pk=account.pk)
        set_renewal_deadline(locked, deadline, actor=Actor.operator(operator))
    with account_row(accounts[1]):
        counts = unlocking.enforce_renewal_deadlines(deadline + timedelta(days=1))
    assert (counts["relocked"], counts["failed"]) == (2, 1)
    assert [Account.objects.get(pk=a.pk).renewal_deadline for a in accounts] == [
        None,
        deadline,
        None,
    ]
    assert_one_failure("accounts.tasks.enforce_renewal_deadlines", accounts[1])


def test_fan_out_makes_the_deliveries_of_the_good_events_past_a_bad_one(operator):
    WebhookEndpoint.objects.create(name="Fax server", url="http://127.0.0.1:9/hook")
    accounts = [AccountFactory(actor=operator) for _ in range(3)]
    OutboxEvent.objects.update(fanned_out_at=timezone.now())  # the accounts' own creation
    made = [
        events.emit("account.noted", f"account:{a.number}", {"n": i}, account=a)
        for i, a in enumerate(accounts)
    ]
    with poisoned("accounts_webhookdelivery", "event_id", made[1].pk):
        assert events.fan_out(enqueue=False) == 2  # and returns: the bad event is not retried
    delivered = set(WebhookDelivery.objects.values_list("event_id", flat=True))
    assert delivered == {made[0].pk, made[2].pk}
    assert OutboxEvent.objects.get(pk=made[1].pk).fanned_out_at is None  # the next run tries
    assert_one_failure("accounts.tasks.fan_out_outbox_events", accounts[1])


def test_a_delivery_that_cannot_even_be_sent_is_failed_and_shown_to_the_operator(operator):
    WebhookEndpoint.objects.create(name="Broken", url="http://[not-an-address/hook")
    account = AccountFactory(actor=operator)
    OutboxEvent.objects.update(fanned_out_at=timezone.now())
    events.emit("account.noted", f"account:{account.number}", {}, account=account)
    events.fan_out(enqueue=False)
    delivery = events.deliver(WebhookDelivery.objects.get().pk)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "ValueError" in delivery.last_error
    failure = JobFailure.objects.get()
    assert (failure.job, failure.account_id) == ("accounts.tasks.deliver_webhook", account.pk)


def test_job_failures_are_listed_read_only_newest_first_and_filtered_by_job(admin_client):
    JobFailure.objects.create(job="billing.tasks.dunning_sweep", error="ERR-ONE", item="a")
    JobFailure.objects.create(job="billing.tasks.credit_hold_sweep", error="ERR-TWO", item="b")
    url = "/admin/accounts/jobfailure/"
    page = admin_client.get(url).content.decode()
    assert page.index("ERR-TWO") < page.index("ERR-ONE")
    filtered = admin_client.get(url, {"job": "billing.tasks.dunning_sweep"}).content.decode()
    assert "ERR-ONE" in filtered and "ERR-TWO" not in filtered
    assert admin_client.get(url + "add/").status_code == 403
    row = JobFailure.objects.first()
    change = admin_client.get(f"{url}{row.pk}/change/").content.decode()
    assert 'name="_save"' not in change


def test_a_recurring_description_the_invoice_could_not_hold_is_refused_at_creation(operator):
    account = AccountFactory(actor=operator)
    charge = RecurringCharge(
        account=account,
        description="x" * (RECURRING_DESCRIPTION_MAX + 1),
        amount=Decimal("1.00"),
        next_billing_date=JAN1,
    )
    with pytest.raises(ValidationError) as refused:
        charge.full_clean()
    expected = MSG_RECURRING_DESCRIPTION_TOO_LONG.format(limit=RECURRING_DESCRIPTION_MAX)
    assert refused.value.message_dict == {"description": [expected]}
    charge.description = "x" * RECURRING_DESCRIPTION_MAX
    charge.full_clean()
    charge.save()
    assert run_recurring_charges(JAN1)["invoiced"] == 1  # the longest allowed text fits
    assert len(Invoice.objects.get(account=account).description) == 255
