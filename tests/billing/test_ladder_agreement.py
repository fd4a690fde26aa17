"""Issue 16 (6): the row path (billing/ladder_rows.py) and the model path (billing/ladder.py) agree
on every new condition and effect. Seeded random accounts — thresholds, unpaid and partly paid
invoices of different ages, exemptions, subscriptions with resources — on a ladder that uses each
R-D5 condition and R-D6 effect, and on the Standard ladder (R-D1's credit-limit step included);
both paths must leave the same statuses, history, outbox, dunning events, ladder states, ledger
(fees, prorated credits), subscriptions and resources."""

import random
from datetime import timedelta
from decimal import Decimal as D

import pytest

from accounts import services as account_services
from accounts.models import AccountStatusType
from billing import services
from billing.models import DunningPolicy, DunningStep, LedgerEntry
from subscriptions import services as subscriptions
from subscriptions.models import Resource, Subscription
from tests.accounts.factories import AccountFactory
from tests.billing.test_ladder_rows import TODAY, snapshot, sweep_and_undo
from tests.subscriptions.factories import PlanFactory, ResourceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEEDS = [16, 1016]


def mixed_ladder() -> DunningPolicy:
    """Every new condition and effect on one ladder (R-D5, R-D6)."""
    policy = DunningPolicy.objects.create(name="Mixed ladder", default_threshold=D("0"))
    types = dict(AccountStatusType.objects.values_list("name", "pk"))
    rows = [
        {"condition": "below_threshold", "status": "Suspended until Paid"},
        {"min_overdue_items": 2, "days": 1, "fee_percent": D("1.5"), "fee_cap": D("25")},
        {
            "min_overdue_amount": D("300"),
            "days": 3,
            "fee": D("5.00"),
            "status": "Closed until Paid",
        },
        {"condition": "credit_exhausted", "min_overdue_items": 3, "days": 2},
        {"condition": "days_past_due", "days": 12, "subscription_effect": "cancel_period_end"},
        {"condition": "days_past_due", "days": 25, "status": "Terminated"},
    ]
    for position, fields in enumerate(rows, start=1):
        status = fields.pop(
            "status", "Suspended until Paid" if position < 3 else "Closed until Paid"
        )
        fields.setdefault("subscription_effect", "cancel_now" if status == "Terminated" else "none")
        DunningStep.objects.create(
            policy=policy, position=position, status_type_id=types[status], **fields
        )
    return policy


def random_accounts(operator, seed: int, count: int = 36) -> dict:
    rng = random.Random(seed)
    policy = mixed_ladder()
    ResourceFactory.create_batch(count)
    plan = PlanFactory(resource_kind="fax number", resources_included=1)
    made = {}
    for n in range(count):
        account = AccountFactory(actor=operator, dunning_policy=rng.choice([policy, None]))
        services.record_payment(account, "300.00", idempotency_key=f"seed-{n}", actor=operator)
        if rng.random() < 0.5:
            subscriptions.order(account, plan, actor=operator, today=TODAY - timedelta(days=20))
        threshold = rng.choice(["-5000", "-5000", "-200", "0", "50"])
        services.set_financial_blocking_threshold(account, threshold, actor=operator)
        for i in range(rng.randint(0, 5)):
            services.issue_invoice(
                account,
                amount=rng.choice(["49.90", "120.00", "249.95", "333.33"]),
                billing_date=TODAY - timedelta(days=rng.randint(0, rng.choice([20, 40]))),
                actor=operator,
                description=f"Invoice {i}",
            )
        if rng.random() < 0.3:
            services.record_payment(
                account, rng.choice(["30.00", "200.00"]), idempotency_key=f"p-{n}", actor=operator
            )
        if rng.random() < 0.1:
            account_services.set_dunning_exemption(account, exempt=True, actor=operator)
        made[f"account {n}"] = account
    # and one that surely stands on the cancel-at-period-end step (R-D6, END_OF_TERM)
    late = AccountFactory(actor=operator, dunning_policy=policy)
    services.record_payment(late, "300.00", idempotency_key="late", actor=operator)
    subscriptions.order(late, plan, actor=operator, today=TODAY - timedelta(days=20))
    services.set_financial_blocking_threshold(late, "-5000", actor=operator)
    services.issue_invoice(
        late, amount="49.90", billing_date=TODAY - timedelta(days=15), actor=operator
    )
    made["12 to 25 days late"] = late
    return made


def full_snapshot(accounts) -> dict:
    ids = [a.pk for a in accounts.values()]
    seen = snapshot(accounts)
    seen["ledger"] = list(
        LedgerEntry.objects.filter(account_id__in=ids)
        .order_by("account_id", "id")
        .values_list("account_id", "kind", "amount", "balance_after", "description")
    )
    seen["cancellations"] = list(
        Subscription.objects.filter(account_id__in=ids)
        .order_by("pk")
        .values_list("pk", "status", "cancel_on", "cancel_option")
    )
    seen["resources"] = list(
        Resource.objects.order_by("pk").values_list("pk", "status", "subscription_id")
    )
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_r_d5_r_d6_both_ladder_paths_leave_the_same_books_on_random_accounts(
    operator, monkeypatch, seed
):
    accounts = random_accounts(operator, seed)
    monkeypatch.setattr("tests.billing.test_ladder_rows.snapshot", full_snapshot)
    rows_counts, rows_seen, rows_on_model = sweep_and_undo(accounts, monkeypatch, model_path=False)
    model_counts, model_seen, model_on_model = sweep_and_undo(
        accounts, monkeypatch, model_path=True
    )
    assert rows_on_model == 0 and model_on_model > 0  # each run really took its path
    assert rows_counts == model_counts
    for part in model_seen:
        assert rows_seen[part] == model_seen[part], part
    # The random states reach the new conditions and effects (the test can fail).
    stepped = {step for _a, step, *_rest in model_seen["events"]}
    assert len(stepped) >= 5
    kinds = [kind for _a, kind, *_rest in model_seen["ledger"]]
    assert "fee" in kinds
    options = {option for _pk, _s, _on, option in model_seen["cancellations"]}
    assert {"period_end", "specific_date_prorated_refund"} <= options  # scheduled (R-D6)
