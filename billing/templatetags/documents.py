"""The provider's details on printable documents (invoices, credit notes): from settings."""

from django import template
from django.conf import settings
from django.utils.dateformat import format as date_format

from accounts import resellers

register = template.Library()


@register.simple_tag
def provider(account=None) -> dict:
    """Name, address lines and tax id of the provider issuing the documents, and whom the
    account's customers contact (their reseller's contact for a reseller's account, R-R1)."""
    return {
        "name": settings.PROVIDER_NAME,
        "address_lines": [line.strip() for line in settings.PROVIDER_ADDRESS.split(",")],
        "tax_id": settings.PROVIDER_TAX_ID,
        "contact": resellers.contact_for(account).described,
    }


@register.filter
def negated(amount):
    """A ledger amount as a document line shows it: a debit (negative) is a positive charge."""
    return -amount


@register.simple_tag
def invoice_summary(invoice) -> dict:
    """The invoice's dates for its header and what has been paid or credited on it."""
    return {
        "dates": [
            ("Invoice date", date_format(invoice.billing_date, "j M Y")),
            ("Due date", date_format(invoice.due_date, "j M Y")),
            ("Currency", invoice.currency),
        ],
        "paid": invoice.amount - invoice.outstanding,
    }
