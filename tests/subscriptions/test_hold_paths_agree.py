"""R-CH7 has two paths that must write the same rows: the model path (hooks.hold_each, which the
SQLite run takes) and the sweep's one statement (sql_effects.hold, which PostgreSQL takes). Both
read transitions.HOLD_ACTION and next_state; this test runs each on the same randomized states
and compares every subscription, history row and outbox event they leave."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.actors import Actor
from accounts.models import OutboxEvent
from subscriptions import hooks, sql_effects
from subscriptions.models import Subscription, SubscriptionChange
from tests.accounts.factories import AccountFactory
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Every status, with Active and Graced (the ones R-CH7 moves) drawn more often.
STATUSES = [s.value for s in Subscription.Status] + ["active", "graced"] * 4
REMEMBERED = ["", "active", "graced"]
START, END = date(2026, 1, 10), date(2026, 2, 10)


def subscribe(account, plan, status, remembered="") -> Subscription:
    return Subscription.objects.create(
        account=account,
        plan=plan,
        status=status,
        status_before_hold=remembered,
        price=plan.price,
        period_start=START,
        period_end=END,
        next_billing_date=END,
    )


def random_states(rng: random.Random, operator) -> tuple[list[int], list[int]]:
    """Accounts with subscriptions in any status, plan shape and service terms; some accounts
    are held (each path moves at least one subscription per service terms), the others must
    stay as they are."""
    plans = [
        PlanFactory(on_credit_hold=terms, price=Decimal("10.00"), **PLAN_SHAPES[shape])
        for shape in PLAN_SHAPES
        for terms in ("stop", "manual_approve")
    ]
    accounts = [AccountFactory(actor=Actor.operator(operator)) for _ in range(rng.randint(2, 4))]
    for account in accounts:
        for _ in range(rng.randint(0, 10)):
            subscribe(account, rng.choice(plans), rng.choice(STATUSES), rng.choice(REMEMBERED))
    held = rng.sample(accounts, rng.randint(1, len(accounts)))
    for plan in plans[:2]:  # prepaid pay-as-you-go, both service terms
        subscribe(held[0], plan, rng.choice(["active", "graced"]))
    return [a.pk for a in accounts], sorted(a.pk for a in held)


def rows_written(account_ids, since_change, since_event) -> dict:
    """Everything R-CH7 may touch, without the ids and clocks that differ between two runs."""
    changes = {
        c.pk: (c.subscription_id, c.action, c.from_status, c.to_status, c.actor_kind,
               c.actor_user_id, c.rule_id, c.note)
        for c in SubscriptionChange.objects.filter(pk__gt=since_change)
    }  # fmt: skip
    events = []
    for event in OutboxEvent.objects.filter(
        pk__gt=since_event, event_type="subscription.status_changed"
    ):
        payload = dict(event.payload)
        payload["subscription_change"] = changes[payload.pop("subscription_change_id")]
        events.append((event.subject, event.account_id, json.dumps(payload, sort_keys=True)))
    return {
        "subscriptions": sorted(
            Subscription.objects.filter(account_id__in=account_ids).values_list(
                "pk", "status", "status_before_hold"
            )
        ),
        "history": sorted(changes.values()),
        "events": sorted(events),
    }


def last_ids() -> tuple[int, int]:
    change = SubscriptionChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    event = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return change or 0, event or 0


@pytest.mark.parametrize("seed", range(12))
def test_r_ch7_the_model_path_and_the_sql_statement_write_the_same_rows(seed, operator):
    ids, held = random_states(random.Random(seed), operator)
    since = last_ids()

    savepoint = transaction.savepoint()
    moved_by_model = hooks.hold_each(held)
    by_model = rows_written(ids, *since)
    transaction.savepoint_rollback(savepoint)
    assert rows_written(ids, *since)["history"] == []  # the model path's rows are gone

    moved_by_sql = sql_effects.hold(held)
    by_sql = rows_written(ids, *since)

    assert moved_by_model == moved_by_sql
    assert by_model == by_sql
    assert len(by_sql["history"]) == len(by_sql["events"]) == moved_by_sql >= 2
