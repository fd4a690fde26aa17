"""The accounts table leaves room on each page for a row's next version (accounts migration
0020), so a posting's balance update and the R-S2 date sync can be HOT updates that touch none
of the table's indexes (issues 16 and 19, docs/PERFORMANCE.md)."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_accounts_table_is_filled_to_85_percent(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'accounts_account'")
        assert cursor.fetchone()[0] == ["fillfactor=85"]


def test_a_balance_update_leaves_every_index_alone(on_postgres, operator):
    """A payment's UPDATE changes no indexed column: a HOT update is possible (R-B1's cached
    balance and "negative since" are not indexed)."""
    from accounts.models import Account

    indexed = set()
    with connection.cursor() as cursor:
        for constraint in connection.introspection.get_constraints(
            cursor, "accounts_account"
        ).values():
            if constraint["index"] or constraint["unique"] or constraint["primary_key"]:
                indexed.update(constraint["columns"] or [])
    assert {"balance", "negative_since", "next_payment_date"}.isdisjoint(indexed)
    assert {f.column for f in Account._meta.fields} >= {"balance", "negative_since"}


def test_an_outbox_event_names_its_account_without_a_database_constraint(on_postgres):
    """Issue 16: an event outlives the account it names (SET_NULL), so the table carries no
    foreign key that the sweeps' tens of thousands of events would each check at COMMIT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint"
            " WHERE conrelid = 'accounts_outboxevent'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 0


def test_an_account_removed_from_the_database_leaves_its_events_with_no_account(operator):
    """R-X6: what was sent stays on record; the ORM still sets the reference to NULL."""
    from accounts import events
    from accounts.models import OutboxEvent
    from tests.accounts.factories import AccountFactory

    account = AccountFactory()
    payload = {"account": {"id": account.pk}}
    event = events.emit("account.status_changed", f"account:{account.pk}", payload, account=account)
    assert OutboxEvent.objects.filter(account=account).count() >= 1
    account.delete()
    event.refresh_from_db()
    assert event.account_id is None
    assert event.payload == payload
