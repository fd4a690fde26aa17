"""R-X5: a status change's preview is change_status(..., preview=True) — the one home of the
answer the REST API (and anything else that previews) gives: the same resolvers (R-CH2), the same
transition table (R-C1), Enable's exit from a non-payment cancellation (issue 15 #6) and the
reason's fit (R-E3), with nothing written."""

import pytest

from accounts import services
from accounts.actors import Actor
from accounts.errors import AccountsError, InvalidTransition
from accounts.models import AccountAudit, OutboxEvent, StatusChange
from accounts.models import BackendStatus as S
from accounts.transitions import MSG_ENABLE_CHARGES_THE_FEE
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def written():
    return StatusChange.objects.count(), AccountAudit.objects.count(), OutboxEvent.objects.count()


def refusal(call):
    with pytest.raises(AccountsError) as refused:
        call()
    return type(refused.value), refused.value.message


def test_r_x5_preview_names_from_to_and_rule_and_writes_nothing(operator):
    account = AccountFactory(actor=operator)
    before = written()
    preview = services.change_status(
        account, "Suspended", actor=operator, reason="Abuse", preview=True
    )
    assert (preview.from_type.name, preview.to_type.name, preview.rule_id) == (
        "Active",
        "Suspended",
        "",
    )
    assert preview.changes
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE and written() == before


def test_r_x5_preview_refuses_exactly_what_the_change_refuses(operator):
    """R-C1 (credit hold follows the money), R-E3 (a reason that does not fit) and issue 15 #6
    (a non-payment cancellation leaves through Enable only): the same error and message."""
    active = AccountFactory(actor=operator)
    terminated = AccountFactory(actor=operator)
    services.change_status(terminated, "Terminated", actor=operator, reason="Non-payment")
    cases = [
        (active, "Credit hold", "Non-payment"),
        (active, "Suspended", "New account"),
        (terminated, "Active", "Reactivated by operator"),
    ]
    for account, target, reason in cases:
        before = written()
        previewed = refusal(
            lambda a=account, t=target, r=reason: services.change_status(
                a, t, actor=operator, reason=r, preview=True
            )
        )
        assert written() == before, (target, reason)
        changed = refusal(
            lambda a=account, t=target, r=reason: services.change_status(
                a, t, actor=operator, reason=r
            )
        )
        assert previewed == changed, (target, reason)
    assert refusal(
        lambda: services.preview_status_change(
            terminated, "Active", actor=operator, reason="Reactivated by operator"
        )
    ) == (InvalidTransition, MSG_ENABLE_CHARGES_THE_FEE)


def test_r_x5_preview_of_the_current_type_changes_nothing_but_still_checks_the_reason(operator):
    account = AccountFactory(actor=operator)
    preview = services.preview_status_change(
        account, "Active", actor=Actor.operator(operator), reason="New account"
    )
    assert not preview.changes and preview.to_type.name == "Active"
    with pytest.raises(AccountsError):
        services.preview_status_change(account, "Active", actor=operator, reason="Abuse")


def test_r_x5_the_bulk_schedule_preview_is_the_same_preview(operator):
    """Issue 18's bulk preview asks change_status's preview too: a non-payment cancellation's
    move to Active is refused there with Enable's pointer, as the change itself would be."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.bulk_actions import preview_schedule

    terminated = AccountFactory(actor=operator)
    services.change_status(terminated, "Terminated", actor=operator, reason="Non-payment")
    data = {
        "status_type": "Active",
        "reason": "Reactivated by operator",
        "effective_on": timezone.localdate() + timedelta(days=2),
    }
    before = written()
    [row] = preview_schedule([terminated], data, operator)
    assert row.refused == MSG_ENABLE_CHARGES_THE_FEE
    assert written() == before
