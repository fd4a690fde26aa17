"""The admin's estimated-count paginator: exact below ADMIN_EXACT_COUNT_LIMIT, the planner's
estimate above it (PostgreSQL), and the change list says "about" when it estimates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import admin_paging
from accounts.admin_paging import EstimatedCountPaginator
from accounts.models import Account
from accounts.models import BackendStatus as S
from tests.accounts.factories import AccountFactory

from .busy import accounts_of_every_status

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_account_changelist")


def test_below_the_limit_the_count_is_exact(operator, settings):
    settings.ADMIN_EXACT_COUNT_LIMIT = 100
    accounts_of_every_status(operator, per_status=2)
    paginator = EstimatedCountPaginator(Account.objects.all(), 5)
    assert paginator.count == Account.objects.count() == 14
    assert paginator.count_is_estimated is False
    assert paginator.num_pages == 3


def test_exactly_at_the_limit_the_count_is_still_exact(operator, settings):
    accounts_of_every_status(operator)
    settings.ADMIN_EXACT_COUNT_LIMIT = Account.objects.count()
    paginator = EstimatedCountPaginator(Account.objects.all(), 5)
    assert (paginator.count, paginator.count_is_estimated) == (7, False)


@pytest.mark.postgres
def test_above_the_limit_the_count_is_the_planners_estimate(operator, settings, on_postgres):
    settings.ADMIN_EXACT_COUNT_LIMIT = 5
    accounts_of_every_status(operator, per_status=4)  # 28 accounts
    queryset = Account.objects.filter(status_type__backend_status__in=list(S))
    estimate = admin_paging.planner_estimate(queryset)
    paginator = EstimatedCountPaginator(queryset, 2)
    assert paginator.count_is_estimated is False  # not asked yet
    assert paginator.count == max(estimate, 6)  # never below what the capped count saw
    assert paginator.count_is_estimated is True
    assert queryset.count() == 28  # what an exact count would have said
    few = EstimatedCountPaginator(queryset.filter(status_type__backend_status=S.ACTIVE), 2)
    assert (few.count, few.count_is_estimated) == (4, False)


@pytest.mark.parametrize(
    "ordering", [("number",), ("-name", "number"), ("status_type__name", "-pk")]
)
def test_exactly_counted_pages_served_by_pk_equal_the_plain_slices(operator, settings, ordering):
    settings.ADMIN_EXACT_COUNT_LIMIT = 100
    accounts_of_every_status(operator, per_status=3)  # 21 accounts: pages of 5, 5, 5, 5, 1
    queryset = Account.objects.select_related("status_type").order_by(*ordering)
    paginator = EstimatedCountPaginator(queryset, 5)
    pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
    assert [len(page) for page in pages] == [5, 5, 5, 5, 1]
    assert [a.pk for page in pages for a in page] == list(queryset.values_list("pk", flat=True))


@pytest.mark.postgres
def test_estimated_pages_are_full_plain_slices(operator, settings, monkeypatch, on_postgres):
    settings.ADMIN_EXACT_COUNT_LIMIT = 5
    accounts_of_every_status(operator, per_status=2)
    queryset = Account.objects.order_by("number")
    paginator = EstimatedCountPaginator(queryset, 4)
    assert paginator.count >= 6 and paginator.count_is_estimated is True
    assert list(paginator.page(2).object_list) == list(queryset[4:8])
    monkeypatch.setattr(admin_paging, "planner_estimate", lambda queryset: 1)  # far too low
    low = EstimatedCountPaginator(queryset, 4)
    assert (low.count, low.num_pages) == (6, 2)
    assert list(low.page(2).object_list) == list(queryset[4:8])  # a full page all the same


def test_without_a_planner_estimate_the_count_is_exact_above_the_limit(
    operator, settings, monkeypatch
):
    settings.ADMIN_EXACT_COUNT_LIMIT = 5
    monkeypatch.setattr(admin_paging, "planner_estimate", lambda queryset: None)
    accounts_of_every_status(operator, per_status=2)
    paginator = EstimatedCountPaginator(Account.objects.all(), 5)
    assert (paginator.count, paginator.count_is_estimated) == (14, False)


def test_a_plain_list_is_counted_as_a_list(settings):
    settings.ADMIN_EXACT_COUNT_LIMIT = 1
    paginator = EstimatedCountPaginator(list(range(7)), 5)
    assert (paginator.count, paginator.count_is_estimated) == (7, False)


@pytest.mark.postgres
def test_the_account_list_says_about_when_it_estimates(client, operator, settings, on_postgres):
    settings.ADMIN_EXACT_COUNT_LIMIT = 5
    accounts_of_every_status(operator, per_status=2)
    client.force_login(operator)
    response = client.get(CHANGELIST)
    page = response.content.decode()
    cl = response.context["cl"]
    assert cl.paginator.count_is_estimated is True
    assert f"about {cl.result_count}" in page
    assert cl.full_result_count is None  # show_full_result_count = False: no second count
    for i in range(6):
        AccountFactory(name=f"Searchable Fax Co {i}")
    searched = client.get(CHANGELIST, {"q": "fax co"})
    assert searched.context["cl"].paginator.count_is_estimated is True
    assert "about " in searched.content.decode()


def test_the_account_list_gives_the_exact_count_below_the_limit(client, operator):
    accounts_of_every_status(operator)
    client.force_login(operator)
    response = client.get(CHANGELIST)
    page = response.content.decode()
    assert response.context["cl"].result_count == 7
    assert "about 7" not in page and "7 accounts" in page
