"""Issue 16 (1): customers open invoices and credit notes as printable documents — numbered,
dated, with the provider's and the account's details, lines and totals, and a print stylesheet;
another company's document is 404 (R-D8)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.actors import Actor
from accounts.models import BackendStatus as S
from billing import services as billing

from .companies import company_in, text, words

pytestmark = pytest.mark.django_db
PROVIDER = {
    "PROVIDER_NAME": "Fax Provider GmbH",
    "PROVIDER_ADDRESS": "Hauptstraße 1, 10115 Berlin, Germany",
    "PROVIDER_TAX_ID": "DE123456789",
}


def page(client, name, company, **kwargs):
    return client.get(reverse(f"panel:{name}", kwargs={"number": company.number, **kwargs}))


@override_settings(**PROVIDER)
def test_an_invoice_is_a_printable_document_with_both_parties_lines_and_totals(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    invoice = company.invoice
    response = page(client, "invoice", company, pk=invoice.pk)
    assert response.status_code == 200
    body, seen = text(response), words(response)
    assert 'id="print-stylesheet"' in body and "panel/css/print.css" in body
    assert "panel/js/print.js" in body
    assert f"Invoice No. {invoice.number}" in seen
    assert "Fax Provider GmbH Hauptstraße 1 10115 Berlin Germany Tax ID DE123456789" in seen
    assert f"Bill to {company.account.name} Account no. {company.number}" in seen
    assert f"Invoice date {invoice.billing_date:%-d %b %Y}" in seen
    assert f"Due date {invoice.due_date:%-d %b %Y}" in seen
    assert "Total 20.00 USD" in seen
    assert f"Amount due {invoice.outstanding} USD" in seen


@override_settings(**PROVIDER)
def test_a_credit_note_is_a_printable_document_with_its_stable_number(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    listing = words(page(client, "credit_notes", company))
    assert f"{company.credit_note}" in listing and "Goodwill 1.00 USD" in listing
    response = page(client, "credit_note", company, note=company.credit_note)
    assert response.status_code == 200
    seen = words(response)
    assert company.credit_note == f"CN-{company.number}-1"
    assert f"Credit note No. {company.credit_note}" in seen
    assert "Fax Provider GmbH" in seen
    assert f"Credited to {company.account.name} Account no. {company.number}" in seen
    assert "Goodwill" in seen and "Total credited 1.00 USD" in seen
    assert 'id="print-stylesheet"' in text(response)


def test_another_companys_credit_note_or_a_payment_keyed_like_one_is_404(client, operator):
    a = company_in(S.ACTIVE, operator)
    b = company_in(S.ACTIVE, operator)
    client.force_login(a.user)
    assert page(client, "credit_note", a, note=b.credit_note).status_code == 404
    assert page(client, "credit_note", b, note=b.credit_note).status_code == 404
    billing.record_payment(
        a.account, "3.00", actor=Actor.operator(operator), idempotency_key="CN-lookalike"
    )
    assert page(client, "credit_note", a, note="CN-lookalike").status_code == 404


def test_the_charges_page_links_to_the_credit_notes(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    body = text(page(client, "charges", company))
    assert f'href="{reverse("panel:credit_notes", args=[company.number])}"' in body
