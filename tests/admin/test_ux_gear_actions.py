"""Issue 18, defects 2, 3 and 9 at the HTTP level: where an action returns, which statuses
"Change status…" offers and why, and the action page's buttons."""

import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.admin_forms import WHY_AUTOMATIC, WHY_NEVER_PROSPECT, why_not_offered
from accounts.models import AccountStatusType, StatusReason
from accounts.models import BackendStatus as S
from accounts.transitions import TABLE
from tests.accounts.states import account_in

from .conftest import action_url, overview_url

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_account_changelist"


def suspend_from(client, account, referer):
    return client.post(
        action_url(account, "suspend"),
        {
            "_step": "confirm",
            "status_type": services.default_status_type(S.SUSPENDED).pk,
            "reason": StatusReason.objects.get(name="Abuse").pk,
        },
        HTTP_REFERER=referer,
    )


def test_an_action_started_from_the_account_list_returns_to_the_accounts_overview(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    response = suspend_from(client, account, "http://testserver" + reverse(CHANGELIST))
    assert response.status_code == 302
    assert response["Location"] == overview_url(account)


def test_an_action_started_from_the_accounts_change_page_returns_there(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    change = reverse("admin:accounts_account_change", args=[account.pk])
    client.force_login(billing_manager)
    response = suspend_from(client, account, "http://testserver" + change)
    assert response["Location"] == "http://testserver" + change


def test_an_action_never_returns_to_another_accounts_page_or_an_action_url(
    client, operator, billing_manager
):
    account, other = account_in(S.ACTIVE, operator), account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    for referer in (overview_url(other), action_url(account, "suspend"), "https://evil.test/"):
        account = account_in(S.ACTIVE, operator)
        response = suspend_from(client, account, referer)
        assert response["Location"] == overview_url(account), referer


def test_the_form_page_carries_the_overview_as_its_way_back(client, operator, billing_manager):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    page = client.post(
        action_url(account, "change-status"),
        HTTP_REFERER="http://testserver" + reverse(CHANGELIST),
    ).content.decode()
    assert f'name="next" value="{overview_url(account)}"' in page
    assert re.search(r'<a href="[^"]*" class="portal-back" id="action-back">Back</a>', page)
    assert ">Cancel<" not in page


def offered_statuses(client, account):
    page = client.post(action_url(account, "change-status")).content.decode()
    select = page.split('name="status_type"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'data-backend="([a-z_]+)"', select)), page


@pytest.mark.parametrize("current", [s for s in S if s != S.DELETED])
def test_change_status_offers_exactly_what_the_transition_table_lets_an_operator_do(
    client, operator, billing_manager, current
):
    account = account_in(current, operator)
    client.force_login(billing_manager)
    offered, page = offered_statuses(client, account)
    present = set(AccountStatusType.objects.values_list("backend_status", flat=True))
    others = AccountStatusType.objects.exclude(pk=account.status_type_id)
    candidates = set(others.values_list("backend_status", flat=True))
    expected = {t for t in candidates if why_not_offered(current, t) is None}
    assert offered == expected
    for target in present - expected - {current}:
        assert str(S(target).label) in page.split("Not offered:", 1)[1].split("</div>", 1)[0]


def test_from_active_credit_hold_and_prospect_are_missing_with_one_line_saying_why(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    offered, page = offered_statuses(client, account)
    assert S.CREDIT_HOLD not in offered and S.PROSPECT not in offered
    assert {S.SUSPENDED, S.ADMINISTRATIVE_HOLD, S.CANCELLED, S.DELETED} <= offered
    assert f"Credit hold ({WHY_AUTOMATIC})" in page
    assert f"Prospect ({WHY_NEVER_PROSPECT})" in page


def test_every_refused_pair_has_a_reason_and_every_allowed_pair_none():
    for current in S:
        for target in S:
            allowed = TABLE.get((current, target))
            by_operator = allowed is not None and "operator" in allowed.actors
            by_operator = by_operator and not allowed.only_rules
            assert (why_not_offered(current, target) is None) == by_operator, (current, target)


def test_the_cancel_preview_names_its_buttons_apart(client, operator, billing_manager):
    account = account_in(S.ACTIVE, operator)
    client.force_login(billing_manager)
    page = client.post(
        action_url(account, "cancel"),
        {"_step": "preview", "option": "immediately_no_refund",
         "reason": StatusReason.objects.get(name="Customer request").pk},
    ).content.decode()  # fmt: skip
    assert 'class="button default" id="action-confirm">Confirm: Cancel account</button>' in page
    assert 'id="action-change">Change</button>' in page
    assert 'id="action-back">Back</a>' in page
    assert ">Cancel<" not in page


def test_a_scheduled_change_is_withdrawn_not_cancelled_on_the_overview(
    client, operator, billing_manager
):
    from datetime import timedelta

    from django.utils import timezone

    account = account_in(S.ACTIVE, operator)
    services.schedule_status_change(
        account,
        services.default_status_type(S.SUSPENDED),
        reason=StatusReason.objects.get(name="Customer request"),
        effective_on=timezone.localdate() + timedelta(days=3),
        actor=operator,
    )
    client.force_login(billing_manager)
    page = client.get(overview_url(account)).content.decode()
    assert ">Withdraw scheduled change</button>" in page
    assert ">Cancel</button>" not in page
