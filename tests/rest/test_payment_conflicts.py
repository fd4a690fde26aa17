"""Issue 19: an Idempotency-Key reused with another body is decided under the account's lock by
billing.services (R-B1) and answered 409 with one message that names the key and no other account
(the first payment's account may belong to another customer)."""

from __future__ import annotations

import pytest

from billing.models import EntryKind, LedgerEntry
from billing.rest.views import MSG_KEY_OTHER_BODY
from tests.subscriptions.factories import funded_account

from .test_money import pay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"amount": "9.00"}, id="another amount"),
        pytest.param({"amount": "5.00", "description": "Other"}, id="another description"),
        pytest.param({"amount": "5.00", "to_other_account": True}, id="another account"),
    ],
)
def test_r_b1_a_reused_key_is_409_naming_the_key_and_no_account(api, account, operator, other):
    first_account = funded_account(operator, balance="10.00")
    assert pay(api, first_account, {"amount": "5.00"}, key="k-7").status_code == 201
    target = account if other.pop("to_other_account", False) else first_account
    before = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count()
    response = pay(api, target, other, key="k-7")
    assert response.status_code == 409
    assert response.json()["error"] == MSG_KEY_OTHER_BODY.format(key="k-7")
    assert first_account.number not in response.json()["error"]
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == before
