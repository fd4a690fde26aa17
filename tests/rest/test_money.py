"""Issue 19: billing's resources — payments with an Idempotency-Key (same key and body → the
first answer, same key with another body → 409, two concurrent posts → one payment), charges,
adjustments, refunds, reversals, invoices, open items (R-B3) and the dunning state (R-X4, R-CH4b).
Every write goes through billing.services, so the ledger sum equals the cached balance."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import EntryKind, LedgerEntry
from tests.subscriptions.factories import put_on_credit_hold

from .conftest import client_with

pytestmark = pytest.mark.django_db


def url(account, tail=""):
    return f"/api/v1/accounts/{account.number}/{tail}"


def pay(client, account, body, key="pay-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url(account, "payments/"), body, format="json", **headers)


def payments(account) -> int:
    return LedgerEntry.objects.filter(account=account, kind=EntryKind.PAYMENT).count()


def ledger_agrees(account) -> bool:
    account.refresh_from_db()
    return billing.ledger_sum(account) == account.balance


def test_a_payment_is_recorded_and_the_same_key_and_body_get_the_first_answer(api, account):
    before = payments(account)
    first = pay(api, account, {"amount": "25.00"})
    assert first.status_code == 201
    assert first.json()["kind"] == "payment" and first.json()["balance_after"] == "125.00"
    again = pay(api, account, {"amount": "25.00"})
    assert (again.status_code, again.json()) == (201, first.json())
    assert payments(account) == before + 1 and ledger_agrees(account)


@pytest.mark.parametrize(
    "other_body", [{"amount": "26.00"}, {"amount": "25.00", "description": "Another"}]
)
def test_the_same_key_with_another_body_is_409_and_records_nothing(api, account, other_body):
    assert pay(api, account, {"amount": "25.00"}).status_code == 201
    before = payments(account)
    response = pay(api, account, other_body)
    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert "pay-1" in response.json()["error"]
    assert payments(account) == before


def test_the_same_key_for_another_account_is_409(api, account, operator):
    from tests.subscriptions.factories import funded_account

    other = funded_account(operator, balance="10.00")
    assert pay(api, account, {"amount": "5.00"}).status_code == 201
    assert pay(api, other, {"amount": "5.00"}).status_code == 409
    assert payments(other) == 1  # its funding only


def test_a_payment_without_an_idempotency_key_is_400(api, account):
    response = pay(api, account, {"amount": "5.00"}, key=None)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["fields"]


def test_r_ch5_a_payment_of_the_required_amount_returns_the_account_to_active(
    api, account, operator
):
    put_on_credit_hold(account, operator)
    dunning = api.get(url(account, "dunning/")).json()
    required = billing.required_payment(account)
    assert Decimal(dunning["required_payment"]) == required > 0
    assert dunning["on_hold"] is True and dunning["conditions"]
    assert pay(api, account, {"amount": str(required)}).status_code == 201
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE and ledger_agrees(account)


def test_charges_adjustments_and_refunds_post_through_their_services(api, account):
    posts = [
        ("charges/", {"amount": "30.00", "description": "Setup"}, "-30.00"),
        ("adjustments/", {"amount": "-5.50", "description": "Correction"}, "-5.50"),
        ("adjustments/", {"amount": "2.25", "description": "Goodwill"}, "2.25"),
        ("refunds/", {"amount": "10.00", "description": "Refund"}, "10.00"),
    ]
    for tail, body, amount in posts:
        response = api.post(url(account, tail), body, format="json")
        assert response.status_code == 201 and response.json()["amount"] == amount
    assert [e["amount"] for e in api.get(url(account, "charges/")).json()["results"]] == ["-30.00"]
    kinds = {e["kind"] for e in api.get(url(account, "ledger-entries/")).json()["results"]}
    assert {"charge", "adjustment", "refund", "payment"} <= kinds
    assert ledger_agrees(account) and account.balance == Decimal("76.75")


def test_a_zero_or_malformed_amount_is_400_and_writes_nothing(api, account):
    before = LedgerEntry.objects.count()
    for amount in ("0", "abc", "1.001", "-3"):
        body = {"amount": amount, "description": "x"}
        assert api.post(url(account, "charges/"), body, format="json").status_code == 400
    assert LedgerEntry.objects.count() == before


def test_r_d8_an_entry_is_reversed_once(api, account):
    charge = api.post(
        url(account, "charges/"), {"amount": "9.00", "description": "x"}, format="json"
    )
    pk = charge.json()["id"]
    reversal = api.post(url(account, f"ledger-entries/{pk}/reverse/"), {}, format="json")
    assert reversal.status_code == 201 and reversal.json()["amount"] == "9.00"
    again = api.post(url(account, f"ledger-entries/{pk}/reverse/"), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    assert ledger_agrees(account) and account.balance == Decimal("100.00")


def test_r_b3_invoices_and_open_items_are_listed(api, account, operator):
    invoice = billing.issue_invoice(
        account, amount="40.00", billing_date=date(2026, 1, 1), actor=operator
    )
    invoices = api.get(url(account, "invoices/")).json()["results"]
    assert [i["number"] for i in invoices] == [invoice.number]
    assert api.get(url(account, f"invoices/{invoice.pk}/")).json()["amount"] == "40.00"
    items = api.get(url(account, "open-items/")).json()["results"]
    assert any(i["invoice"] == invoice.number and i["amount"] == "40.00" for i in items)


def test_nothing_is_posted_to_a_deleted_account(api, account, operator):
    from accounts import services

    services.change_status(account, "Deleted", actor=operator, reason="Account closed")
    response = pay(api, account, {"amount": "5.00"})
    assert response.status_code == 409 and response.json()["code"] == "account_deleted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_record_one_payment(make_key, account, on_postgres):
    """Both requests pass every check before the account's lock, which the test holds; the
    service decides under the lock, so one payment is recorded and both get its answer."""
    raw = make_key("payments")
    answers: list = []
    errors: list = []

    def send():
        try:
            answers.append(pay(client_with(raw), account, {"amount": "7.00"}, key="race-1"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert [r.status_code for r in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert LedgerEntry.objects.filter(idempotency_key="api:race-1").count() == 1
    assert ledger_agrees(account)


def wait_for_lock_waiters(count: int, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_stat_activity is a snapshot per transaction: take a fresh one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE %s",
                ['%"accounts_account"%FOR UPDATE%'],
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    pytest.fail("the requests never waited for the account's lock")


def test_r_d3_enable_previews_the_reactivation_fee_then_charges_it_once(api, account, operator):
    from accounts import services

    services.change_status(account, "Cancelled", actor=operator, reason="Customer request")
    before = LedgerEntry.objects.filter(account=account).count()
    preview = api.post(url(account, "enable/"), {"preview": True}, format="json")
    assert preview.status_code == 200 and preview.json()["status_change"] is None
    fee = [e["amount"] for e in preview.json()["entries"]]
    assert LedgerEntry.objects.filter(account=account).count() == before  # nothing written
    account.refresh_from_db()
    assert account.backend_status == S.CANCELLED
    done = api.post(url(account, "enable/"), {}, format="json")
    assert done.status_code == 201 and done.json()["status_change"]["to_backend_status"] == "active"
    assert [e["amount"] for e in done.json()["entries"]] == fee
    fees = LedgerEntry.objects.filter(account=account, kind=EntryKind.FEE)
    assert [str(e.amount) for e in fees] == fee and ledger_agrees(account)
    again = api.post(url(account, "enable/"), {}, format="json")
    assert again.status_code == 400 and "Only a cancelled account" in again.json()["error"]
