"""Account Status Types are operator data (R-E1); the defaults come from a data migration."""

import pytest

from accounts import services
from accounts.errors import StatusTypeInUse
from accounts.models import AccountStatusType, StatusReason
from accounts.models import BackendStatus as S
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

DESIGN_DEFAULT_TYPES = {
    "Active": S.ACTIVE,
    "Prospect": S.PROSPECT,
    "Credit hold": S.CREDIT_HOLD,
    "Suspended": S.SUSPENDED,
    "Administrative hold": S.ADMINISTRATIVE_HOLD,
    "Cancelled": S.CANCELLED,
    "Deleted": S.DELETED,
    "Suspended until Paid": S.CREDIT_HOLD,
    "Closed until Paid": S.SUSPENDED,
    "Terminated": S.CANCELLED,
    "Locked – insufficient credit": S.ADMINISTRATIVE_HOLD,
}


def test_r_e1_the_data_migration_creates_the_design_default_types():
    types = dict(AccountStatusType.objects.values_list("name", "backend_status"))
    assert types == DESIGN_DEFAULT_TYPES


def test_each_back_end_status_has_exactly_one_default_type():
    defaults = AccountStatusType.objects.filter(is_default=True)
    assert sorted(defaults.values_list("backend_status", flat=True)) == sorted(S.values)


def test_r_e3_default_reasons_exist_and_fit_their_statuses():
    assert StatusReason.objects.get(name="Non-payment").is_financial
    assert not StatusReason.objects.get(name="Abuse").is_financial
    assert StatusReason.objects.get(name="Account closed").backend_statuses == [S.DELETED]


def test_deleting_a_status_type_that_accounts_use_is_refused_naming_how_many(operator):
    suspended_type = AccountStatusType.objects.create(name="On ice", backend_status=S.SUSPENDED)
    for _ in range(3):
        account = AccountFactory(actor=operator)
        services.change_status(account, suspended_type, actor=operator, reason="Abuse")
    with pytest.raises(StatusTypeInUse, match="used by 3 account"):
        services.delete_status_type(suspended_type, actor=operator)
    assert AccountStatusType.objects.filter(pk=suspended_type.pk).exists()


def test_deleting_a_default_type_is_refused(operator):
    with pytest.raises(StatusTypeInUse, match="default for Deleted"):
        services.delete_status_type(services.default_status_type(S.DELETED), actor=operator)


def test_deleting_a_type_kept_in_history_is_refused(operator):
    old = AccountStatusType.objects.create(name="Old hold", backend_status=S.SUSPENDED)
    account = AccountFactory(actor=operator)
    services.change_status(account, old, actor=operator, reason="Abuse")
    services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    with pytest.raises(StatusTypeInUse, match="status history"):
        services.delete_status_type(old, actor=operator)


def test_an_unused_status_type_can_be_deleted(operator):
    spare = AccountStatusType.objects.create(name="Spare", backend_status=S.ACTIVE)
    services.delete_status_type(spare, actor=operator)
    assert not AccountStatusType.objects.filter(name="Spare").exists()
