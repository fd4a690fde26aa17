"""Issue 15 item 6: every path out of a cancellation entered for non-payment is Enable's, which
charges R-D3's reactivation fee after a preview; Change status, a scheduled change when due and a
bulk change are refused with a pointer to Enable. A cancellation for another reason is left as
the table says (no fee is owed)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.bulk import Move, change_statuses
from accounts.errors import InvalidTransition
from accounts.models import Account, ScheduledStatusChange
from accounts.models import BackendStatus as S
from accounts.scheduling import apply_due_status_changes
from accounts.transitions import MSG_ENABLE_CHARGES_THE_FEE
from billing import ladder
from billing.models import LedgerEntry
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
ACTIVE = "Active"
REACTIVATED = "Reactivated by operator"


@pytest.fixture
def terminated(operator):
    """Cancelled for non-payment (the ladder's R-D3 type and reason)."""
    account = AccountFactory(actor=operator)
    services.change_status(account, "Terminated", actor=operator, reason="Non-payment")
    return account


def fees(account):
    return LedgerEntry.objects.filter(account=account, kind="fee").count()


def test_issue15_change_status_to_active_is_refused_with_a_pointer_to_enable(terminated, operator):
    with pytest.raises(InvalidTransition) as refused:
        services.change_status(terminated, ACTIVE, actor=operator, reason=REACTIVATED)
    assert refused.value.message == MSG_ENABLE_CHARGES_THE_FEE and "Enable" in refused.value.message
    terminated.refresh_from_db()
    assert terminated.backend_status == S.CANCELLED and fees(terminated) == 0


def test_issue15_a_scheduled_change_to_active_is_refused_when_due(terminated, operator):
    today = timezone.localdate()
    scheduled = services.schedule_status_change(
        terminated, ACTIVE, reason=REACTIVATED, effective_on=today, actor=operator
    )
    assert apply_due_status_changes(today)["refused"] == 1
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledStatusChange.State.REFUSED
    assert scheduled.outcome == MSG_ENABLE_CHARGES_THE_FEE
    terminated.refresh_from_db()
    assert terminated.backend_status == S.CANCELLED and fees(terminated) == 0


def test_issue15_a_bulk_change_to_active_refuses_the_non_payment_cancellation(operator):
    unpaid = AccountFactory(actor=operator)
    services.change_status(unpaid, "Terminated", actor=operator, reason="Non-payment")
    asked = AccountFactory(actor=operator)
    services.change_status(asked, "Cancelled", actor=operator, reason="Customer request")
    refused: list = []
    with transaction.atomic():
        locked = list(Account.objects.select_for_update().filter(pk__in=[unpaid.pk, asked.pk]))
        target = services.default_status_type(S.ACTIVE)
        changes = change_statuses(
            [Move(a, target) for a in locked],
            actor=Actor.operator(operator),
            reason=REACTIVATED,
            refused=refused,
        )
    assert [(move.account.pk, error.message) for move, error in refused] == [
        (unpaid.pk, MSG_ENABLE_CHARGES_THE_FEE)
    ]
    assert list(changes) == [asked.pk]  # cancelled at the customer's request: no fee is owed
    unpaid.refresh_from_db()
    assert unpaid.backend_status == S.CANCELLED


def test_r_d3_enable_is_the_way_out_and_charges_the_fee_after_a_preview(terminated, operator):
    preview = ladder.enable_account(terminated, actor=operator, preview=True)
    assert [entry["amount"] for entry in preview] == [Decimal("-10.00")]
    change = ladder.enable_account(terminated, actor=operator)
    assert (change.to_backend_status, change.rule_id) == (S.ACTIVE, "R-D3")
    assert fees(terminated) == 1  # (the fee then holds an unfunded account, R-CH1)
