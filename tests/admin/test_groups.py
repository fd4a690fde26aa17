"""Operator groups from the data migration (DESIGN §1): each holds everything of the one before."""

import pytest
from django.contrib.auth.models import Group

from accounts.admin_groups import ADMINISTRATOR, BILLING_MANAGER, OPERATOR_GROUPS, SUPPORT_AGENT

pytestmark = pytest.mark.django_db


def codes(name):
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_the_three_operator_groups_exist_with_every_permission_they_list():
    for name, permissions in OPERATOR_GROUPS.items():
        assert codes(name) == set(permissions)


def test_support_agents_may_unlock_and_lock_but_not_touch_money():
    support = codes(SUPPORT_AGENT)
    assert {"accounts.unlock_user_account", "accounts.lock_user_account"} <= support
    assert not {"billing.record_payment", "accounts.change_account_status"} & support


def test_billing_managers_add_payments_thresholds_approvals_and_status_changes():
    manager = codes(BILLING_MANAGER)
    assert codes(SUPPORT_AGENT) < manager
    assert {
        "billing.record_payment",
        "billing.set_financial_blocking_threshold",
        "subscriptions.approve_subscription",
        "accounts.change_account_status",
    } <= manager
    assert "accounts.add_accountstatustype" not in manager


def test_administrators_add_the_setup_pages():
    admin = codes(ADMINISTRATOR)
    assert codes(BILLING_MANAGER) < admin
    assert {"accounts.add_accountstatustype", "accounts.delete_accountstatustype"} <= admin
    assert {"accounts.add_webhookendpoint", "accounts.add_serviceapikey"} <= admin
