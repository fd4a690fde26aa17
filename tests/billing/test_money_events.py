"""Money events through the outbox (issue 19, deliverable 3; R-X6): each written with its change,
in its transaction, with ids, the account number, amounts as strings, the currency, the rule id
and the effective time; none for a refused or rolled-back change; none twice on a sweep's rerun."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import BackendStatus as S
from accounts.models import OutboxEvent
from billing import events, ladder_rows, services
from billing.errors import CurrencyMismatch, IdempotencyConflict
from billing.models import DunningEvent
from billing.sweeps import credit_hold_sweep, dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate() + timedelta(days=3)  # after any restart recorded today


def emitted(event_type, account=None):
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return list(rows.filter(account=account) if account is not None else rows)


@pytest.fixture
def account(operator):
    return AccountFactory(actor=operator)


def test_payment_recorded_is_emitted_once_with_its_payload(account, operator):
    when = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    entry = services.record_payment(
        account, "25.5", idempotency_key="p-1", actor=operator, now=when
    )
    services.record_payment(account, "25.5", idempotency_key="p-1", actor=operator)  # a retry
    [event] = emitted(events.PAYMENT_RECORDED, account)
    assert event.subject == f"account:{account.number}"
    assert event.payload == {
        "entry_id": entry.pk,
        "account": {"id": account.pk, "number": account.number},
        "amount": "25.50",
        "currency": account.currency,
        "balance_after": "25.50",
        "description": "Payment",
        "idempotency_key": "p-1",
        "rule_id": "",
        "effective_at": when.isoformat().replace("+00:00", "Z"),
    }


def test_a_refused_payment_emits_nothing(account, operator):
    services.record_payment(account, "10", idempotency_key="p-1", actor=operator)
    with pytest.raises(CurrencyMismatch):
        services.record_payment(
            account, "10", idempotency_key="p-2", currency="XXX", actor=operator
        )
    with pytest.raises(IdempotencyConflict):
        services.record_payment(account, "11", idempotency_key="p-1", actor=operator)
    assert len(emitted(events.PAYMENT_RECORDED)) == 1


def test_a_rolled_back_payment_leaves_no_event(account, operator):
    def pay_then_fail():
        with transaction.atomic():
            services.record_payment(account, "10", idempotency_key="p-1", actor=operator)
            raise RuntimeError("the caller's transaction fails after the payment")

    with pytest.raises(RuntimeError):
        pay_then_fail()
    assert emitted(events.PAYMENT_RECORDED) == []


def test_payment_reversed_names_the_payment_it_reverses(account, operator):
    payment = services.record_payment(account, "40", idempotency_key="p-1", actor=operator)
    charge = services.post_charge(account, "5", description="usage", actor=operator)
    reversal = services.reverse_entry(payment, actor=operator)
    services.reverse_entry(charge, actor=operator)  # not a payment: no event
    [event] = emitted(events.PAYMENT_REVERSED, account)
    assert event.payload["entry_id"] == reversal.pk
    assert event.payload["reversed_entry_id"] == payment.pk
    assert event.payload["amount"] == "40.00" and event.payload["balance_after"] == "-5.00"


def test_invoice_issued_carries_the_invoice(account, operator):
    day = timezone.localdate()
    invoice = services.issue_invoice(
        account,
        amount="249.95",
        billing_date=day,
        due_date=day + timedelta(days=14),
        actor=operator,
    )
    [event] = emitted(events.INVOICE_ISSUED, account)
    assert event.payload["invoice_id"] == invoice.pk
    assert event.payload["invoice_number"] == invoice.number
    assert event.payload["amount"] == event.payload["outstanding"] == "249.95"
    assert event.payload["currency"] == account.currency
    assert event.payload["due_date"] == str(day + timedelta(days=14))


def overdue(operator, days):
    """An account billing in arrears (no R-CH1 from the invoice) whose invoice is `days` old."""
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    MembershipFactory(account=account, user=UserFactory(email=f"o{account.pk}@example.com"))
    invoice = services.issue_invoice(
        account, amount="49.90", billing_date=TODAY - timedelta(days=days), actor=operator
    )
    return account, invoice


@pytest.mark.parametrize(
    "path", [pytest.param("rows", marks=pytest.mark.postgres), "models"]
)  # the row path is PostgreSQL's: the SQLite run deselects it
def test_dunning_step_entered_once_per_step_and_invoice_overdue_once(operator, monkeypatch, path):
    if path == "models":  # force the model path on PostgreSQL too
        monkeypatch.setattr(ladder_rows, "lean", lambda ladders, row: False)
    account, invoice = overdue(operator, 10)
    late, _ = overdue(operator, 1)  # not yet on the ladder
    dunning_sweep(TODAY)
    steps = list(DunningEvent.objects.filter(account=account).order_by("id"))
    entered = emitted(events.DUNNING_STEP_ENTERED, account)
    assert len(steps) >= 1 and len(entered) == len(steps)
    assert [e.payload["dunning_event_id"] for e in entered] == [s.pk for s in steps]
    first = entered[0].payload
    assert first["account"] == {"id": account.pk, "number": account.number}
    assert first["step"]["id"] == steps[0].step_id and first["rule_id"] == steps[0].step.rule_id
    assert first["anchor"] == str(invoice.due_date) and first["applied_on"] == str(TODAY)
    [overdue_event] = emitted(events.INVOICE_OVERDUE, account)
    assert overdue_event.payload["invoice_id"] == invoice.pk
    assert overdue_event.payload["outstanding"] == "49.90"
    assert emitted(events.DUNNING_STEP_ENTERED, late) == []
    before = OutboxEvent.objects.count()
    dunning_sweep(TODAY)  # a rerun records nothing and emits nothing
    assert OutboxEvent.objects.count() == before


def test_a_later_step_of_the_same_anchor_is_not_overdue_again(operator):
    account, _invoice = overdue(operator, 3)
    dunning_sweep(TODAY)
    dunning_sweep(TODAY + timedelta(days=5))
    assert len(emitted(events.DUNNING_STEP_ENTERED, account)) == 2
    assert len(emitted(events.INVOICE_OVERDUE, account)) == 1


def test_account_released_by_a_payment_after_a_dunning_step_r_d4(operator):
    account, _invoice = overdue(operator, 3)
    dunning_sweep(TODAY)
    held_by = DunningEvent.objects.get(account=account).step.status_type.backend_status
    services.record_payment(account, "49.90", idempotency_key="p-1", actor=operator)
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    [event] = emitted(events.ACCOUNT_RELEASED, account)
    assert event.payload["from_backend_status"] == held_by
    assert event.payload["rule_id"] == ("R-CH5" if held_by == S.CREDIT_HOLD else "R-D4")
    assert event.payload["balance"] == "0.00" and event.payload["currency"] == account.currency


def test_account_released_by_a_payment_from_credit_hold_r_ch5(account, operator):
    services.set_financial_blocking_threshold(account, "-50", actor=operator)
    services.post_charge(account, "80", description="usage", actor=operator)
    services.record_payment(account, "80", idempotency_key="p-1", actor=operator)
    [event] = emitted(events.ACCOUNT_RELEASED, account)
    assert event.payload["rule_id"] == "R-CH5"
    assert event.payload["from_backend_status"] == S.CREDIT_HOLD


def test_account_released_by_the_credit_hold_sweep_r_ch5(account, operator):
    services.post_charge(account, "10", description="invoice", actor=operator)
    type(account).objects.filter(pk=account.pk).update(financial_blocking_threshold=Decimal("-10"))
    assert credit_hold_sweep()["released"] == 1
    [event] = emitted(events.ACCOUNT_RELEASED, account)
    assert event.payload["rule_id"] == "R-CH5"
    assert credit_hold_sweep()["released"] == 0
    assert len(emitted(events.ACCOUNT_RELEASED, account)) == 1


def test_an_operator_returning_an_account_to_active_is_no_release_event(account, operator):
    account_services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    account_services.change_status(account, "Active", actor=operator, reason="Customer request")
    assert emitted(events.ACCOUNT_RELEASED) == []


def test_invoice_written_off_when_an_invoices_open_item_is_written_off(account, operator):
    day = timezone.localdate()
    invoice = services.issue_invoice(account, amount="60", billing_date=day, actor=operator)
    services.record_payment(account, "20", idempotency_key="p-1", actor=operator)
    charge = services.post_charge(account, "5", description="usage", actor=operator)
    entry = services.write_off(invoice.open_item, actor=operator, reason="Goodwill")
    services.write_off(charge.open_item, actor=operator, reason="Goodwill")  # not an invoice's
    [event] = emitted(events.INVOICE_WRITTEN_OFF, account)
    assert event.payload["invoice_id"] == invoice.pk and event.payload["entry_id"] == entry.pk
    assert event.payload["written_off"] == "40.00" and event.payload["outstanding"] == "0.00"
    assert event.payload["currency"] == account.currency


def sweep_events(monkeypatch, *, in_python: bool) -> list:
    """The step and overdue events one sweep at TODAY writes, on one emission path, undone."""
    savepoint = transaction.savepoint()
    with monkeypatch.context() as patch:
        if in_python:
            patch.setattr(events, "steps_entered", events.steps_entered_in_python)
        dunning_sweep(TODAY)
    rows = OutboxEvent.objects.filter(
        event_type__in=[events.DUNNING_STEP_ENTERED, events.INVOICE_OVERDUE]
    ).values_list("event_type", "subject", "account_id", "payload")
    seen = sorted(
        (kind, subject, account_id, sorted({**p, "dunning_event_id": None}.items(), key=str))
        for kind, subject, account_id, p in rows
    )
    transaction.savepoint_rollback(savepoint)
    return [(k, s, a, dict(p)) for k, s, a, p in seen]


@pytest.mark.postgres
def test_the_set_based_events_equal_the_model_sides(operator, monkeypatch, on_postgres):
    for days in (1, 3, 10, 20):
        overdue(operator, days)
    two, _ = overdue(operator, 10)
    services.issue_invoice(
        two, amount="12.34", billing_date=TODAY - timedelta(days=10), actor=operator
    )
    in_sql = sweep_events(monkeypatch, in_python=False)
    assert len(in_sql) >= 8 and sum(k == events.INVOICE_OVERDUE for k, *_ in in_sql) == 5
    assert in_sql == sweep_events(monkeypatch, in_python=True)
