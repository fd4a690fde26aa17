"""R-B3 open items: every debit is an item with its own due date, credits settle the oldest due
first, a later debit never reopens a settled item, a reversal reopens exactly what it settled."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from accounts.actors import Actor
from accounts.integrity import verify
from accounts.models import Account
from billing import ladder, open_items, services
from billing.models import Invoice, LedgerEntry, OpenItem, Settlement
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
BOOK = open_items.Book.live()
DAY = date(2026, 10, 1)


@pytest.fixture
def account(operator):
    """Bills in arrears with a credit limit, so invoices alone hold nothing (R-CH1 a)."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-1000", actor=operator)
    return account


def outstanding(invoice):
    invoice.refresh_from_db()
    return invoice.outstanding, invoice.is_paid


def carried(account):
    account.refresh_from_db()
    return open_items.outstanding_total(BOOK, account.pk), max(D(0), -account.balance)


def test_r_b3_a_fee_after_payment_never_reopens_the_paid_invoice(account, operator):
    """Helix: pays its 120.00 invoice, then a 10.00 fee (R-D3) — the invoice stays paid."""
    invoice = services.issue_invoice(account, amount="120.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "120.00", idempotency_key="helix", actor=operator)
    services.post_fee(account, "10.00", description="Reactivation fee (R-D3)", actor=operator)
    assert outstanding(invoice) == (D("0.00"), True)
    fee = OpenItem.objects.get(entry__kind="fee")
    assert (fee.outstanding, fee.invoice_id) == (D("10.00"), None)
    assert ladder.earliest_unpaid_due_date(account) == fee.due_date != invoice.due_date
    assert carried(account) == (D("10.00"), D("10.00"))


def test_r_b3_enable_with_the_reactivation_fee_leaves_the_paid_invoice_paid(operator):
    """Helix through Enable: the fee is its own item due at once; the invoice stays paid."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    invoice = services.issue_invoice(account, amount="120.00", billing_date=DAY, actor=operator)
    dunning_sweep(DAY + timedelta(days=14))  # R-D3 Terminated, for non-payment
    account.refresh_from_db()
    assert account.status_type.name == "Terminated"
    services.record_payment(account, "120.00", idempotency_key="helix", actor=operator)
    ladder.enable_account(account, actor=Actor.operator(operator))
    assert outstanding(invoice) == (D("0.00"), True)
    assert carried(account) == (D("10.00"), D("10.00"))


def test_r_b3_a_dunning_fee_does_not_move_the_anchor_back(operator):
    """A step's fee used to land on an older paid invoice: the anchor jumped back (R-X3)."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    old = services.issue_invoice(account, amount="30.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "30.00", idempotency_key="old", actor=operator)
    new = services.issue_invoice(
        account, amount="49.90", billing_date=DAY + timedelta(days=31), actor=operator
    )
    step = (
        services.policy_for(account)
        .steps.filter(condition="days_past_due")
        .order_by("position")
        .first()
    )
    step.fee = D("5.00")
    step.save()
    dunning_sweep(new.due_date + timedelta(days=3))
    assert LedgerEntry.objects.filter(account=account, kind="fee").exists()
    assert outstanding(old) == (D("0.00"), True)
    assert ladder.earliest_unpaid_due_date(account) == new.due_date
    assert carried(account) == (D("54.90"), D("54.90"))


def test_r_b3_payments_settle_the_oldest_due_date_first_whatever_the_kind(account, operator):
    usage = services.post_usage(account, "7.00", description="calls", actor=operator)
    later = services.issue_invoice(
        account, amount="20.00", billing_date=DAY, due_date=date(2099, 1, 1), actor=operator
    )
    older = services.issue_invoice(account, amount="30.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "40.00", idempotency_key="p", actor=operator)
    # due dates: older (Oct 1) < usage (posted today) < later (2099)
    assert outstanding(older) == (D("0.00"), True)
    assert OpenItem.objects.get(entry=usage).settled_at is not None
    assert outstanding(later) == (D("17.00"), False)
    assert carried(account) == (D("17.00"), D("17.00"))


def test_r_b3_a_credit_in_hand_settles_a_new_debit_at_once(account, operator):
    services.record_payment(account, "100.00", idempotency_key="top-up", actor=operator)
    invoice = services.issue_invoice(account, amount="60.00", billing_date=DAY, actor=operator)
    charge = services.post_charge(account, "50.00", description="setup", actor=operator)
    assert outstanding(invoice) == (D("0.00"), True)
    assert OpenItem.objects.get(entry=charge).outstanding == D("10.00")
    assert carried(account) == (D("10.00"), D("10.00"))


def test_r_b3_reversing_a_payment_reopens_exactly_the_items_it_settled(account, operator):
    """Kill Bill: a chargeback of an old invoice's payment puts the clock back on its due date."""
    first = services.issue_invoice(account, amount="30.00", billing_date=DAY, actor=operator)
    second = services.issue_invoice(
        account, amount="20.00", billing_date=DAY + timedelta(days=31), actor=operator
    )
    paid_first = services.record_payment(account, "30.00", idempotency_key="p1", actor=operator)
    services.record_payment(account, "20.00", idempotency_key="p2", actor=operator)
    assert ladder.earliest_unpaid_due_date(account) is None
    services.reverse_entry(paid_first, actor=operator, description="chargeback")
    assert outstanding(first) == (D("30.00"), False)
    assert outstanding(second) == (D("0.00"), True)
    assert ladder.earliest_unpaid_due_date(account) == first.due_date
    assert Settlement.objects.filter(credit=paid_first, released_by__isnull=False).count() == 1
    assert carried(account) == (D("30.00"), D("30.00"))


def test_r_b3_a_reversed_credit_in_hand_reopens_nothing_and_others_settle(account, operator):
    services.record_payment(account, "50.00", idempotency_key="p1", actor=operator)
    invoice = services.issue_invoice(account, amount="30.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "40.00", idempotency_key="p2", actor=operator)
    first = LedgerEntry.objects.get(idempotency_key="p1")
    services.reverse_entry(first, actor=operator)  # p2's 40.00 now settles the invoice
    assert outstanding(invoice) == (D("0.00"), True)
    assert carried(account) == (D("0.00"), D("0.00"))
    assert open_items.unapplied_credits(BOOK, account.pk)[0][1] == D("10.00")


def test_r_b3_reversing_a_charge_closes_its_item_and_frees_its_payments(account, operator):
    wrong = services.post_charge(account, "25.00", description="wrong", actor=operator)
    invoice = services.issue_invoice(account, amount="40.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "30.00", idempotency_key="p", actor=operator)
    assert outstanding(invoice) == (D("10.00"), False)  # the invoice is due first
    services.reverse_entry(wrong, actor=operator)
    assert OpenItem.objects.get(entry=wrong).settled_at is not None
    assert outstanding(invoice) == (D("10.00"), False)
    assert carried(account) == (D("10.00"), D("10.00"))


def snapshot():
    accounts = {
        a.pk: (a.balance, a.status_type_id, a.negative_since)
        for a in Account.objects.order_by("pk")
    }
    items = sorted(
        (i.entry_id, i.invoice_id, i.amount, i.settled, i.due_date, i.settled_at is None)
        for i in OpenItem.objects.all()
    )
    settlements = sorted(
        (s.credit_id, s.item.entry_id, s.amount, s.released_by_id)
        for s in Settlement.objects.select_related("item")
    )
    invoices = sorted(
        (pk, left, paid is None)
        for pk, left, paid in Invoice.objects.values_list("pk", "outstanding", "paid_at")
    )
    return accounts, items, settlements, invoices


def test_r_b3_the_conversion_of_the_demo_data_changes_no_balance_or_status(operator):
    """The data migration's function, replayed over seed_demo's ledger, agrees with the items
    the postings kept, and changes no balance or status."""
    call_command("seed_demo", verbosity=0)
    for n, account in enumerate(Account.objects.order_by("pk")):  # and reversals of each kind
        credits = account.ledger_entries.filter(amount__gt=0, kind="payment")
        entry = (credits if n % 2 else account.ledger_entries.filter(kind="charge")).last()
        if entry is not None:
            services.reverse_entry(entry, actor=operator)
    before = snapshot()
    assert before[1], "the demo has open items"
    assert LedgerEntry.objects.filter(kind="reversal", amount__gt=0).exists()
    assert LedgerEntry.objects.filter(kind="reversal", amount__lt=0).exists()
    converted = open_items.convert_all(BOOK)
    after = snapshot()
    assert converted == LedgerEntry.objects.order_by().values("account").distinct().count()
    assert after[0] == before[0]  # balances, statuses, negative since
    assert after[1:] == before[1:]  # the same items, settlements and invoice states
    for account in Account.objects.all():
        assert open_items.outstanding_total(BOOK, account.pk) == max(D(0), -account.balance)


def test_r_b3_the_conversion_settles_what_the_old_rule_left_on_a_paid_invoice(account, operator):
    """Data the old rule wrote (newest invoices carry the debt, the fee reopened the invoice)
    becomes the fee's own item, and the invoice is paid."""
    invoice = services.issue_invoice(account, amount="120.00", billing_date=DAY, actor=operator)
    services.record_payment(account, "120.00", idempotency_key="helix", actor=operator)
    services.post_fee(account, "10.00", description="fee", actor=operator)
    Settlement.objects.all().delete()
    OpenItem.objects.all().delete()
    Invoice.objects.filter(pk=invoice.pk).update(outstanding=D("10.00"), paid_at=None)
    open_items.convert_account(BOOK, account.pk)
    assert outstanding(invoice) == (D("0.00"), True)
    assert carried(account) == (D("10.00"), D("10.00"))


def test_r_b3_the_integrity_check_finds_items_that_disagree_with_the_ledger(account, operator):
    services.issue_invoice(account, amount="30.00", billing_date=DAY, actor=operator)
    assert not [f for f in verify().findings if f.rule_id == "R-B3"]
    OpenItem.objects.update(settled=D("5.00"))
    found = [f for f in verify().findings if f.rule_id == "R-B3"]
    assert any("open items carry 25.00" in f.message for f in found)
    assert any("its settlements 0.00" in f.message for f in found)


def test_r_b3_a_debt_without_an_invoice_is_dunned_from_its_own_due_date(operator):
    """Usage is an open item too: the sweep finds it and counts from its due date (R-D1)."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    services.post_usage(
        account, "20.00", description="calls", actor=operator, now=services.posting.time_of_day(DAY)
    )
    dunning_sweep(DAY + timedelta(days=1))
    account.refresh_from_db()
    assert account.status_type.name == "Active"
    dunning_sweep(DAY + timedelta(days=2))
    account.refresh_from_db()
    assert account.status_type.name == "Suspended until Paid"
