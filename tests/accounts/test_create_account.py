"""A new account is created Active or Prospect, nothing else (R-C1, R-E7)."""

from decimal import Decimal

import pytest

from accounts import services
from accounts.actors import Actor
from accounts.errors import InvalidAccountData, InvalidTransition, UnknownStatusType
from accounts.models import Account, StatusChange
from accounts.models import BackendStatus as S

pytestmark = pytest.mark.django_db


def test_a_new_account_is_active_by_default_with_a_first_history_row(operator):
    account = services.create_account(name="Acme", actor=Actor.operator(operator))
    assert account.backend_status == S.ACTIVE
    assert account.financial_blocking_threshold == Decimal("0")
    assert account.allowed_negative_days is None  # infinite P by default (DESIGN §3)
    (first,) = StatusChange.objects.filter(account=account)
    assert first.from_type is None and first.to_type.name == "Active"
    assert first.reason.name == "New account" and first.actor_user == operator


def test_r_e7_a_new_account_may_start_as_prospect(operator):
    account = services.create_account(name="Lead", actor=operator, status_type="Prospect")
    assert account.backend_status == S.PROSPECT


@pytest.mark.parametrize(
    "status",
    [
        "Credit hold",
        "Suspended",
        "Administrative hold",
        "Cancelled",
        "Deleted",
        "Closed until Paid",
    ],
)
def test_r_c1_a_new_account_cannot_start_in_any_other_status(status, operator):
    with pytest.raises(InvalidTransition, match="created Active or Prospect"):
        services.create_account(name="Nope", actor=operator, status_type=status)
    assert not Account.objects.filter(name="Nope").exists()


def test_account_numbers_are_unique_and_generated(operator):
    numbers = {services.create_account(name=f"A{i}", actor=operator).number for i in range(20)}
    assert len(numbers) == 20 and all(n.isdigit() and len(n) == 10 for n in numbers)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"financial_blocking_threshold": "abc"}, "must be a number"),
        ({"financial_blocking_threshold": "1.001"}, "at most 2 decimals"),
        ({"allowed_negative_days": -1}, "whole number of days"),
        ({"currency": "DOLLARS"}, "three-letter code"),
        ({"colour": "red"}, "Unknown account field"),
    ],
)
def test_bad_account_data_is_a_domain_error_and_writes_nothing(fields, message, operator):
    with pytest.raises(InvalidAccountData, match=message):
        services.create_account(name="Bad", actor=operator, **fields)
    assert not Account.objects.filter(name="Bad").exists()


def test_an_empty_name_is_refused(operator):
    with pytest.raises(InvalidAccountData, match="needs a name"):
        services.create_account(name="  ", actor=operator)


def test_an_unknown_status_type_at_creation_is_refused(operator):
    with pytest.raises(UnknownStatusType):
        services.create_account(name="X", actor=operator, status_type="Nonexistent")
