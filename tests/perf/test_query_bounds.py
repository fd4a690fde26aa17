"""Issue 8, part 3–4: each page makes the same, bounded number of queries however much data
there is (3 accounts or 30, one ledger entry or sixty, one user or thirty)."""

from __future__ import annotations

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, Membership
from accounts.models import BackendStatus as S
from billing.models import LedgerEntry
from tests.accounts.factories import UserFactory
from tests.admin.conftest import overview_url

from .busy import accounts_of_every_status, busy_account, plain_account

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_account_changelist")
# session, user, the status types of the filter, the dunning policies of the policy filter
# (issue 18), the (capped) count, the page of accounts; the operator's reseller (the scope,
# R-R3) and, for a provider operator, the resellers of the reseller filter (issue 17)
LIST_QUERIES = 8
# a search also asks the search extensions (a member, an invoice number, a payment reference;
# issue 18) for account pks: one UNION
SEARCH_QUERIES = LIST_QUERIES + 1
# a list of more than one page, counted exactly, also reads its first pks in order
PAGED_LIST_QUERIES = LIST_QUERIES + 1
# the same with the operator's permissions (user and group permissions, loaded once)
LIST_QUERIES_NOT_SUPERUSER = LIST_QUERIES + 2
# session, user, statistics GROUP BY, status types, approval queue, admin log; the operator's
# reseller (the statistics' scope, R-R3, issue 17)
INDEX_QUERIES = 7
# 21 + the operator's reseller (the scope of get_object, R-R3, issue 17) + the Notices sent section
# (issue 16, R-D7: one query for the account's latest notices)
OVERVIEW_QUERIES = 23
DASHBOARD_QUERIES = 5  # session, user, the account, the account switcher, the latest entries


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


LIST_URLS = [
    CHANGELIST,
    f"{CHANGELIST}?status_type__backend_status__exact={S.CREDIT_HOLD}",
    f"{CHANGELIST}?status_type__backend_status__exact={S.ACTIVE}",
    f"{CHANGELIST}?q=0000",
    f"{CHANGELIST}?q=a",
    f"{CHANGELIST}?o=3",  # sorted by status
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_the_account_list_makes_the_same_queries_for_3_or_30_accounts(
    client, operator, url, django_assert_max_num_queries
):
    accounts_of_every_status(operator)  # seven accounts, every menu variant
    client.force_login(operator)
    few = queries(client, url)
    accounts_of_every_status(operator, per_status=4)
    with django_assert_max_num_queries(SEARCH_QUERIES if "?q=" in url else LIST_QUERIES):
        many = queries(client, url)
    assert many == few


def test_page_2_of_the_account_list_is_bounded_too(
    client, operator, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(site._registry[Account], "list_per_page", 10)
    accounts_of_every_status(operator, per_status=3)
    client.force_login(operator)
    with django_assert_max_num_queries(PAGED_LIST_QUERIES):
        response = client.get(CHANGELIST + "?p=2")
    assert response.status_code == 200
    shown = response.context["cl"].result_list
    assert len(shown) == 10 and shown[0].number == Account.objects.all()[10].number


def test_a_billing_managers_gear_menus_load_the_permissions_once(
    client, operator, billing_manager, django_assert_max_num_queries
):
    accounts_of_every_status(operator)
    client.force_login(billing_manager)
    few = queries(client, CHANGELIST)
    accounts_of_every_status(operator, per_status=4)
    with django_assert_max_num_queries(LIST_QUERIES_NOT_SUPERUSER):
        many = queries(client, CHANGELIST)
    assert many == few
    assert "Record payment…" in client.get(CHANGELIST).content.decode()


def test_the_admin_index_counts_accounts_in_one_query(
    client, operator, django_assert_max_num_queries
):
    accounts_of_every_status(operator)
    client.force_login(operator)
    few = queries(client, reverse("admin:index"))
    accounts_of_every_status(operator, per_status=4)
    with django_assert_max_num_queries(INDEX_QUERIES):
        many = queries(client, reverse("admin:index"))
    assert many == few


def test_the_overview_of_a_busy_account_makes_as_many_queries_as_a_plain_one(
    client, operator, django_assert_max_num_queries
):
    plain, busy = plain_account(operator), busy_account(operator)
    assert busy.memberships.count() == 30
    assert LedgerEntry.objects.filter(account=busy).count() >= 60
    client.force_login(operator)
    few = queries(client, overview_url(plain))
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        many = queries(client, overview_url(busy))
    assert many == few + 1  # the plain account has no subscription whose resources to read


def test_the_dashboard_makes_the_same_queries_with_60_ledger_entries_or_one(
    client, operator, django_assert_max_num_queries
):
    plain, busy = plain_account(operator), busy_account(operator, members=0)
    customer = UserFactory()
    for account in (plain, busy):
        Membership.objects.create(user=customer, account=account)
    for _ in range(10):  # a customer of many companies: the switcher is still one query
        Membership.objects.create(user=customer, account=plain_account(operator))
    client.force_login(customer)
    few = queries(client, reverse("panel:dashboard", args=[plain.number]))
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        many = queries(client, reverse("panel:dashboard", args=[busy.number]))
    assert many == few
    assert Account.objects.count() >= 12


def test_the_user_list_makes_the_same_queries_for_3_or_30_customers(
    client, operator, django_assert_max_num_queries
):
    for account in accounts_of_every_status(operator):
        Membership.objects.create(user=UserFactory(), account=account)
    client.force_login(operator)
    url = reverse("admin:auth_user_changelist")
    few = queries(client, url)
    for account in accounts_of_every_status(operator, per_status=4):
        Membership.objects.create(user=UserFactory(), account=account)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.context["cl"].full_result_count is None  # no second count of every user
