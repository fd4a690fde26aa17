"""Issue 8: the sweeps flip subscription statuses in bulk (R-CH7, R-CH9); on PostgreSQL those
flips are HOT updates — no index covers the columns they change, and pages keep room for them."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

FLIPPED = {"status", "status_before_hold"}


def test_no_index_covers_the_columns_a_credit_hold_changes(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'subscriptions_subscription'::regclass"
        )
        indexed = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'subscriptions_subscription'::regclass "
            "AND (indexprs IS NOT NULL OR indpred IS NOT NULL)"
        )
        expression_or_partial = cursor.fetchone()[0]
    assert "account_id" in indexed  # lists still go through the account
    assert not indexed & FLIPPED
    assert expression_or_partial == 0


def test_subscription_pages_keep_room_for_a_changed_row(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'subscriptions_subscription'::regclass"
        )
        assert "fillfactor=85" in (cursor.fetchone()[0] or [])
