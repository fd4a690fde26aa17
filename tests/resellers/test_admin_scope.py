"""R-R3 in the operator portal: reseller operators see and act on their reseller's objects only;
provider operators see all and filter by reseller; R-R1 moving an account is an audited gear item."""

import pytest
from django.urls import reverse

from accounts.models import AccountAudit
from tests.admin.conftest import action_url, overview_url

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_account_changelist"


def listed_numbers(client, user, url_name=CHANGELIST, query=""):
    client.force_login(user)
    response = client.get(reverse(url_name) + query)
    assert response.status_code == 200
    return {row.number for row in response.context["cl"].result_list}


def test_r_r3_a_reseller_operator_lists_only_their_resellers_accounts(
    client, side_a, side_b, own_account
):
    assert listed_numbers(client, side_a.operator) == {side_a.account.number}


def test_r_r3_a_reseller_operators_search_finds_nothing_of_another_reseller(client, side_a, side_b):
    query = f"?q={side_b.account.number}"
    assert listed_numbers(client, side_a.operator, query=query) == set()


def test_r_r3_a_provider_operator_lists_every_account_and_filters_by_reseller(
    client, provider_operator, side_a, side_b, own_account
):
    everyone = {side_a.account.number, side_b.account.number, own_account.number}
    assert listed_numbers(client, provider_operator) == everyone
    query = f"?reseller__id__exact={side_b.reseller.pk}"
    assert listed_numbers(client, provider_operator, query=query) == {side_b.account.number}


def test_r_r3_another_resellers_account_is_a_404_on_every_page_of_it(client, side_a, side_b):
    client.force_login(side_a.operator)
    account = side_b.account
    for url in (
        overview_url(account),
        reverse("admin:accounts_account_change", args=[account.pk]),
        reverse("admin:accounts_account_history", args=[account.pk]),
        reverse("admin:accounts_account_delete", args=[account.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(action_url(account, "change-status")).status_code == 404


def test_r_r3_an_id_that_does_not_exist_is_the_same_404(client, side_a):
    client.force_login(side_a.operator)
    response = client.get(reverse("admin:accounts_account_change", args=[987654321]))
    assert response.status_code == 404


def test_r_r3_a_reseller_operator_opens_their_own_accounts_overview(client, side_a):
    client.force_login(side_a.operator)
    response = client.get(overview_url(side_a.account))
    assert response.status_code == 200
    assert "orders@reseller-a.example" in response.content.decode()


def test_r_r3_reference_data_is_read_only_for_reseller_operators(client, side_a):
    client.force_login(side_a.operator)
    assert client.get(reverse("admin:accounts_accountstatustype_add")).status_code == 403
    assert client.get(reverse("admin:accounts_accountstatustype_changelist")).status_code == 200


def test_r_r3_a_reseller_operators_policies_are_their_own(client, side_a, side_b):
    client.force_login(side_a.operator)
    response = client.get(reverse("admin:billing_dunningpolicy_changelist"))
    names = {p.name for p in response.context["cl"].result_list}
    assert names == {"Reseller A ladder"}


def test_r_r1_a_provider_operator_moves_an_account_with_a_reason(
    client, provider_operator, side_a, side_b
):
    client.force_login(provider_operator)
    url = action_url(side_a.account, "move-reseller")
    response = client.post(
        url, {"_step": "confirm", "reseller": side_b.reseller.pk, "reason": "Transfer"}
    )
    assert response.status_code == 302
    side_a.account.refresh_from_db()
    assert side_a.account.reseller == side_b.reseller
    assert AccountAudit.objects.filter(field="reseller", note="Transfer").exists()


def test_r_r1_the_move_item_is_not_offered_to_reseller_operators(client, side_a):
    client.force_login(side_a.operator)
    response = client.get(overview_url(side_a.account))
    assert "move-reseller" not in response.content.decode()


def test_r_r3_a_bulk_action_posted_with_another_resellers_id_touches_nothing(
    client, side_a, side_b
):
    client.force_login(side_a.operator)
    client.post(
        reverse(CHANGELIST),
        {"action": "exempt_from_dunning", "_selected_action": [side_b.account.pk]},
    )
    side_b.account.refresh_from_db()
    assert side_b.account.dunning_exempt is False


def test_r_r3_a_user_a_reseller_operator_adds_is_their_resellers(client, side_a):
    from django.contrib.auth import get_user_model

    client.force_login(side_a.operator)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "new-agent",
            "password1": "x-Very-long-pw-42",
            "password2": "x-Very-long-pw-42",
        },
    )
    assert response.status_code == 302, response.content[:300]
    user = get_user_model().objects.get(username="new-agent")
    assert user.operator_profile.reseller == side_a.reseller
    assert client.get(reverse("admin:auth_user_change", args=[user.pk])).status_code == 200


def test_r_r3_a_provider_operator_who_is_also_a_member_is_not_in_a_resellers_users(
    client, side_a, provider_operator
):
    from tests.accounts.factories import MembershipFactory

    MembershipFactory(user=provider_operator, account=side_a.account)
    client.force_login(side_a.operator)
    url = reverse("admin:auth_user_change", args=[provider_operator.pk])
    assert client.get(url).status_code == 404


def test_r_r2_a_reseller_operators_add_form_shows_and_gives_their_resellers_defaults(
    client, side_a
):
    client.force_login(side_a.operator)
    url = reverse("admin:accounts_account_add")
    form = client.get(url).context["adminform"].form
    assert (
        form.initial["financial_blocking_threshold"]
        == side_a.reseller.default_financial_blocking_threshold
    )
    assert form.initial["dunning_policy"] == side_a.policy.pk
    data = {
        "name": "Added Ltd",
        "status_type": form.initial["status_type"].pk
        if hasattr(form.initial.get("status_type"), "pk")
        else form.fields["status_type"].initial.pk,
        "currency": "USD",
        "financial_blocking_threshold": "-20.00",
        "allowed_negative_days": "10",
        "dunning_policy": side_a.policy.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    from accounts.models import Account

    added = Account.objects.get(name="Added Ltd")
    assert (added.reseller, added.dunning_policy) == (side_a.reseller, side_a.policy)
