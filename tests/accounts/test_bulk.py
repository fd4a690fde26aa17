"""The sweeps' set-based writes say exactly what the one-account path says (R-X6 payloads, the
R-CH1 note, the history row), and refuse what the transition table refuses."""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts import bulk, events
from accounts.actors import Actor
from accounts.errors import InvalidTransition
from accounts.models import Account, OutboxEvent, StatusChange
from accounts.services import default_status_type
from billing import services as billing
from billing.credit import hold_rule_note
from billing.sweeps import credit_hold_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def python_payload(change: StatusChange) -> dict:
    """What events.record_status_changes writes for this row, as stored (JSON round trip)."""
    payload = events._status_change_event(change)[2]
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def stored_payload(change: StatusChange) -> dict:
    return OutboxEvent.objects.get(payload__status_change_id=change.pk).payload


@pytest.mark.parametrize("microsecond", [0, 123456])
def test_r_x6_a_bulk_change_writes_the_same_outbox_payload_as_change_status(microsecond, operator):
    account = AccountFactory(actor=operator)
    account.refresh_from_db()
    when = timezone.now().replace(microsecond=microsecond) - timedelta(days=1)
    changes = bulk.change_statuses(
        [bulk.Move(account, default_status_type("suspended"), "bulk note", when, when)],
        actor=Actor.operator(operator),
        reason="Abuse",
    )
    change = StatusChange.objects.get(pk=changes[account.pk].pk)
    assert change.note == "bulk note"
    assert change.actor_user == operator
    assert stored_payload(change) == python_payload(change)


def test_r_ch1_the_sweep_statement_writes_the_rule_note_and_payload_of_the_python_path(operator):
    account = AccountFactory(actor=operator, allowed_negative_days=2)
    billing.set_financial_blocking_threshold(account, "-100", actor=operator)
    billing.post_charge(account, "12.34", description="x", actor=operator)
    now = timezone.now() + timedelta(days=3)
    assert credit_hold_sweep(now=now)["held"] == 1
    change = StatusChange.objects.filter(account=account).first()
    account.refresh_from_db()
    assert change.rule_id == "R-CH1"
    assert change.note == hold_rule_note(billing.credit_facts(account, now))
    assert stored_payload(change) == python_payload(change)


def test_a_bulk_change_the_table_refuses_raises_and_writes_nothing(operator):
    account = AccountFactory(actor=operator)
    account.refresh_from_db()
    rows = StatusChange.objects.count()
    with pytest.raises(InvalidTransition, match="by hand"):
        bulk.change_statuses(
            [bulk.Move(account, default_status_type("credit_hold"))],
            actor=Actor.operator(operator),
            reason="Non-payment",
        )
    assert StatusChange.objects.count() == rows
    assert Account.objects.get(pk=account.pk).backend_status == "active"


def test_refusals_can_be_collected_while_the_rest_goes_on(operator):
    good, bad = AccountFactory(actor=operator), AccountFactory(actor=operator)
    good.refresh_from_db()
    bad.refresh_from_db()
    refused = []
    changes = bulk.change_statuses(
        [
            bulk.Move(good, default_status_type("suspended")),
            bulk.Move(bad, default_status_type("credit_hold")),
        ],
        actor=Actor.operator(operator),
        reason="Non-payment",
        refused=refused,
    )
    assert list(changes) == [good.pk]
    assert [move.account.pk for move, _ in refused] == [bad.pk]
