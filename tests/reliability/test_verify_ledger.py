"""`manage.py verify_ledger` (R-B1, R-C1, R-X6, R-CH1): zero violations on the demo data after a
raced busy day, and each kind of damage found, reported by rule and exit code 1."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from accounts.models import Account, OutboxEvent, StatusChange
from billing.models import DunningPolicy, DunningState, DunningStep, Invoice

from .workload import busy_day

pytestmark = pytest.mark.django_db


def verify_ledger(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())
    return Account.objects.order_by("pk")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_after_a_raced_busy_day_has_no_violation(operator, on_postgres):
    call_command("seed_demo", stdout=StringIO())
    # Nothing posts to a Deleted account (issue 15): the day's work goes to the others.
    in_use = Account.objects.exclude(status_type__backend_status="deleted").order_by("pk")
    outcome = busy_day(list(in_use), operator, rounds=16)
    assert outcome.leaked == [], outcome.describe_leaks()
    code, out = verify_ledger("--json")
    report = json.loads(out)
    assert (code, report["violations"]) == (0, 0), [f["message"] for f in report["findings"]]
    assert report["checked"]["accounts"] >= 10 and report["checked"]["ledger_entries"] > 100


def test_a_clean_demo_passes_with_a_readable_summary(demo):
    code, out = verify_ledger()
    assert code == 0
    assert "0 violation(s)" in out and "Checked" in out


def damage_balance(account):
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + 1)


def damage_history(account):
    StatusChange.objects.filter(account=account).order_by("-id").first().delete()


def damage_invoice(account):
    Invoice.objects.filter(account=account).update(outstanding=F("amount") + 1)


def damage_outbox(account):
    OutboxEvent.objects.filter(account=account).delete()


def damage_dunning_state(account):
    other = DunningPolicy.objects.exclude(is_default=True).first()
    DunningState.objects.update_or_create(
        account=account, defaults={"step": DunningStep.objects.filter(policy=other).first()}
    )


def damage_status(account):
    Account.objects.filter(pk=account.pk).update(financial_blocking_threshold=F("balance") + 1)


@pytest.mark.parametrize(
    ("damage", "rule", "check"),
    [
        (damage_balance, "R-B1", "balance"),
        (damage_history, "R-C1", "history"),
        (damage_invoice, "R-B1", "invoices"),
        (damage_outbox, "R-X6", "outbox"),
        (damage_dunning_state, "R-X3", "orphans"),
        (damage_status, "R-CH1", "status"),
    ],
)
def test_each_kind_of_damage_is_reported_with_its_rule_and_exit_code_1(demo, damage, rule, check):
    account = next(
        a
        for a in demo
        if a.backend_status == "active" and Invoice.objects.filter(account=a).exists()
    )
    damage(account)
    code, out = verify_ledger("--json", "--chunk-size", "3")
    report = json.loads(out)
    assert code == 1
    assert any(
        f["rule_id"] == rule and f["check"] == check and account.number in f["subject"]
        for f in report["findings"]
    ), report["findings"]
