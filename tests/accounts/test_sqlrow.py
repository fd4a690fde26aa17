"""accounts.sqlrow (issue 19): single rows read and written without the ORM's compiler give the
same instances and the same rows as the ORM would, and skip nothing the ORM would have done."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import sqlrow
from accounts.actors import ActorKind
from accounts.models import Account, OutboxEvent
from billing.models import EntryKind, LedgerEntry
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

# billing.posting's insert and balance update, accounts.events' single event
WRITTEN_BY_SQLROW = (LedgerEntry, Account, OutboxEvent)


@pytest.mark.parametrize("model", WRITTEN_BY_SQLROW, ids=lambda m: m.__name__)
def test_the_models_written_row_by_row_have_no_signal_receivers(model):
    """sqlrow sends no pre_save/post_save: a receiver added later would silently miss a posting."""
    for signal in (signals.pre_save, signals.post_save):
        assert not signal.has_listeners(model), f"{model.__name__} has a {signal} receiver"


def test_a_row_read_by_columns_builds_the_instance_the_orm_builds():
    account = AccountFactory()
    Account.objects.filter(pk=account.pk).update(balance=D("-12.50"), negative_since=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sqlrow.columns(Account)}, 42 FROM accounts_account WHERE id = %s",  # noqa: S608
            [account.pk],
        )
        built = sqlrow.from_row(Account, cursor.fetchone())
    expected = Account.objects.get(pk=account.pk)
    for field in Account._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(expected, field.attname), field.name
    assert not built._state.adding


def payment_of_5(account, **extra) -> LedgerEntry:
    """A new, unsaved 5.00 payment entry on a new account (balance 5.00 after it)."""
    return LedgerEntry(
        account=account,
        kind=EntryKind.PAYMENT,
        amount=D("5.00"),
        currency=account.currency,
        balance_after=D("5.00"),
        description="Payment",
        actor_kind=ActorKind.SYSTEM,
        **extra,
    )


def test_an_inserted_entry_gets_its_id_and_posting_time_as_the_orm_would():
    account = AccountFactory()
    before = timezone.now()
    entry = sqlrow.insert(payment_of_5(account, idempotency_key="k-1"))
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.account_id, stored.amount, stored.idempotency_key) == (
        account.pk,
        D("5.00"),
        "k-1",
    )
    assert before <= stored.created_at <= timezone.now() + timedelta(seconds=1)
    assert stored.created_at == entry.created_at  # auto_now_add went in through pre_save
    assert not entry._state.adding


def test_an_update_writes_only_the_named_fields():
    account = AccountFactory(name="Before")
    account.balance, account.name = D("7.25"), "Changed in memory only"
    sqlrow.fetch_one(*sqlrow.update_statement(account, ["balance"]))
    stored = Account.objects.get(pk=account.pk)
    assert (stored.balance, stored.name) == (D("7.25"), "Before")


def test_an_insert_along_with_an_update_writes_both_in_one_statement():
    """billing.posting: the entry and the account's new balance (one round trip on PostgreSQL)."""
    account = AccountFactory()
    account.balance = D("5.00")
    entry = payment_of_5(account)
    with CaptureQueriesContext(connection) as queries:
        sqlrow.insert(entry, along=sqlrow.update_statement(account, ["balance"]))
    assert Account.objects.get(pk=account.pk).balance == D("5.00")
    assert LedgerEntry.objects.filter(pk=entry.pk, account=account).exists()
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)


@pytest.mark.parametrize("active", [True, False])
def test_an_insert_returning_reads_the_expression_in_the_same_statement(active):
    """accounts.events: a single event's INSERT also says whether any webhook endpoint listens."""
    from accounts.events import ANY_ENDPOINT
    from accounts.models import WebhookEndpoint

    WebhookEndpoint.objects.create(
        name="Switch", url="https://switch.example/hook", secret="s", active=active
    )
    event = OutboxEvent(
        event_type="payment.recorded", subject="account:1", payload={}, created_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as queries:
        listening = sqlrow.insert_returning(event, ANY_ENDPOINT)
    assert bool(listening) is active and event.pk is not None
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
