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
