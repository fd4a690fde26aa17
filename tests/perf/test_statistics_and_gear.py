"""Account Statistics in one cached GROUP BY (R-E2), and the change list's gear menus built once
per request: the same HTML as built row by row."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin import site
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.admin import AccountAdmin
from accounts.admin_gear import GearMenuMixin
from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.selectors import STATISTICS_CACHE_KEY, account_statistics
from tests.accounts.factories import AccountFactory
from tests.accounts.states import account_in

from .busy import accounts_of_every_status

pytestmark = pytest.mark.django_db


def counts():
    return {row.backend_status: row.count for row in account_statistics()}


def test_r_e2_statistics_count_every_account_in_one_query(operator, settings):
    settings.ACCOUNT_STATISTICS_MAX_AGE = 0
    accounts_of_every_status(operator, per_status=2)
    with CaptureQueriesContext(connection) as captured:
        rows = counts()
    account_queries = [q for q in captured if '"accounts_account"' in q["sql"]]
    assert len(captured) == 2 and len(account_queries) == 1
    assert "GROUP BY" in account_queries[0]["sql"]
    assert rows[S.ACTIVE] == Account.objects.filter(status_type__backend_status=S.ACTIVE).count()


def test_r_e2_statistics_are_kept_until_a_status_change_or_their_max_age(operator, settings):
    settings.ACCOUNT_STATISTICS_MAX_AGE = 60
    cache.delete(STATISTICS_CACHE_KEY)
    account = account_in(S.ACTIVE, operator)
    assert counts()[S.ACTIVE] == 1
    with CaptureQueriesContext(connection) as captured:
        assert counts()[S.ACTIVE] == 1  # nothing changed: not counted again
    assert not [q for q in captured if "GROUP BY" in q["sql"]]
    account_in(S.ACTIVE, operator)  # issue 18: a new account or status change counts again
    assert counts()[S.ACTIVE] == 2
    services.change_status(
        account, services.default_status_type(S.SUSPENDED), actor=operator, reason="Abuse"
    )
    assert (counts()[S.ACTIVE], counts()[S.SUSPENDED]) == (1, 1)
    cache.delete(STATISTICS_CACHE_KEY)


def test_r_e2_the_sidebar_says_when_the_counts_were_taken(client, operator, settings):
    client.force_login(operator)
    settings.ACCOUNT_STATISTICS_MAX_AGE = 0
    assert 'id="statistics-age"' not in client.get(reverse("admin:index")).content.decode()
    settings.ACCOUNT_STATISTICS_MAX_AGE = 60
    cache.delete(STATISTICS_CACHE_KEY)
    page = client.get(reverse("admin:index")).content.decode()
    assert "; counted again after every status change." in page
    assert re.search(
        r'id="statistics-age">As of <time datetime="[^"]+">\d\d:\d\d:\d\d</time>', page
    )
    cache.delete(STATISTICS_CACHE_KEY)


@pytest.mark.parametrize("username", ["operator", "billing_manager", "support_agent"])
def test_each_rows_gear_menu_equals_the_menu_built_for_that_row_alone(operator, username, request):
    user = operator if username == "operator" else request.getfixturevalue(username)
    accounts = [
        *accounts_of_every_status(operator),
        AccountFactory(name='<b>"Tom & Jerry"</b> gear-row-pk-marker'),
    ]
    admin = site._registry[Account]
    assert isinstance(admin, AccountAdmin) and isinstance(admin, GearMenuMixin)
    web = RequestFactory().get("/admin/accounts/account/")
    web.user = user
    gear = admin.get_list_display(web)[-1]
    for account in accounts:
        alone = admin.gear_menu_html(admin.gear_items(web, account), account)
        assert str(gear(account)) == str(alone), account.backend_status
    tricky = str(gear(accounts[-1]))
    if username == "support_agent":  # no account action is a support agent's
        assert tricky == "—"
    else:
        assert "&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt; gear-row-pk-marker" in tricky
        assert f"/{accounts[-1].pk}/actions/" in tricky
