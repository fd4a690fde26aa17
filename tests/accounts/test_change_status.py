"""change_status enforces DESIGN §2 on real rows: every pair, one history row or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.errors import InvalidTransition, ReasonNotAllowed, UnknownStatusType
from accounts.models import Account, AccountStatusType, StatusChange
from accounts.models import BackendStatus as S
from accounts.transitions import label
from tests.accounts.expected import ALL_CASES, allowed
from tests.accounts.states import FITTING_REASON, account_in

pytestmark = pytest.mark.django_db


def actor_of(kind, operator, customer):
    return {
        "operator": Actor.operator(operator),
        "system": Actor.system("R-TEST"),
        "customer": Actor.customer(customer),
    }[kind]


def target_type(current, target):
    """Another type of the target status: the default, or a second one for a type change."""
    if current != target:
        return services.default_status_type(target)
    return AccountStatusType.objects.create(name=f"Other {target}", backend_status=target)


def snapshot(account):
    account.refresh_from_db()
    return (
        account.status_type_id,
        account.status_reason_id,
        account.status_changed_at,
        StatusChange.objects.filter(account=account).count(),
    )


@pytest.mark.parametrize(("current", "target", "actor_kind"), ALL_CASES)
def test_r_c1_every_status_pair_either_changes_with_one_history_row_or_writes_nothing(
    current, target, actor_kind, operator, customer
):
    account = account_in(current, operator)
    new_type = target_type(current, target)
    actor = actor_of(actor_kind, operator, customer)
    before = snapshot(account)

    if allowed(current, target, actor_kind):
        change = services.change_status(
            account, new_type, actor=actor, reason=FITTING_REASON[target]
        )
        account.refresh_from_db()
        assert account.status_type == new_type
        assert StatusChange.objects.filter(account=account).count() == before[3] + 1
        assert (change.from_backend_status, change.to_backend_status) == (current, target)
        assert change.actor_kind == actor_kind
        assert change.reason.name == FITTING_REASON[target]
    else:
        with pytest.raises(InvalidTransition) as refused:
            services.change_status(account, new_type, actor=actor, reason=FITTING_REASON[target])
        assert label(current) in refused.value.message and label(target) in refused.value.message
        assert snapshot(account) == before


def test_history_row_says_who_why_and_when(operator):
    account = account_in(S.ACTIVE, operator)
    requested = timezone.now()
    change = services.change_status(
        account, "Suspended", actor=Actor.operator(operator), reason="Abuse", note="spam complaints"
    )
    assert change.from_type.name == "Active" and change.to_type.name == "Suspended"
    assert change.actor_user == operator and change.actor_kind == "operator"
    assert change.reason.name == "Abuse" and change.note == "spam complaints"
    assert change.requested_at >= requested and change.effective_at >= requested


def test_system_change_records_its_rule_id(operator):
    account = account_in(S.ACTIVE, operator)
    change = services.change_status(
        account, "Credit hold", actor=Actor.system("R-CH1"), reason="Non-payment"
    )
    assert change.rule_id == "R-CH1" and change.actor_kind == "system"


def test_changing_to_the_current_type_is_a_no_op(operator):
    account = account_in(S.ACTIVE, operator)
    before = snapshot(account)
    assert (
        services.change_status(
            account, "Active", actor=Actor.operator(operator), reason="Status relabelled"
        )
        is None
    )
    assert snapshot(account) == before


def test_r_e3_a_reason_that_does_not_fit_the_target_is_refused_and_nothing_written(operator):
    account = account_in(S.ACTIVE, operator)
    before = snapshot(account)
    with pytest.raises(ReasonNotAllowed, match="cannot be used for the status Deleted"):
        services.change_status(
            account, "Deleted", actor=Actor.operator(operator), reason="Non-payment"
        )
    assert snapshot(account) == before


def test_an_unknown_reason_is_refused_and_nothing_written(operator):
    account = account_in(S.ACTIVE, operator)
    before = snapshot(account)
    with pytest.raises(ReasonNotAllowed, match="no status reason “Because”"):
        services.change_status(
            account, "Suspended", actor=Actor.operator(operator), reason="Because"
        )
    assert snapshot(account) == before


@pytest.mark.parametrize("unknown", ["Frozen", 999999])
def test_an_unknown_status_type_is_refused_and_nothing_written(unknown, operator):
    account = account_in(S.ACTIVE, operator)
    before = snapshot(account)
    with pytest.raises(UnknownStatusType, match="no account status type"):
        services.change_status(account, unknown, actor=Actor.operator(operator), reason="Abuse")
    assert snapshot(account) == before


@pytest.mark.parametrize("target", ["Suspended", "Cancelled", "Deleted", "Administrative hold"])
def test_a_customer_cannot_change_status_where_only_an_operator_may_act(target, operator, customer):
    account = account_in(S.ACTIVE, operator)
    before = snapshot(account)
    with pytest.raises(InvalidTransition, match="only an operator"):
        services.change_status(
            account,
            target,
            actor=Actor.customer(customer),
            reason=FITTING_REASON[services.get_status_type(target).backend_status],
        )
    assert snapshot(account) == before


def test_a_change_effective_in_the_future_is_refused_as_unscheduled(operator):
    account = account_in(S.ACTIVE, operator)
    with pytest.raises(InvalidTransition, match="schedule"):
        services.change_status(
            account,
            "Suspended",
            actor=Actor.operator(operator),
            reason="Abuse",
            effective_at=timezone.now() + timedelta(days=1),
        )
    assert Account.objects.get(pk=account.pk).backend_status == S.ACTIVE


def test_a_staff_user_passed_as_actor_counts_as_operator(operator):
    account = account_in(S.ACTIVE, operator)
    change = services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    assert change.actor_kind == "operator" and change.actor_user == operator
