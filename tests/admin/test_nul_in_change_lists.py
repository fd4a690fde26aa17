"""Issue 15 item 10 (admin part): a NUL byte in any change list's filter, search, ordering, page or
date parameter is a 400 with a message, never a 500 — every registered change list, generated
from `admin.site._registry`, so a new one is covered from its first commit."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin_guards import MSG_NUL_IN_PARAMETER, has_nul
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"


def changelists():
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield f"{opts.app_label}.{opts.model_name}", model_admin


def parameters(model_admin, superuser):
    """Every parameter the change list reads: its filters' own, search, ordering, page, dates."""
    request = RequestFactory().get("/")
    request.user = superuser
    names = {"q", "o", "p", "e", "all", "_to_field", f"x{NUL}"}
    for spec in model_admin.get_changelist_instance(request).filter_specs:
        names.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


@pytest.mark.parametrize(("label", "model_admin"), list(changelists()), ids=lambda v: str(v))
def test_issue15_a_nul_in_any_change_list_parameter_is_a_400_never_a_500(
    client, operator, label, model_admin
):
    AccountFactory(actor=operator)  # rows to filter, with history and an outbox event
    client.force_login(operator)
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(url).status_code == 200

    for name in parameters(model_admin, operator):
        for value in (NUL, f"1{NUL}", f"a{NUL}b"):
            response = client.get(url, {name: value})  # a 500 raises here
            assert response.status_code == 400, (label, name, response.status_code)
            assert str(MSG_NUL_IN_PARAMETER) in response.content.decode()


def test_issue15_the_guard_reads_names_and_every_value():
    from django.http import QueryDict

    assert has_nul(QueryDict("q=a%00"))
    assert has_nul(QueryDict("a%00=1"))
    assert has_nul(QueryDict("q=ok&q=%00"))
    assert not has_nul(QueryDict("q=ok&o=1.2"))


def test_issue15_the_overview_and_gear_pages_refuse_a_nul_too(client, operator):
    account = AccountFactory(actor=operator)
    client.force_login(operator)

    response = client.get(
        reverse("admin:accounts_account_overview", args=[account.pk]), {"next": NUL}
    )

    assert response.status_code == 400
