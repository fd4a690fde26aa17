"""R-R2, R-B2: a reseller's new accounts take its policy and defaults; R-R1: moving an account
between resellers is an audited operator action."""

from decimal import Decimal

import pytest

from accounts import services
from accounts.errors import InvalidAccountData
from accounts.models import AccountAudit
from accounts.resellers import MoveRefused, move_account
from billing.models import DunningPolicy
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_r_r2_a_new_account_of_a_reseller_takes_its_policy_threshold_and_period(side_a):
    account = services.create_account(
        name="New Co", actor=side_a.operator, reseller=side_a.reseller
    )
    assert account.reseller == side_a.reseller
    assert account.dunning_policy == side_a.policy
    assert account.financial_blocking_threshold == Decimal("-20.00")
    assert account.allowed_negative_days == 10


def test_r_r2_without_reseller_defaults_the_account_takes_its_reseller_policys_values(side_a):
    side_a.reseller.default_financial_blocking_threshold = None
    side_a.reseller.default_allowed_negative_days = None
    side_a.reseller.save()
    account = AccountFactory(actor=side_a.operator, reseller=side_a.reseller)
    assert account.dunning_policy == side_a.policy
    assert (account.financial_blocking_threshold, account.allowed_negative_days) == (
        Decimal("-5.00"),
        7,
    )


def test_r_b2_given_fields_win_over_the_resellers_defaults(side_a):
    account = AccountFactory(
        actor=side_a.operator,
        reseller=side_a.reseller,
        financial_blocking_threshold=Decimal("-1.00"),
        allowed_negative_days=None,
    )
    assert account.financial_blocking_threshold == Decimal("-1.00")
    assert account.allowed_negative_days is None


def test_r_r3_a_reseller_operators_new_account_is_their_resellers_whatever_was_given(
    side_a, side_b
):
    account = AccountFactory(actor=side_a.operator, reseller=side_b.reseller)
    assert account.reseller == side_a.reseller


def test_r_b2_the_providers_own_account_keeps_the_default_policy(own_account):
    assert own_account.reseller is None and own_account.dunning_policy is None
    assert own_account.financial_blocking_threshold == Decimal("0")


def test_r_r2_another_resellers_policy_is_refused_for_a_new_account(side_a, side_b):
    with pytest.raises(InvalidAccountData, match="another reseller"):
        services.create_account(name="X", actor=side_a.operator, dunning_policy=side_b.policy)


def test_an_inactive_reseller_takes_no_new_accounts(side_a, provider_operator):
    side_a.reseller.is_active = False
    side_a.reseller.save()
    with pytest.raises(InvalidAccountData, match="inactive"):
        services.create_account(name="X", actor=provider_operator, reseller=side_a.reseller)


def test_r_r1_moving_an_account_is_audited_with_who_and_why(side_a, side_b, provider_operator):
    moved = move_account(
        side_a.account, side_b.reseller, actor=provider_operator, reason="Contract transfer"
    )
    assert moved.reseller == side_b.reseller
    audit = AccountAudit.objects.filter(account=moved, field="reseller").get()
    assert (audit.old_value, audit.new_value) == ("Reseller A", "Reseller B")
    assert (audit.actor_user, audit.note) == (provider_operator, "Contract transfer")


def test_r_r2_a_moved_account_takes_the_new_resellers_policy_when_it_had_the_olds(
    side_a, side_b, provider_operator
):
    move_account(side_a.account, side_b.reseller, actor=provider_operator, reason="Transfer")
    side_a.account.refresh_from_db()
    assert side_a.account.dunning_policy == side_b.policy
    fields = set(
        AccountAudit.objects.filter(account=side_a.account).values_list("field", flat=True)
    )
    assert {"reseller", "dunning_policy"} <= fields


def test_r_r1_moving_to_the_provider_gives_the_providers_default_policy(side_a, provider_operator):
    move_account(side_a.account, None, actor=provider_operator, reason="Reseller closed")
    side_a.account.refresh_from_db()
    assert side_a.account.reseller is None
    assert side_a.account.dunning_policy == DunningPolicy.objects.get(is_default=True)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no reason", "needs a reason"),
        ("same reseller", "already belongs"),
        ("reseller operator", "Only the provider"),
        ("inactive", "inactive"),
    ],
)
def test_r_r1_a_move_is_refused_with_a_message_and_changes_nothing(
    side_a, side_b, provider_operator, case, message
):
    target, actor, reason = side_b.reseller, provider_operator, "Transfer"
    if case == "no reason":
        reason = "  "
    elif case == "same reseller":
        target = side_a.reseller
    elif case == "reseller operator":
        actor = side_a.operator
    else:
        side_b.reseller.is_active = False
        side_b.reseller.save()
    with pytest.raises(MoveRefused, match=message):
        move_account(side_a.account, target, actor=actor, reason=reason)
    side_a.account.refresh_from_db()
    assert side_a.account.reseller == side_a.reseller
    assert not AccountAudit.objects.filter(field="reseller").exists()


def test_r_r1_a_deleted_account_keeps_its_reseller(side_a, side_b, provider_operator):
    """R-C4: a deleted account is final; moving it is refused with a message, nothing written."""
    from accounts.models import AccountStatusType, BackendStatus

    deleted = AccountStatusType.objects.filter(backend_status=BackendStatus.DELETED).first()
    type(side_a.account).objects.filter(pk=side_a.account.pk).update(status_type=deleted)
    with pytest.raises(MoveRefused, match="deleted account keeps its reseller"):
        move_account(side_a.account, side_b.reseller, actor=provider_operator, reason="Transfer")
    side_a.account.refresh_from_db()
    assert side_a.account.reseller == side_a.reseller
    assert not AccountAudit.objects.filter(field="reseller").exists()
