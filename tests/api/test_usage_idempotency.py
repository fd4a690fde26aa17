"""Issue 15 item 7, the usage side: the same idempotency key records usage once and says so
truthfully under concurrency (decided under the account's lock), the same key for another amount
or account is a 409 with the domain's message, and an over-long key is a 400 with a message."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models import Account
from billing.models import EntryKind, LedgerEntry
from subscriptions.api.views import MAX_IDEMPOTENCY_KEY
from tests.subscriptions.factories import funded_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(operator):
    return issue_service_api_key("fax-server-1", actor=Actor.operator(operator))[1]


def post(client, number, body, key):
    return client.post(
        reverse("api:usage", args=[number]),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def usage_count(account) -> int:
    return LedgerEntry.objects.filter(account=account, kind=EntryKind.USAGE).count()


def test_the_same_key_for_another_amount_is_409_with_the_domain_message(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    assert post(client, account.number, {"amount": "1.00", "idempotency_key": "k1"}, api_key)
    response = post(client, account.number, {"amount": "2.00", "idempotency_key": "k1"}, api_key)
    assert response.status_code == 409
    assert "was already used for another posting" in response.json()["error"]
    assert usage_count(account) == 1


def test_the_same_key_for_another_account_is_409(client, operator, api_key):
    first = funded_account(operator, balance="10.00")
    other = funded_account(operator, balance="10.00")
    body = {"amount": "1.00", "idempotency_key": "k2"}
    assert post(client, first.number, body, api_key).status_code == 201
    response = post(client, other.number, body, api_key)
    assert response.status_code == 409 and first.number in response.json()["error"]
    assert usage_count(other) == 0


def test_an_over_long_key_is_400_with_a_message_and_nothing_is_written(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    body = {"amount": "1.00", "idempotency_key": "k" * (MAX_IDEMPOTENCY_KEY + 1)}
    response = post(client, account.number, body, api_key)
    assert response.status_code == 400
    assert f"at most {MAX_IDEMPOTENCY_KEY} characters" in response.json()["error"]
    assert usage_count(account) == 0


def test_the_longest_key_is_kept_whole(client, operator, api_key):
    account = funded_account(operator, balance="10.00")
    idem = "k" * MAX_IDEMPOTENCY_KEY
    assert post(client, account.number, {"amount": "1", "idempotency_key": idem}, api_key)
    entry = LedgerEntry.objects.get(account=account, kind=EntryKind.USAGE)
    assert entry.idempotency_key.endswith(":" + idem)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_record_once_and_only_one_says_new(
    operator, api_key, on_postgres
):
    """Both requests are let go while the account is locked, so both pass every check that
    comes before the lock; only the one that records first may answer 201 duplicate: false."""
    account = funded_account(operator, balance="10.00")
    body = {"amount": "1.00", "idempotency_key": "call-7"}
    answers: list = []
    errors: list = []

    def send():
        try:
            answers.append(post(Client(), account.number, body, api_key))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)  # hold the lock they wait on
        for thread in threads:
            thread.start()
        _wait_until_both_wait_for_the_lock()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    got = sorted((r.status_code, r.json()["duplicate"]) for r in answers)
    assert got == [(200, True), (201, False)]
    assert len({r.json()["entry"] for r in answers}) == 1
    assert usage_count(account) == 1


def _wait_until_both_wait_for_the_lock(timeout: float = 10.0) -> None:
    """Poll pg_stat_activity until two other sessions wait on a lock (both are past the checks)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot taken once: drop it each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0] >= 2:
                return
            time.sleep(0.05)
    pytest.fail("the two requests never waited for the account's lock")
