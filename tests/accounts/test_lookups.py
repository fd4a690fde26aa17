"""`field__any` (accounts/lookups.py) selects exactly what `field__in` selects, on any database."""

import pytest

from accounts.models import Account
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pick", [[0], [0, 2], [1, 2, 3], []])
def test_any_selects_the_same_rows_as_in(pick, operator):
    accounts = [AccountFactory(actor=operator) for _ in range(4)]
    ids = [accounts[i].pk for i in pick] + [None]
    expected = set(Account.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert set(Account.objects.filter(pk__any=ids).values_list("pk", flat=True)) == expected
    assert expected == {accounts[i].pk for i in pick}


def test_any_on_a_foreign_key_column(operator):
    account = AccountFactory(actor=operator)
    assert list(
        Account.objects.filter(status_type_id__any=[account.status_type_id]).values_list(
            "pk", flat=True
        )
    ) == [account.pk]


@pytest.mark.postgres
def test_on_postgresql_the_list_travels_as_one_array(on_postgres, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = [AccountFactory(actor=operator).pk for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        list(Account.objects.filter(pk__any=ids))
    assert "= ANY(" in queries[-1]["sql"]
    assert " IN (" not in queries[-1]["sql"]
