"""Issue 18 defect 4: deleting status types asks first; no Delete button where it is refused."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountStatusType
from accounts.models import BackendStatus as S
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_accountstatustype_changelist"


def bulk_delete(client, *types, confirmed=False):
    data = {"action": "delete_unused_types", "_selected_action": [t.pk for t in types]}
    if confirmed:
        data["post"] = "yes"
    return client.post(reverse(CHANGELIST), data, follow=True)


def test_bulk_delete_shows_a_confirmation_page_and_deletes_nothing_yet(
    client, operator, administrator
):
    unused = AccountStatusType.objects.create(name="Unused", backend_status=S.SUSPENDED)
    used = services.default_status_type(S.CANCELLED)
    account_in(S.CANCELLED, operator)
    client.force_login(administrator)
    page = bulk_delete(client, unused, used).content.decode()
    assert AccountStatusType.objects.filter(pk=unused.pk).exists()
    to_delete = page.split('id="types-to-delete"', 1)[1].split("</ul>", 1)[0]
    refused = page.split('id="types-refused"', 1)[1].split("</ul>", 1)[0]
    assert "Unused" in to_delete and used.name not in to_delete
    assert used.name in refused and "used by 1 account" in refused
    assert 'name="post" value="yes"' in page and 'id="confirm-delete"' in page


def test_confirming_deletes_the_unused_types_and_keeps_the_others(client, operator, administrator):
    unused = AccountStatusType.objects.create(name="Unused", backend_status=S.SUSPENDED)
    used = services.default_status_type(S.CANCELLED)
    account_in(S.CANCELLED, operator)
    client.force_login(administrator)
    bulk_delete(client, unused, used, confirmed=True)
    assert not AccountStatusType.objects.filter(pk=unused.pk).exists()
    assert AccountStatusType.objects.filter(pk=used.pk).exists()


def test_when_nothing_can_be_deleted_the_page_offers_no_delete_button(client, administrator):
    default = services.default_status_type(S.ACTIVE)
    client.force_login(administrator)
    page = bulk_delete(client, default).content.decode()
    assert "None of the selected status types can be deleted" in page
    assert 'id="confirm-delete"' not in page


@pytest.mark.parametrize("case", ["in use", "default", "unused"])
def test_the_change_form_offers_delete_only_where_deletion_can_succeed(
    client, operator, administrator, case
):
    if case == "in use":
        status_type = AccountStatusType.objects.create(name="Used", backend_status=S.SUSPENDED)
        account = account_in(S.ACTIVE, operator)
        services.change_status(account, status_type, actor=operator, reason="Abuse")
    elif case == "default":
        status_type = services.default_status_type(S.ACTIVE)
    else:
        status_type = AccountStatusType.objects.create(name="Spare", backend_status=S.SUSPENDED)
    client.force_login(administrator)
    url = reverse("admin:accounts_accountstatustype_change", args=[status_type.pk])
    page = client.get(url).content.decode()
    assert ('class="deletelink"' in page) == (case == "unused")
