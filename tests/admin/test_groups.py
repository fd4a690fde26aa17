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


def test_groups_made_before_open_items_and_job_failures_are_given_them_by_the_migration():
    from django.contrib.auth.models import Permission

    from accounts.admin_groups import ADDED_LATER, grant_added_permissions

    manager = Group.objects.get(name=BILLING_MANAGER)
    added = [
        Permission.objects.get(codename=name.split(".")[1]) for name in ADDED_LATER[BILLING_MANAGER]
    ]
    manager.permissions.remove(*added)
    own = Permission.objects.get(codename="view_group")
    manager.permissions.add(own)  # an administrator's own edit of the group is kept

    grant_added_permissions(Group, Permission)

    assert set(ADDED_LATER[BILLING_MANAGER]) | {"auth.view_group"} <= codes(BILLING_MANAGER)


def test_billing_managers_see_the_job_failures_and_support_agents_do_not(client):
    from tests.admin.conftest import staff_in

    client.force_login(staff_in(BILLING_MANAGER, "manager"))
    assert client.get("/admin/accounts/jobfailure/").status_code == 200
    client.force_login(staff_in(SUPPORT_AGENT, "agent"))
    assert client.get("/admin/accounts/jobfailure/").status_code == 403
