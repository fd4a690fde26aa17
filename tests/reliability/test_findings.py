"""Bugs the reliability work found, each pinned by the rule it broke."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import Invoice
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_r_x3_a_backdated_invoice_on_an_account_in_credit_is_paid_and_never_dunned(operator):
    """Settling stopped at the first paid invoice, so an invoice issued later with an older due
    date stayed unpaid on an account in credit — and the dunning sweep suspended it (R-D1)."""
    account = AccountFactory(actor=operator)
    today = timezone.localdate()
    billing.record_payment(account, "100.00", idempotency_key="top-up", actor=operator)
    billing.issue_invoice(account, amount="10.00", billing_date=today, actor=operator)
    backdated = billing.issue_invoice(
        account, amount="5.00", billing_date=today - timedelta(days=20), actor=operator
    )
    backdated.refresh_from_db()
    assert (backdated.outstanding, backdated.paid_at is not None) == (Decimal("0.00"), True)
    dunning_sweep(today)
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert not Invoice.objects.filter(account=account, outstanding__gt=0).exists()


def test_r_b1_debt_is_carried_by_the_newest_invoices_whatever_order_they_were_issued_in(operator):
    account = AccountFactory(actor=operator)
    today = timezone.localdate()
    billing.set_financial_blocking_threshold(account, "-500.00", actor=operator)
    newest = billing.issue_invoice(account, amount="20.00", billing_date=today, actor=operator)
    oldest = billing.issue_invoice(
        account, amount="30.00", billing_date=today - timedelta(days=9), actor=operator
    )
    billing.record_payment(account, "35.00", idempotency_key="part", actor=operator)
    newest.refresh_from_db()
    oldest.refresh_from_db()
    assert (oldest.outstanding, newest.outstanding) == (Decimal("0.00"), Decimal("15.00"))
    assert oldest.paid_at is not None and newest.paid_at is None


def test_a_nul_byte_in_an_account_number_key_or_field_is_refused_not_a_500(client, operator):
    """PostgreSQL text cannot hold NUL: a query with one raised DataError, answered as a 500."""
    import json

    from accounts.api.keys import issue_service_api_key
    from tests.panel.companies import company_in

    company = company_in(S.ACTIVE, operator)
    key = issue_service_api_key("nul", actor=operator)[1]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    refused = client.get("/api/v1/accounts/%00/entitlement", **bearer)
    assert (refused.status_code, refused.json()["allowed"]) == (200, False)
    assert (
        client.get(
            "/api/v1/accounts/1/entitlement", HTTP_AUTHORIZATION="Bearer lsk_\x00.x"
        ).status_code
        == 401
    )
    usage = f"/api/v1/accounts/{company.number}/usage"
    for field in ("description", "idempotency_key"):
        body = json.dumps({"amount": "1.00", field: "a\x00b"})
        response = client.post(usage, body, content_type="application/json", **bearer)
        assert response.status_code == 400 and response.json()["error"]
    client.force_login(company.user)
    assert client.get("/panel/%00/").status_code == 404
