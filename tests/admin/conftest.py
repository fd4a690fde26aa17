"""Operators in the groups the data migration creates (DESIGN §1), and the portal's URLs."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.admin_groups import ADMINISTRATOR, BILLING_MANAGER, SUPPORT_AGENT
from tests.accounts.factories import UserFactory


def staff_in(group_name, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def support_agent(db):
    return staff_in(SUPPORT_AGENT, "agent")


@pytest.fixture
def billing_manager(db):
    return staff_in(BILLING_MANAGER, "manager")


@pytest.fixture
def administrator(db):
    return staff_in(ADMINISTRATOR, "admin-operator")


def action_url(obj, slug):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{slug}", args=[obj.pk])


def overview_url(account):
    return reverse("admin:accounts_account_overview", args=[account.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []
