"""Issue 15 items 9 and 10 (admin part): read-only money fields, no privilege escalation, 403
before a domain message, no 500 on a NUL byte in any change list, no 500 on a bad currency."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import services
from accounts.admin_groups import ADMINISTRATOR, BILLING_MANAGER, SUPPORT_AGENT
from accounts.admin_users import grantable_groups, grantable_permissions
from accounts.models import Account
from tests.accounts.factories import AccountFactory, UserFactory

from .conftest import staff_in
from .forms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_operator(db):
    return staff_in(ADMINISTRATOR, "admin-operator")


def test_issue15_balance_negative_since_is_read_only_in_the_change_form(
    client, admin_operator, operator
):
    account = AccountFactory(actor=operator)
    client.force_login(admin_operator)
    url, data = change_form_data(client, account)
    assert "negative_since_0" not in data and "negative_since" not in data

    client.post(url, {**data, "negative_since_0": "2020-01-01", "negative_since_1": "00:00"})

    account.refresh_from_db()
    assert account.negative_since is None


def _user_change(client, user, **changes):
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    from .forms import form_data

    return url, form_data(page.content.decode(), "user_form", **changes)


def test_issue15_an_administrator_cannot_make_themselves_superuser(client, admin_operator):
    client.force_login(admin_operator)
    url, data = _user_change(client, admin_operator, is_superuser="on")
    assert 'name="is_superuser"' not in client.get(url).content.decode()

    client.post(url, data)

    admin_operator.refresh_from_db()
    assert not admin_operator.is_superuser


def test_issue15_an_administrator_cannot_make_another_user_superuser(client, admin_operator):
    other = staff_in(SUPPORT_AGENT, "agent")
    client.force_login(admin_operator)
    url, data = _user_change(client, other, is_superuser="on")

    client.post(url, data)

    other.refresh_from_db()
    assert not other.is_superuser


def test_issue15_an_administrator_cannot_grant_a_permission_they_do_not_hold(
    client, admin_operator
):
    delete_account = Permission.objects.get(codename="delete_account")
    client.force_login(admin_operator)
    url, data = _user_change(client, admin_operator)
    options = client.get(url).content.decode().split('name="user_permissions"')[-1]
    assert f'value="{delete_account.pk}"' not in options.split("</select>")[0]

    page = client.post(url, {**data, "user_permissions": [delete_account.pk]})

    assert page.status_code == 200  # "Select a valid choice": the form refuses it
    assert not admin_operator.user_permissions.filter(pk=delete_account.pk).exists()
    assert not admin_operator.has_perm("accounts.delete_account")


def test_issue15_an_administrator_cannot_widen_their_own_group(client, admin_operator):
    group = Group.objects.get(name=ADMINISTRATOR)
    delete_account = Permission.objects.get(codename="delete_account")
    client.force_login(admin_operator)
    url = reverse("admin:auth_group_change", args=[group.pk])
    held = list(group.permissions.values_list("pk", flat=True))

    client.post(url, {"name": ADMINISTRATOR, "permissions": [*held, delete_account.pk]})

    assert not group.permissions.filter(pk=delete_account.pk).exists()


def test_issue15_an_administrator_cannot_edit_or_delete_a_superuser(client, admin_operator):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_operator)

    page = client.post(
        reverse("admin:auth_user_change", args=[root.pk]),
        {"username": "root", "is_superuser": "", "is_staff": ""},
    )
    root.refresh_from_db()
    assert root.is_superuser and root.is_staff and page.status_code in (200, 403)
    assert client.post(reverse("admin:auth_user_delete", args=[root.pk])).status_code == 403


def test_issue15_what_an_administrator_may_grant_is_within_what_they_hold(admin_operator):
    held = admin_operator.get_all_permissions()
    for permission in grantable_permissions(admin_operator).select_related("content_type"):
        assert f"{permission.content_type.app_label}.{permission.codename}" in held
    assert set(grantable_groups(admin_operator).values_list("name", flat=True)) >= {
        SUPPORT_AGENT,
        BILLING_MANAGER,
        ADMINISTRATOR,
    }


def registered_deletable():
    for model, _model_admin in admin.site._registry.items():
        yield model._meta.label_lower, model


@pytest.mark.parametrize("group", [SUPPORT_AGENT, BILLING_MANAGER, ADMINISTRATOR])
def test_issue15_a_delete_post_without_delete_permission_is_403_before_any_message(
    client, group, operator
):
    """Every registered model with a row: a role without its delete permission gets 403."""
    AccountFactory(actor=operator)  # an account, its history row and an outbox event
    user = staff_in(group, "deleter")
    client.force_login(user)
    checked = []
    for label, model in registered_deletable():
        obj = model._default_manager.first()
        if obj is None or user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}"):
            continue
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[obj.pk]
        )
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 403, (label, response.status_code)
        assert model._default_manager.filter(pk=obj.pk).exists()
        checked.append(label)
    assert "accounts.account" in checked and "accounts.statuschange" in checked


def test_issue15_a_status_type_in_use_delete_post_by_a_support_agent_is_403_not_its_message(
    client,
):
    in_use = services.default_status_type("active")
    client.force_login(staff_in(SUPPORT_AGENT, "agent"))

    response = client.post(
        reverse("admin:accounts_accountstatustype_delete", args=[in_use.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert str(services.MSG_TYPE_IN_USE).split("{")[0] not in response.content.decode()


@pytest.mark.parametrize("currency", ["US", "usdd", "ZZZ", "U$D", "", " "])
def test_issue15_an_account_added_with_a_bad_currency_is_a_form_error(client, operator, currency):
    client.force_login(operator)
    data = {
        "name": "Quebec",
        "status_type": services.default_status_type("active").pk,
        "currency": currency,
        "financial_blocking_threshold": "0",
    }

    response = client.post(reverse("admin:accounts_account_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["currency"]
    assert not Account.objects.filter(name="Quebec").exists()


def test_issue15_a_lowercase_currency_is_taken_as_its_iso_code(client, operator):
    client.force_login(operator)
    data = {
        "name": "Romeo",
        "status_type": services.default_status_type("active").pk,
        "currency": "eur",
        "financial_blocking_threshold": "0",
    }

    assert client.post(reverse("admin:accounts_account_add"), data).status_code == 302
    assert Account.objects.get(name="Romeo").currency == "EUR"


def test_issue15_create_account_refuses_an_unknown_currency_with_its_domain_error(operator):
    with pytest.raises(services.InvalidAccountData, match="ISO 4217"):
        services.create_account(name="Sierra", actor=operator, currency="ZZZ")
