"""Issue 18 defect 7: an account's admin "History" page shows its domain history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from billing import services as billing
from tests.accounts.states import account_in
from tests.subscriptions.factories import funded_account

pytestmark = pytest.mark.django_db


def history_url(account):
    return reverse("admin:accounts_account_history", args=[account.pk])


def test_the_history_page_lists_status_changes_ledger_entries_and_audit_rows_newest_first(
    client, operator, billing_manager
):
    account = funded_account(operator)
    op = Actor.operator(operator)
    billing.post_usage(account, "3.00", description="Fax pages, first", actor=op)
    billing.post_usage(account, "4.00", description="Fax pages, second", actor=op)
    for target in (S.SUSPENDED, S.ACTIVE):
        services.change_status(
            account, services.default_status_type(target), actor=operator, reason="Abuse"
            if target == S.SUSPENDED else "Status relabelled",
        )  # fmt: skip
    services.set_dunning_exemption(account, exempt=True, actor=operator)
    client.force_login(billing_manager)
    page = client.get(history_url(account)).content.decode()

    assert "doesn’t have a change history" not in page
    history = page.split('id="overview-history"', 1)[1].split("</table>", 1)[0]
    targets = re.findall(r'<span class="status-pill status-([a-z_]+)">', history)
    assert targets[:2] == [S.ACTIVE, S.SUSPENDED]  # newest first
    ledger = page.split('id="overview-ledger"', 1)[1].split("</table>", 1)[0]
    assert ledger.index("Fax pages, second") < ledger.index("Fax pages, first")
    assert 'id="overview-audit"' in page and "dunning_exempt" in page


def test_the_history_page_costs_the_same_queries_for_a_long_history(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    op = Actor.operator(operator)
    client.force_login(billing_manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(history_url(account)).status_code == 200
        return len(captured)

    billing.post_usage(account, "1.00", description="one", actor=op)
    few = queries()
    for n in range(30):
        billing.post_usage(account, "1.00", description=f"usage {n}", actor=op)
    assert queries() == few  # bounded: the newest rows only
