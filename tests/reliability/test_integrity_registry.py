"""verify_ledger's checks come from one registry in accounts that every app fills from its
AppConfig.ready() (issue 13, STYLE "Which app may know which"): the command runs whatever a higher
app registers, in the order of the registered keys (R-B1, R-C1, R-X6, R-X3, R-CH7, R-CH9)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts import integrity
from accounts.integrity import VIOLATION, Finding
from billing import integrity as billing_checks
from subscriptions import integrity as subscription_checks
from tests.accounts.factories import AccountFactory


def verify_ledger(*args) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("verify_ledger", "--json", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


@pytest.fixture
def throwaway():
    """Register checks for one test only, the way an app's ready() would."""
    registered = []

    def register(check, **keys):
        registered.append(check)
        return integrity.register_check(check, **keys)

    yield register
    for check in registered:
        integrity.unregister_check(check)


def test_each_app_registers_its_checks_and_the_order_keys_keep_todays_order():
    assert integrity.registered_checks(per_chunk=True) == [
        billing_checks.balances,  # R-B1 first: the balance every other check reasons from
        billing_checks.ledger_entries,
        billing_checks.invoices,
        billing_checks.open_items,  # R-B3
        integrity.history,  # accounts' own R-C1 and R-X6 sit between billing's checks
        integrity.outbox,
        billing_checks.status_rules,
    ]
    assert integrity.registered_checks(per_chunk=False) == [
        billing_checks.dunning_states,
        subscription_checks.credit_hold_stopped_prepaid_pay_as_you_go,
        subscription_checks.held_subscriptions_remember_their_status,
    ]


def test_the_order_key_not_the_registration_decides_and_ties_keep_registration_order(throwaway):
    def late(report):
        pass

    def early(report):
        pass

    def tied(report):
        pass

    throwaway(late, order=150)
    throwaway(early, order=99)
    throwaway(tied, order=150)
    throwaway(early, order=300)  # registering a function again changes nothing

    once = integrity.registered_checks(per_chunk=False)
    assert once.index(early) < once.index(
        subscription_checks.held_subscriptions_remember_their_status
    )
    assert once.index(billing_checks.dunning_states) == once.index(early) + 1
    assert once.index(late) + 1 == once.index(tied)
    assert once.index(tied) < once.index(
        subscription_checks.credit_hold_stopped_prepaid_pay_as_you_go
    )


@pytest.mark.django_db
def test_verify_ledger_runs_a_check_a_higher_app_registers_and_fails_on_its_violation(
    operator, throwaway
):
    accounts = [AccountFactory(actor=operator) for _ in range(3)]
    chunks = []

    def per_chunk(report, chunk):
        chunks.append(list(chunk.ids))

    def once(report):
        report.add(Finding("higher-app", "R-TEST", VIOLATION, "the books", "registered late"))

    throwaway(per_chunk, order=70, per_chunk=True)
    throwaway(once, order=220)

    code, report = verify_ledger("--chunk-size", "2")

    assert code == 1 and report["violations"] == 1
    assert report["findings"][-1]["check"] == "higher-app"
    assert chunks == [[a.pk for a in accounts[:2]], [accounts[2].pk]]  # every account, 2 a chunk
    assert "subscriptions" in report["checked"]  # subscriptions' own checks ran from its ready()


@pytest.mark.django_db
def test_an_unregistered_check_no_longer_runs(operator, throwaway):
    AccountFactory(actor=operator)

    def once(report):
        report.add(Finding("higher-app", "R-TEST", VIOLATION, "the books", "registered late"))

    throwaway(once, order=220)
    integrity.unregister_check(once)

    code, report = verify_ledger()

    assert (code, report["violations"]) == (0, 0), report["findings"]
