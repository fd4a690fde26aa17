"""The plain admin: models registered, deletion of used types refused with the count."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Account, AccountStatusType, StatusChange
from accounts.models import BackendStatus as S
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["account", "accountstatustype", "statusreason", "membership", "statuschange"]
)
def test_every_accounts_model_has_an_admin_list(model, client, operator):
    client.force_login(operator)
    assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200


def test_admin_delete_of_a_used_type_is_refused_with_the_count(client, operator):
    used = AccountStatusType.objects.create(name="Paused", backend_status=S.SUSPENDED)
    account = AccountFactory(actor=operator)
    services.change_status(account, used, actor=operator, reason="Abuse")
    client.force_login(operator)
    response = client.get(
        reverse("admin:accounts_accountstatustype_delete", args=[used.pk]), follow=True
    )
    assert "used by 1 account" in response.content.decode()
    response = client.post(
        reverse("admin:accounts_accountstatustype_changelist"),
        {"action": "delete_unused_types", "_selected_action": [used.pk]},
        follow=True,
    )
    assert "used by 1 account" in response.content.decode()
    assert AccountStatusType.objects.filter(pk=used.pk).exists()


def test_admin_add_account_goes_through_the_service_and_writes_history(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_account_add"),
        {
            "name": "Admin-made",
            "status_type": services.default_status_type(S.ACTIVE).pk,
            "currency": "USD",
            "financial_blocking_threshold": "0",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(name="Admin-made")
    assert StatusChange.objects.filter(account=account, actor_user=operator).count() == 1


def test_admin_add_account_offers_only_active_or_prospect(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_account_add"),
        {
            "name": "Held",
            "status_type": services.default_status_type(S.CREDIT_HOLD).pk,
            "currency": "USD",
            "financial_blocking_threshold": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Account.objects.filter(name="Held").exists()
