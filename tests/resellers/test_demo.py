"""The demo data (issue 17): two resellers with their own customers, operators and policies; the
reseller operators log in with the demo password and see their reseller's accounts only."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account, Reseller
from billing.models import DunningPolicy

pytestmark = pytest.mark.django_db


def test_r_r1_r_r2_the_demo_has_two_resellers_with_customers_operators_and_policies(client):
    call_command("seed_demo", password="demo-pass-123")
    call_command("seed_demo", password="demo-pass-123")  # idempotent
    northwind, southpaw = Reseller.objects.order_by("name")
    assert (northwind.name, southpaw.name) == ("Northwind Telecom", "Southpaw Networks")
    for reseller, username in ((northwind, "reseller-a"), (southpaw, "reseller-b")):
        policy = DunningPolicy.objects.get(reseller=reseller, is_reseller_default=True)
        accounts = Account.objects.filter(reseller=reseller)
        assert accounts.exists() and all(a.dunning_policy == policy for a in accounts)
        assert policy.steps.exists()
        operator = get_user_model().objects.get(username=username)
        assert operator.check_password("demo-pass-123") and not operator.is_superuser
        assert operator.operator_profile.reseller == reseller
        client.force_login(operator)
        page = client.get(reverse("admin:accounts_account_changelist"))
        listed = {a.number for a in page.context["cl"].result_list}
        assert listed == set(accounts.values_list("number", flat=True))
    assert Account.objects.filter(reseller__isnull=True).count() >= 10  # the provider's own
