"""Issue 8: on PostgreSQL the dunning sweep applies the ladder from plain rows
(billing/ladder_rows.py); the model path (billing/ladder.py apply_dunning_batch) is the reference.
On the same accounts both must leave exactly the same statuses, history, outbox events, dunning
events and ladder states (R-X3, R-D1 … R-D3, R-X2, R-CH7)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, OutboxEvent, StatusChange
from billing import ladder, ladder_rows, services
from billing.models import DunningEvent, DunningState
from billing.sweeps import dunning_sweep
from subscriptions.models import Subscription
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account, subscription_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TODAY = timezone.localdate() + timedelta(days=3)  # after any restart recorded today


def overdue(operator, days, *, contact=True, **fields):
    """An account billing in arrears (no R-CH1 from the invoice) whose invoice is `days` old."""
    account = AccountFactory(actor=operator, **fields)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    if contact:
        MembershipFactory(account=account, user=UserFactory(email=f"o{account.pk}@example.com"))
    services.issue_invoice(
        account, amount="49.90", billing_date=TODAY - timedelta(days=days), actor=operator
    )
    return account


@pytest.fixture
def accounts(operator):
    made = {f"{d} days": overdue(operator, d) for d in (1, 2, 5, 7, 10, 14, 20)}
    made["nobody to tell"] = overdue(operator, 10, contact=False)
    held = made["on credit hold"] = overdue(operator, 10)
    services.set_financial_blocking_threshold(held, "100", actor=operator)  # R-CH3
    abuse = made["suspended for abuse"] = overdue(operator, 10)
    account_services.change_status(abuse, "Suspended", actor=operator, reason="Abuse")
    exempt = made["exempt"] = overdue(operator, 20)
    account_services.set_dunning_exemption(exempt, exempt=True, actor=operator)
    back = made["back to Active today"] = overdue(operator, 20)
    account_services.change_status(back, "Suspended", actor=operator, reason="Abuse")
    account_services.change_status(back, "Active", actor=operator, reason="Customer request")
    stepped = made["already on step 1"] = overdue(operator, 10)
    dunning_sweep(TODAY - timedelta(days=5))
    assert stepped.__class__.objects.get(pk=stepped.pk).status_type.name == "Suspended until Paid"
    with_subs = made["with subscriptions"] = funded_account(operator, "100.00")
    services.set_financial_blocking_threshold(with_subs, "-500", actor=operator)
    for shape in PLAN_SHAPES.values():
        subscription_in("active", PlanFactory(**shape), with_subs, operator)
    services.issue_invoice(
        with_subs, amount="500.00", billing_date=TODAY - timedelta(days=3), actor=operator
    )
    return made


def snapshot(accounts) -> dict:
    ids = [a.pk for a in accounts.values()]
    return {
        "accounts": list(
            Account.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "status_type_id", "status_reason_id", "status_changed_at")
        ),
        "history": list(
            StatusChange.objects.filter(account_id__in=ids)
            .order_by("account_id", "effective_at", "rule_id")
            .values_list(
                "account_id",
                "from_type_id",
                "to_type_id",
                "rule_id",
                "actor_kind",
                "reason_id",
                "effective_at",
                "note",
            )
        ),
        "outbox": sorted(
            repr(
                (
                    e.event_type,
                    e.subject,
                    {k: v for k, v in e.payload.items() if "_id" not in k and k != "requested_at"},
                )
            )
            for e in OutboxEvent.objects.filter(account_id__in=ids)
        ),
        "events": list(
            DunningEvent.objects.filter(account_id__in=ids)
            .order_by("account_id", "step__position")
            .values_list("account_id", "step_id", "anchor", "due_on", "applied_on", "notice_sent")
        ),
        "states": list(
            DunningState.objects.filter(account_id__in=ids)
            .order_by("account_id")
            .values_list("account_id", "step_id", "anchor_due_date", "restart_on")
        ),
        "subscriptions": list(
            Subscription.objects.filter(account_id__in=ids)
            .order_by("pk")
            .values_list("pk", "status", "status_before_hold")
        ),
    }


def sweep_and_undo(accounts, monkeypatch, *, model_path: bool):
    """Run the sweep at TODAY on one path, read everything back, then undo it."""
    on_model_path = []
    original = ladder.apply_dunning_batch

    def spy(batch, *args, **kwargs):
        on_model_path.extend(batch)
        return original(batch, *args, **kwargs)

    savepoint = transaction.savepoint()
    with monkeypatch.context() as patch:
        patch.setattr(ladder, "apply_dunning_batch", spy)
        if model_path:
            patch.setattr(ladder_rows, "lean", lambda ladders, row: False)
        counts = dunning_sweep(TODAY)
        seen = snapshot(accounts)
    transaction.savepoint_rollback(savepoint)
    return counts, seen, len(on_model_path)


def test_the_row_path_and_the_model_path_leave_the_same_books(accounts, monkeypatch):
    rows_counts, rows_seen, rows_on_model = sweep_and_undo(accounts, monkeypatch, model_path=False)
    model_counts, model_seen, model_on_model = sweep_and_undo(
        accounts, monkeypatch, model_path=True
    )
    assert rows_on_model == 0 and model_on_model > 0  # each run really took its path
    assert rows_counts == model_counts
    assert rows_counts["accounts_moved"] >= 8
    for part in model_seen:
        assert rows_seen[part] == model_seen[part], part


def test_the_row_path_moves_each_account_to_the_step_its_dates_call_for(accounts):
    dunning_sweep(TODAY)
    names = {label: Account.objects.get(pk=a.pk).status_type.name for label, a in accounts.items()}
    assert names["1 days"] == "Active"
    assert names["2 days"] == names["5 days"] == "Suspended until Paid"  # R-D1
    assert names["7 days"] == names["10 days"] == "Closed until Paid"  # R-D2
    assert names["14 days"] == names["20 days"] == "Terminated"  # R-D3
    assert names["exempt"] == "Active"  # R-X2
    assert names["back to Active today"] == "Suspended until Paid"  # counted from the restart
    assert names["suspended for abuse"] == "Closed until Paid"
    assert names["already on step 1"] == "Closed until Paid"
    quiet = accounts["nobody to tell"]
    assert not DunningEvent.objects.filter(account=quiet, notice_sent=False).exists()
    loud = accounts["10 days"]
    assert DunningEvent.objects.filter(account=loud, notice_sent=False).count() == 2
