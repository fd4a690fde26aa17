"""billing's resources in the REST API (issue 19), registered in accounts' frame, and the HTTP
status of billing's domain errors."""

from rest_framework import fields, status

from accounts.rest import registry
from accounts.rest.base import ACCOUNT_PREFIX
from billing import errors, services

from . import views

A = ACCOUNT_PREFIX
registry.register(f"{A}/ledger-entries", views.LedgerEntryViewSet, "ledger-entry", order=30)
registry.register(f"{A}/payments", views.PaymentViewSet, "payment", order=30)
registry.register(f"{A}/charges", views.ChargeViewSet, "charge", order=30)
registry.register(f"{A}/adjustments", views.AdjustmentViewSet, "adjustment", order=30)
registry.register(f"{A}/refunds", views.RefundViewSet, "refund", order=30)
registry.register(f"{A}/invoices", views.InvoiceViewSet, "invoice", order=30)
registry.register(f"{A}/open-items", views.OpenItemViewSet, "open-item", order=30)
registry.register(f"{A}/dunning", views.DunningViewSet, "dunning", order=30)
registry.register(f"{A}/enable", views.EnableViewSet, "enable", order=30)

registry.register_error(errors.IdempotencyConflict, status.HTTP_409_CONFLICT)
registry.register_error(errors.AlreadyReversed, status.HTTP_409_CONFLICT)
registry.register_error(errors.AccountDeleted, status.HTTP_409_CONFLICT)
registry.register_error(errors.UnknownAccount, status.HTTP_404_NOT_FOUND)


def _write_threshold(account, value, actor) -> None:
    services.set_financial_blocking_threshold(account, value, actor=actor)  # R-CH3


registry.register_account_field(
    "financial_blocking_threshold",
    lambda: fields.DecimalField(max_digits=14, decimal_places=2, required=False),
    _write_threshold,
)


# OpenAPI links: a new account can be paid and charged; a charge can be reversed.
NEW = {"account_number": "$response.body#/number"}
registry.register_link("accounts_create", "201", "RecordPayment", "accounts_payments_create", **NEW)
registry.register_link("accounts_create", "201", "PostCharge", "accounts_charges_create", **NEW)
registry.register_link(
    "accounts_charges_create",
    "201",
    "ReverseCharge",
    "accounts_ledger_entries_reverse_create",
    account_number="$request.path.account_number",
    id="$response.body#/id",
)
