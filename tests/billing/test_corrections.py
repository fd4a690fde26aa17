"""R-D8 correcting money: adjustments, charges, invoices, refunds, reversals of a payment,
write-offs and credit notes — each previewed first (R-X5: exactly its entries and the status the
release decision gives, nothing written), each an audit row with who and why."""

import threading
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import timezone

from accounts.integrity import verify
from accounts.models import AccountAudit
from billing import corrections, ladder, services
from billing.models import EntryKind, LedgerEntry, OpenItem
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 1)
WRITE_OFF_AT = timezone.make_aware(timezone.datetime(2026, 10, 6, 12))  # second invoice not due


def status(account):
    account.refresh_from_db()
    return account.status_type.name


def written(account):
    """What a preview must leave as it was."""
    account.refresh_from_db()
    return (
        LedgerEntry.objects.filter(account=account).count(),
        AccountAudit.objects.filter(account=account).count(),
        OpenItem.objects.filter(account=account, settled_at__isnull=True).count(),
        account.balance,
        account.status_type_id,
    )


@pytest.fixture
def held(operator):
    """Credit hold by R-CH1 (a): 30.00 charged, threshold 0."""
    account = AccountFactory(actor=operator)
    services.post_charge(account, "30.00", description="Setup", actor=operator)
    assert status(account) == "Credit hold"
    return account


@pytest.fixture
def dunned(operator):
    """A credit limit of 500, two invoices; the first is 3 days overdue: R-D1's step holds it."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    first = services.issue_invoice(account, amount="49.90", billing_date=DAY, actor=operator)
    later = DAY + timedelta(days=30)
    second = services.issue_invoice(account, amount="19.90", billing_date=later, actor=operator)
    dunning_sweep(DAY + timedelta(days=3))
    assert status(account) == "Suspended until Paid"
    return account, first, second


def test_r_d8_design_names_are_importable_from_billing_services():
    for name in ("post_adjustment", "reverse_entry", "write_off", "issue_credit_note"):
        assert callable(getattr(services, name))


def test_r_x5_adjustment_preview_shows_credit_hold_to_active_and_writes_nothing(held, operator):
    before = written(held)
    preview = services.post_adjustment(
        held, "30.00", description="Goodwill", actor=operator, preview=True
    )
    assert written(held) == before
    assert [(e["kind"], e["amount"]) for e in preview.entries] == [("adjustment", D("30.00"))]
    assert preview.status_effect == "Credit hold → Active (R-CH5)"


def test_r_d8_adjustment_lifts_the_credit_hold_with_an_audit_row(held, operator):
    services.post_adjustment(
        held, "30.00", description="Goodwill", actor=operator, reason="Billing error on setup"
    )
    assert status(held) == "Active"
    row = AccountAudit.objects.get(account=held, field="ledger: adjustment")
    assert (row.actor_user, row.note) == (operator, "Billing error on setup")
    assert (row.old_value, row.new_value.split(" (")[0]) == ("balance -30.00", "balance 0.00")


def test_r_d8_a_negative_adjustment_previews_the_hold_it_causes(operator):
    account = AccountFactory(actor=operator)
    preview = corrections.preview_adjustment(account, "-5.00", description="Correction")
    assert preview.status_effect == "Active → Credit hold (R-CH1)"
    assert preview.total == D("-5.00")


def test_r_d8_a_charge_preview_names_its_entry_and_no_change_when_covered(operator):
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-100", actor=operator)
    preview = corrections.preview_charge(account, "20.00", description="Install")
    assert preview.entries[0]["kind"] == EntryKind.CHARGE
    assert preview.entries[0]["amount"] == D("-20.00")
    assert not preview.changes_status
    assert preview.status_effect == "No status change: the account stays Active."


def test_r_d8_write_off_previews_the_release_and_writes_nothing(dunned, operator):
    account, first, _second = dunned
    item = OpenItem.objects.get(invoice=first)
    before = written(account)
    preview = services.write_off(
        item, actor=operator, reason="Uncollectable", preview=True, now=WRITE_OFF_AT
    )
    assert written(account) == before
    assert preview.entries[0]["amount"] == D("49.90")
    assert preview.entries[0]["description"].startswith("Write-off of Invoice")
    assert preview.status_effect == "Suspended until Paid → Active (R-CH5)"
    assert (preview.anchor_before, preview.anchor_after) == (first.due_date, DAY + timedelta(30))


def test_r_d8_write_off_stops_the_ladder_the_anchor_moves_past_the_item(dunned, operator):
    """R-B3: the item leaves dunning — the anchor is the next open item; the sweep agrees."""
    account, first, second = dunned
    entry = services.write_off(
        OpenItem.objects.get(invoice=first),
        actor=operator,
        reason="Uncollectable",
        now=WRITE_OFF_AT,
    )
    assert entry.kind == EntryKind.ADJUSTMENT and entry.amount == D("49.90")
    first.refresh_from_db()
    assert first.outstanding == 0
    assert ladder.earliest_unpaid_due_date(account) == second.due_date
    assert status(account) == "Active"
    dunning_sweep(DAY + timedelta(days=20))  # past R-D2's week on the old anchor: no step
    assert status(account) == "Active"
    assert AccountAudit.objects.filter(account=account, note="Uncollectable").count() == 1
    assert not verify().violations


def test_r_d8_write_off_settles_its_own_item_not_the_oldest(dunned, operator):
    account, first, second = dunned
    services.write_off(OpenItem.objects.get(invoice=second), actor=operator, reason="Dispute")
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.outstanding, second.outstanding) == (D("49.90"), D("0.00"))
    assert ladder.earliest_unpaid_due_date(account) == first.due_date


def test_r_d8_a_settled_item_cannot_be_written_off(dunned, operator):
    account, first, _second = dunned
    item = OpenItem.objects.get(invoice=first)
    services.write_off(item, actor=operator, reason="Uncollectable")
    with pytest.raises(corrections.CorrectionRefused, match="settled already"):
        services.write_off(item, actor=operator, reason="Again")


def test_r_d8_a_correction_needs_a_reason(dunned, operator):
    _account, first, _second = dunned
    with pytest.raises(corrections.CorrectionRefused, match="needs a reason"):
        services.write_off(OpenItem.objects.get(invoice=first), actor=operator, reason="  ")


def test_r_b3_reversing_a_write_off_reopens_its_item(dunned, operator):
    account, first, _second = dunned
    entry = services.write_off(
        OpenItem.objects.get(invoice=first), actor=operator, reason="Uncollectable"
    )
    services.reverse_entry(entry, actor=operator, reason="Written off by mistake")
    first.refresh_from_db()
    assert first.outstanding == D("49.90")
    assert ladder.earliest_unpaid_due_date(account) == first.due_date
    assert not verify().violations


def test_r_d8_credit_notes_are_numbered_and_lower_the_debt(dunned, operator):
    account, first, _second = dunned
    one = services.issue_credit_note(account, "10.00", description="Outage", actor=operator)
    two = services.issue_credit_note(account, "5.00", description="Outage", actor=operator)
    assert one.idempotency_key == f"CN-{account.number}-1"
    assert two.idempotency_key == f"CN-{account.number}-2"
    assert one.description == f"Credit note CN-{account.number}-1: Outage"
    first.refresh_from_db()
    account.refresh_from_db()
    assert (account.balance, first.outstanding) == (D("-54.80"), D("34.90"))
    assert AccountAudit.objects.filter(account=account, field="ledger: adjustment").count() == 2


def test_r_d8_credit_note_preview_writes_nothing(held, operator):
    before = written(held)
    preview = services.issue_credit_note(
        held, "30.00", description="Outage", actor=operator, preview=True
    )
    assert written(held) == before
    assert preview.status_effect == "Credit hold → Active (R-CH5)"


def test_r_d8_reversing_a_payment_previews_the_hold_and_reopens_its_items(operator):
    account = AccountFactory(actor=operator)
    invoice = services.issue_invoice(account, amount="40.00", billing_date=DAY, actor=operator)
    payment = services.record_payment(account, "40.00", idempotency_key="p1", actor=operator)
    assert status(account) == "Active"
    before = written(account)
    preview = services.reverse_entry(payment, actor=operator, preview=True)
    assert written(account) == before
    assert preview.entries[0]["amount"] == D("-40.00")
    assert (preview.anchor_after, preview.status_effect) == (
        invoice.due_date,
        "Active → Credit hold (R-CH1)",
    )
    services.reverse_entry(payment, actor=operator, reason="Chargeback")
    invoice.refresh_from_db()
    assert (status(account), invoice.outstanding) == ("Credit hold", D("40.00"))
    assert ladder.earliest_unpaid_due_date(account) == invoice.due_date


@pytest.mark.parametrize(
    "correction",
    ["credit", "debit", "invoice", "refund", "write_off", "credit_note", "reversal"],
)
def test_r_x5_every_preview_agrees_with_what_the_posting_does(dunned, operator, correction):
    """The preview's entries, status and anchor are what the committed correction gives."""
    account, first, _second = dunned
    payment = services.record_payment(account, "1.00", idempotency_key="k", actor=operator)
    item = OpenItem.objects.get(invoice=first)
    billing_date = DAY + timedelta(days=40)
    run = {
        "credit": lambda p: services.post_adjustment(
            account, "49.90", description="Fix", actor=operator, preview=p
        ),
        "debit": lambda p: services.post_adjustment(
            account, "-600.00", description="Fix", actor=operator, preview=p
        ),
        "invoice": lambda p: (corrections.preview_invoice if p else services.issue_invoice)(
            account,
            amount="5.00",
            billing_date=billing_date,
            description="Invoice",
            **({} if p else {"actor": operator}),
        ),  # fmt: skip
        "refund": lambda p: (
            corrections.preview_refund(account, "70.00", description="Refund")
            if p
            else services.post_refund(account, "70.00", description="Refund", actor=operator)
        ),
        "write_off": lambda p: services.write_off(item, actor=operator, reason="x", preview=p),
        "credit_note": lambda p: services.issue_credit_note(
            account, "68.80", description="Sorry", actor=operator, preview=p
        ),
        "reversal": lambda p: services.reverse_entry(payment, actor=operator, preview=p),
    }[correction]
    balance = written(account)[3]
    preview = run(True)
    run(False)
    account.refresh_from_db()
    assert account.balance - balance == preview.total
    assert account.status_type.name == preview.status_after
    assert ladder.earliest_unpaid_due_date(account) == preview.anchor_after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_d8_two_operators_writing_off_one_item_at_once_write_it_off_once(operator, on_postgres):
    """Decided under the account's lock: one write-off, the other is told it is settled."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    invoice = services.issue_invoice(account, amount="49.90", billing_date=DAY, actor=operator)
    item = OpenItem.objects.get(invoice=invoice)
    start, outcomes = threading.Barrier(2), []

    def write_off():
        try:
            start.wait(10)
            services.write_off(item, actor=operator, reason="Uncollectable")
            outcomes.append("written off")
        except corrections.CorrectionRefused as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=write_off) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes)[-1] == "written off" and "settled already" in sorted(outcomes)[0]
    assert LedgerEntry.objects.filter(account=account, kind=EntryKind.ADJUSTMENT).count() == 1
    assert not verify().violations
