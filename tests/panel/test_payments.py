"""Top-up and the payment gateway: exact amounts, signed references, one payment per reference."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import BackendStatus as S
from billing.gateway import (
    MSG_BAD_REFERENCE,
    MSG_EXPIRED_REFERENCE,
    MSG_OTHER_USER,
    PaymentError,
    TestGateway,
    get_gateway,
)
from billing.models import EntryKind, LedgerEntry
from tests.accounts.factories import UserFactory

from .companies import company_in, text

pytestmark = pytest.mark.django_db
D = Decimal


def payments(account):
    return list(
        LedgerEntry.objects.filter(account=account, kind=EntryKind.PAYMENT)
        .order_by("pk")
        .values_list("amount", flat=True)
    )


def test_the_setting_chooses_the_test_gateway_by_default():
    assert isinstance(get_gateway(), TestGateway)


def test_a_top_up_starts_a_payment_for_exactly_the_amount_typed(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    start = client.post(reverse("panel:pay", args=[company.number]), {"amount": " 12.30 "})
    assert start.status_code == 302
    reference = start["Location"].rstrip("/").rsplit("/", 1)[1]
    intent = TestGateway().describe(reference)
    assert (intent.amount, intent.currency, intent.account_id) == (
        D("12.30"),
        "USD",
        company.account.pk,
    )
    assert payments(company.account) == [D("500.00")]  # nothing recorded before confirming


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "The amount “abc” is not a number."),
        ("10.001", "The amount 10.001 has more than 2 decimal places."),
        ("-5", "The amount must be greater than zero."),
        ("0", "The amount must be greater than zero."),
        ("", "This field is required."),
    ],
)
def test_a_bad_top_up_amount_is_refused_with_a_message(client, operator, amount, message):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.post(reverse("panel:pay", args=[company.number]), {"amount": amount})
    assert response.status_code == 400
    assert message in text(response)


def test_confirming_twice_records_one_payment(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    intent = TestGateway().start_payment(company.account, "7.00", user=company.user)
    url = intent.redirect_url
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert payments(company.account) == [D("500.00"), D("7.00")]


def test_a_tampered_reference_is_refused_and_records_nothing(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    intent = TestGateway().start_payment(company.account, "7.00", user=company.user)
    forged = intent.reference[:-3] + ("AAA" if not intent.reference.endswith("AAA") else "BBB")
    url = reverse("panel:test_gateway", args=[company.number, forged])
    response = client.post(url)
    assert response.status_code == 400 and str(MSG_BAD_REFERENCE) in text(response)
    assert payments(company.account) == [D("500.00")]


def test_an_expired_payment_link_says_so(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    intent = TestGateway().start_payment(company.account, "7.00", user=company.user)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        response = client.post(intent.redirect_url)
    assert response.status_code == 400 and str(MSG_EXPIRED_REFERENCE) in text(response)
    assert payments(company.account) == [D("500.00")]


def test_another_members_payment_link_is_not_found_and_the_gateway_refuses_it(client, operator):
    company = company_in(S.ACTIVE, operator)
    colleague = UserFactory()
    company.account.memberships.create(user=colleague)
    intent = TestGateway().start_payment(company.account, "7.00", user=company.user)
    client.force_login(colleague)
    assert client.post(intent.redirect_url).status_code == 404
    with pytest.raises(PaymentError) as refused:
        TestGateway().confirm_payment(intent.reference, user=colleague)
    assert refused.value.message == str(MSG_OTHER_USER)
    assert payments(company.account) == [D("500.00")]


def test_r_ch5_a_payment_below_the_required_amount_keeps_the_hold(client, operator):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    start = client.post(reverse("panel:pay", args=[company.number]), {"amount": "42.49"})
    client.post(start["Location"])
    company.account.refresh_from_db()
    assert company.account.backend_status == S.CREDIT_HOLD
    body = text(client.get(reverse("panel:dashboard", args=[company.number])))
    assert "Pay 0.01 USD now" in body  # R-CH6: the banner follows the new required amount
