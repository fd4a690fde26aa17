"""The sweep's SQL form of R-CH1 (billing/sql_sweeps.py SHOULD_HOLD) agrees with the rule itself
(billing/credit.py should_hold) on any facts — the two can never drift apart unnoticed."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.credit import CreditFacts, should_hold
from billing.sql_sweeps import SHOULD_HOLD

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
money = st.integers(min_value=-100_000, max_value=100_000).map(lambda c: Decimal(c) / 100)
SQL = (
    f"SELECT {SHOULD_HOLD} FROM (SELECT %(balance)s::numeric AS balance, "  # noqa: S608
    "%(threshold)s::numeric AS financial_blocking_threshold, "
    "%(negative_since)s::timestamptz AS negative_since, "
    "%(days)s::integer AS allowed_negative_days) AS a"
)


@pytest.mark.postgres
@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    balance=money,
    threshold=money,
    days=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    negative_for=st.one_of(st.none(), st.integers(min_value=0, max_value=90 * 24 * 3600)),
)
def test_r_ch1_sql_and_python_agree_on_any_facts(balance, threshold, days, negative_for):
    negative_since = None if negative_for is None else NOW - timedelta(seconds=negative_for)
    facts = CreditFacts(balance, threshold, negative_since, days, NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            {
                "balance": balance,
                "threshold": threshold,
                "days": days,
                "negative_since": negative_since,
                "now": NOW,
            },
        )
        (sql_says,) = cursor.fetchone()
    assert sql_says == should_hold(facts)
