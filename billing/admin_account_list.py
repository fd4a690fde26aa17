"""billing's pieces of the account list (issue 18; accounts/admin_list_frames.py): search by
invoice number and payment reference, the dunning policy filter, the "Apply a dunning policy"
bulk action and the ledger's CSV export of an account."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import scoping
from accounts.admin_export import CHUNK_SIZE
from accounts.admin_filters import CheckedChoiceFilter
from accounts.admin_list_frames import (
    AccountExport,
    BulkAction,
    ListFilterItem,
    SearchExtension,
    account_list,
)

from . import bulk_policy
from .models import DunningPolicy, EntryKind, Invoice, LedgerEntry
from .rest.views import KEY_NAMESPACE

APPLY_POLICY = "billing.set_financial_blocking_threshold"  # a policy brings its threshold (R-B2)


def accounts_by_invoice_number(term: str):
    """Exact invoice number (unique index); typed in lower case too ("inv-…")."""
    return Invoice.objects.filter(number__in={term, term.upper()}).values_list(
        "account_id", flat=True
    )


def accounts_by_payment_reference(term: str):
    """Exact payment reference: the payment's idempotency key as the admin, the gateway and
    the API (stored as "api:<key>") record it — the key-first unique index
    one_entry_per_idempotency_key."""
    keys = {term, f"{KEY_NAMESPACE}{term}"}
    return LedgerEntry.objects.filter(idempotency_key__in=keys, kind=EntryKind.PAYMENT).values_list(
        "account_id", flat=True
    )


class PolicyFilter(CheckedChoiceFilter):
    """The account's dunning policy; no policy named means the default one (policy_for)."""

    title = _("dunning policy")
    parameter_name = "policy"

    def lookups(self, request, model_admin):
        return [
            (str(p.pk), f"{p.name} (default)" if p.is_default else p.name)
            for p in scoping.scope(DunningPolicy.objects.order_by("name"), request.user)
        ]

    def queryset(self, request, queryset):
        value = self.choice(request)
        if value is None:
            return queryset
        policy = (
            scoping.scope(DunningPolicy.objects.all(), request.user).filter(pk=int(value)).first()
        )
        if policy is None:  # R-R3: another reseller's policy is no choice of this operator
            return queryset.none()
        if policy.is_default:
            return queryset.filter(dunning_policy__in=[policy]) | queryset.filter(
                dunning_policy__isnull=True
            )
        return queryset.filter(dunning_policy=policy)


class ApplyPolicyForm(forms.Form):
    policy = forms.ModelChoiceField(
        DunningPolicy.objects.order_by("name"), label=_("Dunning policy")
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=500, widget=forms.Textarea({"rows": 2})
    )


LEDGER_HEADER = (
    "Posted",
    "Kind",
    "Description",
    "Amount",
    "Currency",
    "Balance after",
    "Invoice",
    "Reference",
    "By",
    "Operator",
    "Reverses entry",
    "Entry",
)


def ledger_rows(account):
    """The account's ledger oldest first, a chunk at a time (index ledger_account_time)."""
    return (
        LedgerEntry.objects.filter(account=account)
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "kind",
            "description",
            "amount",
            "currency",
            "balance_after",
            "invoice__number",
            "idempotency_key",
            "actor_kind",
            "actor_user__username",
            "reverses_id",
            "id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


account_list.search.register(
    SearchExtension("invoice", 20, "an invoice number (exact)", accounts_by_invoice_number),
    SearchExtension("payment", 30, "a payment reference (exact)", accounts_by_payment_reference),
)
account_list.filters.register(ListFilterItem("policy", 20, PolicyFilter))
account_list.bulk.register(
    BulkAction(
        "apply-policy", 30, "Apply a dunning policy…", APPLY_POLICY, ApplyPolicyForm,
        bulk_policy.preview_policy, bulk_policy.perform_policy,
        intro="Each account takes the policy with its threshold and allowed negative period "
        "(R-B2); a threshold above the balance puts an Active account on Credit hold (R-CH3). "
        "Every change is audited with your reason.",
    )
)  # fmt: skip
account_list.exports.register(
    AccountExport(
        "ledger", 10, "Ledger (CSV)", "billing.view_ledgerentry",
        lambda account: f"ledger-{account.number}.csv", LEDGER_HEADER, ledger_rows,
    )
)  # fmt: skip
