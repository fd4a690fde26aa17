"""R-B2: a new account takes its policy's threshold and allowed negative period unless given, and
every change of P, policy or Next Payment date made in the change form is audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import lifecycle, services
from accounts.models import Account, AccountAudit
from billing.defaults import PREPAID_LOCK, STANDARD_LADDER
from billing.models import DunningPolicy
from tests.accounts.factories import AccountFactory

from .forms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(db):
    policy = DunningPolicy.objects.get(name=STANDARD_LADDER)
    policy.default_threshold = Decimal("-100")
    policy.default_allowed_negative_days = 7
    policy.save()
    return policy


def test_r_b2_a_new_account_takes_threshold_and_period_from_the_default_policy(standard, operator):
    account = services.create_account(name="Kilo", actor=operator)

    assert account.financial_blocking_threshold == Decimal("-100.00")
    assert account.allowed_negative_days == 7
    assert account.dunning_policy is None  # the default policy, by not naming one


def test_r_b2_values_given_at_creation_win_over_the_policy(standard, operator):
    account = services.create_account(
        name="Lima",
        actor=operator,
        financial_blocking_threshold=Decimal("-5"),
        allowed_negative_days=None,  # given as infinite
    )

    assert account.financial_blocking_threshold == Decimal("-5.00")
    assert account.allowed_negative_days is None


def test_r_b2_a_named_policy_gives_its_own_defaults(standard, operator):
    prepaid = DunningPolicy.objects.get(name=PREPAID_LOCK)
    prepaid.default_threshold = Decimal("-20")
    prepaid.default_allowed_negative_days = 3
    prepaid.save()

    account = services.create_account(name="Mike", actor=operator, dunning_policy=prepaid)

    assert (account.financial_blocking_threshold, account.allowed_negative_days) == (-20, 3)
    assert account.dunning_policy == prepaid


def test_r_b2_a_policy_that_is_not_a_policy_is_refused_with_a_message(operator):
    with pytest.raises(services.InvalidAccountData, match="must be a policy"):
        services.create_account(name="November", actor=operator, dunning_policy=1)


def test_r_b2_billing_registers_the_policy_defaults_provider():
    from billing import hooks

    assert hooks.account_defaults_from_policy in lifecycle._defaults_providers


def test_r_b2_a_provider_never_overrides_a_given_field(standard):
    assert "allowed_negative_days" not in lifecycle.account_defaults({"allowed_negative_days": 2})
    assert lifecycle.account_defaults({})["allowed_negative_days"] == 7


def test_r_b2_the_add_form_shows_the_policy_defaults_and_a_new_account_gets_them(
    standard, client, operator
):
    client.force_login(operator)
    url = reverse("admin:accounts_account_add")
    form = client.get(url).context["adminform"].form
    assert form["financial_blocking_threshold"].value() == Decimal("-100.00")
    assert form["allowed_negative_days"].value() == 7

    data = {
        "name": "Oscar",
        "status_type": services.default_status_type("active").pk,
        "currency": "USD",
        "financial_blocking_threshold": "-100.00",
        "allowed_negative_days": "7",
    }
    response = client.post(url, data)

    assert response.status_code == 302
    account = Account.objects.get(name="Oscar")
    assert (account.financial_blocking_threshold, account.allowed_negative_days) == (-100, 7)


def test_r_b2_the_add_form_keeps_a_threshold_the_operator_typed(standard, client, operator):
    client.force_login(operator)
    data = {
        "name": "Papa",
        "status_type": services.default_status_type("active").pk,
        "currency": "EUR",
        "financial_blocking_threshold": "-250",
        "allowed_negative_days": "7",
    }
    client.post(reverse("admin:accounts_account_add"), data)

    account = Account.objects.get(name="Papa")
    assert (account.financial_blocking_threshold, account.currency) == (Decimal("-250"), "EUR")


def test_r_b2_change_form_edits_of_period_policy_and_next_payment_date_are_audited(
    client, operator
):
    account = AccountFactory(actor=operator)
    prepaid = DunningPolicy.objects.get(name=PREPAID_LOCK)
    client.force_login(operator)
    url, data = change_form_data(
        client,
        account,
        allowed_negative_days="5",
        next_payment_date="2026-12-01",
        dunning_policy=str(prepaid.pk),
        audit_note="Customer asked for a later billing day",
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = {row.field: row for row in AccountAudit.objects.filter(account=account)}
    assert set(rows) == {"allowed_negative_days", "next_payment_date", "dunning_policy"}
    assert (rows["allowed_negative_days"].old_value, rows["allowed_negative_days"].new_value) == (
        "",
        "5",
    )
    assert rows["next_payment_date"].new_value == "2026-12-01"
    assert rows["dunning_policy"].new_value == PREPAID_LOCK
    assert all(r.actor_user == operator for r in rows.values())
    assert all(r.note == "Customer asked for a later billing day" for r in rows.values())
    account.refresh_from_db()
    assert account.next_payment_date == date(2026, 12, 1)


def test_r_b2_a_change_form_save_that_changes_nothing_writes_no_audit_row(client, operator):
    account = AccountFactory(actor=operator)
    client.force_login(operator)
    url, data = change_form_data(client, account)

    assert client.post(url, data).status_code == 302
    assert not AccountAudit.objects.filter(account=account).exists()


def test_r_b2_an_account_added_under_a_named_policy_takes_that_policys_values(
    standard, client, operator
):
    prepaid = DunningPolicy.objects.get(name=PREPAID_LOCK)
    prepaid.default_threshold = Decimal("-20")
    prepaid.default_allowed_negative_days = 3
    prepaid.save()
    client.force_login(operator)
    data = {
        "name": "Tango",
        "status_type": services.default_status_type("active").pk,
        "currency": "USD",
        "financial_blocking_threshold": "-100.00",  # as shown: the default policy's
        "allowed_negative_days": "7",
        "dunning_policy": prepaid.pk,
    }

    assert client.post(reverse("admin:accounts_account_add"), data).status_code == 302

    account = Account.objects.get(name="Tango")
    assert (account.financial_blocking_threshold, account.allowed_negative_days) == (-20, 3)
    assert account.dunning_policy == prepaid
