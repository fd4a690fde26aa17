"""One writer, three ways in: `change_status` one account at a time (the model writer),
`bulk.change_statuses` for a batch (on PostgreSQL one statement, accounts/bulk_sql.py) and
`bulk.change_selected` for a sweep that selects its rows in SQL. On the same randomized states
(start and target types, money against the threshold for R-CH2, actor, rule, reason, notes,
times) they refuse the same accounts (the transition table, R-E3) and write the same account
rows, history rows and outbox events (R-X6)."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from accounts import bulk
from accounts.actors import Actor
from accounts.changes import change_status
from accounts.errors import AccountsError, InvalidTransition
from accounts.models import Account, AccountStatusType
from tests.accounts.factories import AccountFactory
from tests.accounts.written import run_and_undo

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 21, 12, 0, 0, 654321, tzinfo=UTC)
REASONS = ["Non-payment", "Abuse", "Status relabelled", "Customer request", "Payment received"]
RULES = ["", "R-CH1", "R-CH2", "R-X3", "R-G1", "R-E4"]
NOTES = ["", "a note", "quotes ' \" and ü, a % sign", "two\nlines"]
SEEDS = range(12)


def a_time(rng: random.Random) -> datetime | None:
    """None (now), or a moment in the past with or without microseconds (the JSON differs)."""
    if rng.random() < 0.3:
        return None
    moment = NOW - timedelta(seconds=rng.randint(1, 90 * 86400))
    return moment.replace(microsecond=rng.choice([0, rng.randint(1, 999_999)]))


def randomized(rng: random.Random, operator, count: int = 10):
    """Accounts in random types with random money, and a move for each."""
    types = list(AccountStatusType.objects.all())
    moves = []
    for _ in range(count):
        account = AccountFactory(actor=operator)
        Account.objects.filter(pk=account.pk).update(
            status_type=rng.choice(types),
            balance=Decimal(rng.randint(-5000, 5000)) / 100,
            financial_blocking_threshold=Decimal(rng.randint(-2000, 2000)) / 100,
        )
        moves.append((account.pk, rng.choice(types), rng.choice(NOTES), a_time(rng), a_time(rng)))
    kind = rng.choice(["operator", "system", "customer"])
    actor = {
        "operator": Actor.operator(operator),
        "system": Actor.system(rng.choice(RULES)),
        "customer": Actor.customer(operator),
    }[kind]
    return moves, actor, rng.choice(REASONS)


def locked(ids: list[int]) -> dict[int, Account]:
    """The batch as a sweep holds it: locked, current types loaded."""
    rows = Account.objects.filter(pk__in=ids).select_for_update().select_related("status_type")
    return {account.pk: account for account in rows}


def one_by_one(moves, actor, reason) -> set[int]:
    refused = set()
    for pk, to_type, note, effective, requested in moves:
        try:
            change_status(
                Account.objects.get(pk=pk),
                to_type,
                actor=actor,
                reason=reason,
                note=note,
                effective_at=effective,
                requested_at=requested,
            )
        except AccountsError:
            refused.add(pk)
    return refused


def as_a_batch(moves, actor, reason, *, instances: bool) -> set[int]:
    accounts = locked([pk for pk, *_ in moves])
    refused: list = []
    bulk.change_statuses(
        [bulk.Move(accounts[pk], to, note, eff, req) for pk, to, note, eff, req in moves],
        actor=actor,
        reason=reason,
        refused=refused,
        instances=instances,
    )
    return {move.account.pk for move, _error in refused}


@pytest.mark.parametrize("seed", SEEDS)
def test_one_change_and_a_batch_refuse_and_write_the_same_rows(seed, operator):
    rng = random.Random(seed)
    moves, actor, reason = randomized(rng, operator)
    ids = [pk for pk, *_ in moves]
    with time_machine.travel(NOW, tick=False):
        single = run_and_undo(lambda: one_by_one(moves, actor, reason), ids)
        batch = run_and_undo(lambda: as_a_batch(moves, actor, reason, instances=False), ids)
        models = run_and_undo(lambda: as_a_batch(moves, actor, reason, instances=True), ids)
    assert batch == single, f"seed {seed}: {actor}, {reason}"
    assert models == single, f"seed {seed}: {actor}, {reason}"


def test_the_random_states_reach_refusals_type_changes_and_r_ch2(operator):
    """The seeds above are worth something: together they see every kind of outcome."""
    outcomes = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        moves, actor, reason = randomized(rng, operator, count=10)
        ids = [pk for pk, *_ in moves]
        with time_machine.travel(NOW, tick=False):
            refused, seen = run_and_undo(lambda: one_by_one(moves, actor, reason), ids)  # noqa: B023
        outcomes |= {"refused"} if refused else set()
        outcomes |= {"moved"} if len(seen["history"]) > 0 else set()
        outcomes |= {"R-CH2"} if any(row[8] == "R-CH2" for row in seen["history"]) else set()
    assert outcomes == {"refused", "moved", "R-CH2"}


SELECTED = """
SELECT a.id, a.status_type_id AS from_type, n.note
  FROM accounts_account a
  JOIN unnest(%(ids)s::bigint[], %(notes)s::text[]) AS n(id, note) ON n.id = a.id
   FOR UPDATE OF a
"""


@pytest.mark.postgres
@pytest.mark.parametrize("seed", SEEDS)
def test_a_sweeps_selected_rows_are_written_as_one_change_each_would_be(seed, operator):
    """change_selected (billing's R-CH1 statement goes through it) on random start types: what
    the table allows is written as change_status writes it; a refusal writes nothing at all."""
    rng = random.Random(seed)
    start = list(AccountStatusType.objects.filter(name__in=["Active", "Credit hold", "Suspended"]))
    target = AccountStatusType.objects.get(name=rng.choice(["Credit hold", "Suspended until Paid"]))
    actor, reason = Actor.system(rng.choice(["R-CH1", "R-X3"])), "Credit limit reached"
    moves = []
    for _ in range(rng.randint(1, 6)):
        account = AccountFactory(actor=operator)
        Account.objects.filter(pk=account.pk).update(status_type=rng.choice(start))
        moves.append((account.pk, target, rng.choice(NOTES), None, None))
    ids = [pk for pk, *_ in moves]

    def selected():
        try:
            bulk.change_selected(
                SELECTED,
                {"ids": ids, "notes": [note for _pk, _to, note, *_ in moves]},
                to_type=target,
                actor=actor,
                reason=reason,
                now=NOW,
            )
        except InvalidTransition:
            return set(ids)
        return set()

    assert connection.vendor == "postgresql"
    with time_machine.travel(NOW, tick=False):
        refused, single = run_and_undo(lambda: one_by_one(moves, actor, reason), ids)
        refused_by_sql, by_sql = run_and_undo(selected, ids)
    if refused:
        assert refused_by_sql == set(ids)
        assert by_sql["history"] == by_sql["outbox"] == []
    else:
        assert (refused_by_sql, by_sql) == (set(), single)


def test_a_batch_already_in_its_target_type_writes_nothing(operator):
    account = AccountFactory(actor=operator)
    with transaction.atomic():
        accounts = locked([account.pk])
        changes = bulk.change_statuses(
            [bulk.Move(accounts[account.pk], accounts[account.pk].status_type)],
            actor=Actor.operator(operator),
            reason="Status relabelled",
        )
    assert changes == {}
