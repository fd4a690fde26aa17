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
