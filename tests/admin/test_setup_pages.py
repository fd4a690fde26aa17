"""Setup pages: Account Status Types (validated add), Status Reasons, policies with their ladder."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountStatusType, StatusReason
from accounts.models import BackendStatus as S
from billing.models import DunningPolicy
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_status_type_with_its_back_end_status_and_image(
    client, administrator
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_accountstatustype_add"),
        {
            "name": "  Paused   by request ",
            "backend_status": S.SUSPENDED,
            "image_url": "https://example.com/paused.png",
            "show_in_statistics": "on",
        },
    )
    assert response.status_code == 302
    assert AccountStatusType.objects.get(name="Paused by request").backend_status == S.SUSPENDED


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "backend_status": S.ACTIVE}, "This field is required"),
        ({"name": "X", "backend_status": "frozen"}, "Select a valid choice"),
        ({"name": "X", "backend_status": S.ACTIVE, "image_url": "not a url"}, "Enter a valid URL"),
        ({"name": "Active", "backend_status": S.ACTIVE}, "already exists"),
        ({"name": "X", "backend_status": S.ACTIVE, "is_default": "on"}, "already the default"),
    ],
)
def test_a_status_type_that_does_not_validate_is_not_saved(client, administrator, data, error):
    client.force_login(administrator)
    before = AccountStatusType.objects.count()
    response = client.post(reverse("admin:accounts_accountstatustype_add"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert AccountStatusType.objects.count() == before


def test_the_back_end_status_of_a_type_in_use_cannot_change(client, operator, administrator):
    account_in(S.CANCELLED, operator)
    used = services.default_status_type(S.CANCELLED)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_accountstatustype_change", args=[used.pk]),
        {"name": used.name, "backend_status": S.ACTIVE, "is_default": "on"},
    )
    assert "its back-end status cannot change" in response.content.decode()
    used.refresh_from_db()
    assert used.backend_status == S.CANCELLED


def test_delete_by_checkboxes_keeps_types_in_use_and_deletes_the_others(
    client, operator, administrator
):
    unused = AccountStatusType.objects.create(name="Unused", backend_status=S.SUSPENDED)
    used = services.default_status_type(S.CANCELLED)
    account_in(S.CANCELLED, operator)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_accountstatustype_changelist"),
        {"action": "delete_unused_types", "_selected_action": [unused.pk, used.pk], "post": "yes"},
        follow=True,  # "post": the confirmation page's answer (issue 18)
    )
    assert "used by 1 account" in response.content.decode()
    assert not AccountStatusType.objects.filter(pk=unused.pk).exists()
    assert AccountStatusType.objects.filter(pk=used.pk).exists()


def test_a_status_reason_is_added_with_the_back_end_statuses_it_fits(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_statusreason_add"),
        {
            "name": "Chargeback",
            "backend_statuses": [S.SUSPENDED, S.CANCELLED],
            "is_financial": "on",
        },
    )
    assert response.status_code == 302
    reason = StatusReason.objects.get(name="Chargeback")
    assert (reason.backend_statuses, reason.is_financial) == ([S.SUSPENDED, S.CANCELLED], True)


def test_a_status_reason_needs_at_least_one_back_end_status(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("admin:accounts_statusreason_add"), {"name": "Nothing fits"})
    assert response.status_code == 200
    assert not StatusReason.objects.filter(name="Nothing fits").exists()


@pytest.mark.parametrize(
    "model",
    [
        "accounts_accountstatustype",
        "accounts_statusreason",
        "billing_dunningpolicy",
        "accounts_webhookendpoint",
        "accounts_serviceapikey",
    ],
)
def test_every_setup_page_opens_for_an_administrator_and_not_for_a_support_agent_to_add(
    client, administrator, support_agent, model
):
    client.force_login(administrator)
    assert client.get(reverse(f"admin:{model}_add")).status_code == 200
    client.force_login(support_agent)
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_a_policy_page_shows_its_dunning_ladder(client, administrator):
    policy = DunningPolicy.objects.get(name="Standard ladder")
    client.force_login(administrator)
    page = client.get(reverse("admin:billing_dunningpolicy_change", args=[policy.pk]))
    assert "Closed until Paid" in page.content.decode()
    assert len(page.context["inline_admin_formsets"][0].formset.forms) == policy.steps.count()
