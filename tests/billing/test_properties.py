"""Property: any sequence of charges, payments and reversals keeps balance == ledger sum (R-B1)
and the status agrees with R-CH1 (a) (P infinite, so only the threshold matters)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import BackendStatus as S
from billing import services
from billing.models import LedgerEntry
from tests.accounts.factories import AccountFactory, OperatorFactory

cents = st.integers(min_value=1, max_value=100_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), cents),
        st.tuples(st.just("payment"), cents),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
    ),
    min_size=1,
    max_size=25,
)
thresholds = st.integers(min_value=-50_000, max_value=5_000).map(lambda c: Decimal(c) / 100)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, threshold=thresholds)
def test_r_b1_r_ch1_any_sequence_keeps_balance_equal_to_ledger_and_status_to_rule(ops, threshold):
    operator = OperatorFactory()
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, threshold, actor=operator)
    for n, (op, value) in enumerate(ops):
        if op == "charge":
            services.post_charge(account, value, description="c", actor=operator)
        elif op == "payment":
            services.record_payment(
                account, value, idempotency_key=f"k{account.pk}-{n}", actor=operator
            )
        else:
            entries = list(
                LedgerEntry.objects.filter(
                    account=account,
                    reverses__isnull=True,
                    reversed_by__isnull=True,
                    kind__in=["charge", "payment"],
                )
            )
            if entries:
                services.reverse_entry(entries[value % len(entries)], actor=operator)
        account.refresh_from_db()
        assert account.balance == services.ledger_sum(account)
        expected = S.CREDIT_HOLD if account.balance < threshold else S.ACTIVE
        assert account.backend_status == expected
