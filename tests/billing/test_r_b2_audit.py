"""R-B2: every change of threshold, allowed period or policy through billing's services is
audited (who, when, old → new, why)."""

from decimal import Decimal

import pytest

from accounts.models import AccountAudit
from accounts.models import BackendStatus as S
from billing import services
from billing.errors import BillingError
from billing.models import DunningPolicy
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db


def audits(account, field):
    return list(AccountAudit.objects.filter(account=account, field=field).order_by("id"))


def test_r_b2_setting_the_threshold_writes_an_audit_row_with_old_and_new(operator, operator_actor):
    account = account_in(S.ACTIVE, operator)

    services.set_financial_blocking_threshold(
        account, Decimal("-50.00"), actor=operator_actor, reason="credit limit agreed"
    )

    [row] = audits(account, "financial_blocking_threshold")
    assert (row.old_value, row.new_value) == ("0.00", "-50.00")
    assert row.actor_user == operator and row.note == "credit limit agreed"


def test_r_b2_setting_the_same_threshold_again_writes_no_audit_row(operator, operator_actor):
    account = account_in(S.ACTIVE, operator)

    services.set_financial_blocking_threshold(account, Decimal("0"), actor=operator_actor)

    assert audits(account, "financial_blocking_threshold") == []


def test_r_b2_assigning_a_policy_audits_the_policy_period_and_threshold(operator, operator_actor):
    account = account_in(S.ACTIVE, operator)
    policy = DunningPolicy.objects.create(
        name="Reseller credit", default_threshold=Decimal("-100"), default_allowed_negative_days=7
    )

    services.assign_policy(account, policy, actor=operator_actor, reason="moved to reseller terms")

    assert [a.new_value for a in audits(account, "dunning_policy")] == [str(policy)]
    assert [a.new_value for a in audits(account, "allowed_negative_days")] == ["7"]
    assert [a.new_value for a in audits(account, "financial_blocking_threshold")] == ["-100.00"]
    assert {a.note for a in AccountAudit.objects.filter(account=account)} == {
        "moved to reseller terms"
    }


def test_assigning_something_that_is_not_a_policy_is_refused_and_writes_nothing(
    operator, operator_actor
):
    account = account_in(S.ACTIVE, operator)

    with pytest.raises(BillingError, match="not a dunning policy"):
        services.assign_policy(account, "Standard ladder", actor=operator_actor)

    assert not AccountAudit.objects.filter(account=account).exists()
