"""R-CH1 has one home, billing/credit.py (should_hold, hold_rule_note), decided for an account by
decisions.decide. The sweep's SQL form (billing/sql_sweeps.py SHOULD_HOLD, HOLD_NOTE) and its
model path (billing/sweeps.py) are held to it: on any facts, and on randomized accounts, where
the two paths must hold the same accounts and write the same rows."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account, AccountStatusType, StatusReason
from billing import decisions, sql_sweeps
from billing.credit import CreditFacts, credit_facts_of, should_hold
from billing.models import DunningPolicy, DunningState, DunningStep, Invoice
from billing.sql_sweeps import SHOULD_HOLD
from billing.sweeps import credit_hold_sweep
from tests.accounts.factories import AccountFactory
from tests.accounts.written import run_and_undo

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
money = st.integers(min_value=-100_000, max_value=100_000).map(lambda c: Decimal(c) / 100)
SQL = (
    f"SELECT {SHOULD_HOLD} FROM (SELECT %(balance)s::numeric AS balance, "  # noqa: S608
    "%(threshold)s::numeric AS financial_blocking_threshold, "
    "%(negative_since)s::timestamptz AS negative_since, "
    "%(days)s::integer AS allowed_negative_days) AS a"
)


@pytest.mark.postgres
@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    balance=money,
    threshold=money,
    days=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    negative_for=st.one_of(st.none(), st.integers(min_value=0, max_value=90 * 24 * 3600)),
)
def test_r_ch1_sql_and_python_agree_on_any_facts(balance, threshold, days, negative_for):
    negative_since = None if negative_for is None else NOW - timedelta(seconds=negative_for)
    facts = CreditFacts(balance, threshold, negative_since, days, NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            {
                "balance": balance,
                "threshold": threshold,
                "days": days,
                "negative_since": negative_since,
                "now": NOW,
            },
        )
        (sql_says,) = cursor.fetchone()
    assert sql_says == should_hold(facts)


# --- The whole sweep on randomized accounts: the rule (credit.py through decisions.decide), the
# sweep's model path (sweeps._credit_batch, every candidate in Python) and its SQL path
# (sql_sweeps.hold, the common case in one statement) hold the same accounts and write the same
# rows. The states are written straight into the rows: random money and statuses, not a story.

SEEDS = range(10)
TYPES = [
    "Active",
    "Credit hold",
    "Suspended until Paid",
    "Suspended",
    "Closed until Paid",
    "Administrative hold",
    "Cancelled",
]


def random_accounts(rng: random.Random, operator, now: datetime, count: int = 20) -> list[int]:
    """Accounts with random balance, threshold, negative time, P, status, reason, exemption,
    dunning policy and ladder step, some with an unpaid invoice."""
    types = {t.name: t for t in AccountStatusType.objects.all()}
    reasons = {r.name: r for r in StatusReason.objects.all()}
    policies = [None, *DunningPolicy.objects.all()]
    steps = list(DunningStep.objects.all())
    ids = []
    for n in range(count):
        account = AccountFactory(actor=operator)
        type_ = types["Active" if rng.random() < 0.5 else rng.choice(TYPES)]
        reason = rng.choice([r for r in reasons.values() if r.fits(type_.backend_status)])
        negative_for = rng.choice([None, 0, rng.randint(1, 90 * 86400)])
        Account.objects.filter(pk=account.pk).update(
            status_type=type_,
            status_reason=reason,
            balance=Decimal(rng.randint(-100_000, 100_000)) / 100,
            financial_blocking_threshold=Decimal(rng.randint(-50_000, 50_000)) / 100,
            negative_since=None if negative_for is None else now - timedelta(seconds=negative_for),
            allowed_negative_days=rng.choice([None, 0, rng.randint(1, 60)]),
            dunning_exempt=rng.random() < 0.2,
            dunning_exempt_until=rng.choice([None, now.date() + timedelta(days=3)]),
            dunning_policy=rng.choice(policies),
        )
        if rng.random() < 0.4:
            DunningState.objects.create(account=account, step=rng.choice([None, *steps]))
        if rng.random() < 0.3:
            Invoice.objects.create(
                account=account,
                number=f"T{account.pk}-{n}",
                amount=Decimal("10.00"),
                outstanding=Decimal("10.00"),
                currency=account.currency,
                description="random",
                billing_date=now.date(),
                due_date=now.date(),
            )
        ids.append(account.pk)
    return ids


def rule_says(ids: list[int], now: datetime) -> dict[int, tuple]:
    """What the pure rule decides for each account: (rule id, target type id, reason, note)."""
    accounts = list(Account.objects.filter(pk__in=ids).select_related("status_type"))
    contexts = decisions.contexts(accounts)
    said = {}
    for account in accounts:
        decision = decisions.decide(
            account.status_type.backend_status, credit_facts_of(account, now), contexts[account.pk]
        )
        if decision is not None:
            target = decisions.target_type(decision)
            said[account.pk] = (decision.rule_id, target.pk, decision.reason, decision.note)
    return said


def sweep(ids: list[int], now: datetime, monkeypatch, *, model_path: bool) -> dict:
    """Run the credit sweep on one path; return what it wrote (then undone)."""

    def run():
        with monkeypatch.context() as patch:
            if model_path:  # no row for the statement: every candidate goes to Python
                patch.setattr(sql_sweeps, "hold", lambda ids, now, policies: [])
            counts = credit_hold_sweep(now=now)
        states = DunningState.objects.filter(account_id__in=ids).order_by("account_id")
        return counts, list(states.values_list("account_id", "step_id"))

    (counts, states), seen = run_and_undo(run, ids)
    return {"counts": counts, "states": states, **seen}


def decided(seen: dict) -> dict[int, tuple]:
    """The sweep's history rows, as rule_says words them."""
    reasons = dict(StatusReason.objects.values_list("pk", "name"))
    return {row[0]: (row[8], row[2], reasons[row[5]], row[11]) for row in seen["history"]}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_r_ch1_the_sweeps_model_path_does_what_the_rule_decides_on_random_accounts(
    seed, operator, monkeypatch
):
    rng = random.Random(seed)
    now = NOW + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
    ids = random_accounts(rng, operator, now)
    with time_machine.travel(now, tick=False):
        expected = rule_says(ids, now)
        seen = sweep(ids, now, monkeypatch, model_path=True)
    assert decided(seen) == expected, f"seed {seed}"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_r_ch1_the_sql_path_holds_and_writes_what_the_model_path_does(seed, operator, monkeypatch):
    rng = random.Random(seed)
    now = NOW + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
    ids = random_accounts(rng, operator, now)
    with time_machine.travel(now, tick=False):
        expected = rule_says(ids, now)
        by_sql = sweep(ids, now, monkeypatch, model_path=False)
        by_models = sweep(ids, now, monkeypatch, model_path=True)
    assert by_sql == by_models, f"seed {seed}"
    assert decided(by_sql) == expected, f"seed {seed}"


@pytest.mark.django_db
def test_r_ch1_the_random_accounts_reach_holds_locks_and_releases(operator):
    """The seeds are worth something: together they see every decision the sweep can make."""
    kinds = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        now = NOW + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        savepoint = transaction.savepoint()
        ids = random_accounts(rng, operator, now)
        kinds |= {note.split(":")[0] for *_, note in rule_says(ids, now).values()}
        kinds |= {rule for rule, *_ in rule_says(ids, now).values()}
        transaction.savepoint_rollback(savepoint)
    assert {"R-CH1 (a)", "R-CH1 (b)", "R-G1", "R-CH5", "R-D4"} <= kinds
