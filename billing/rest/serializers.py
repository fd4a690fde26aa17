"""billing's resources' shapes: ledger entries, money postings, invoices, open items, dunning."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from accounts.rest.serializers import ModelSerializer, StatusChangeSerializer
from billing.models import Invoice, LedgerEntry, OpenItem

MAX_KEY = 80  # the header; stored as "api:<key>" in LedgerEntry.idempotency_key (100)


class LedgerEntrySerializer(ModelSerializer):
    account = serializers.CharField(source="account.number", read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    invoice = serializers.CharField(
        source="invoice.number", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "account",
            "kind",
            "amount",
            "currency",
            "balance_after",
            "description",
            "actor_kind",
            "reverses",
            "invoice",
            "created_at",
        ]
        read_only_fields = fields


class PostingInput(serializers.Serializer):
    """A charge or a refund: a positive amount and what it is for."""

    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("1e11")
    )
    description = serializers.CharField(max_length=200)


class PaymentInput(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("1e11")
    )
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    description = serializers.CharField(max_length=200, required=False, default="Payment")


class AdjustmentInput(serializers.Serializer):
    """Signed: a positive amount credits the account, a negative one debits it."""

    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("-1e11"), max_value=Decimal("1e11")
    )
    description = serializers.CharField(max_length=200)


class ReversalInput(serializers.Serializer):
    description = serializers.CharField(max_length=200, required=False, default="")


class InvoiceSerializer(ModelSerializer):
    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "amount",
            "outstanding",
            "currency",
            "description",
            "billing_date",
            "due_date",
            "paid_at",
            "created_at",
        ]
        read_only_fields = fields


class OpenItemSerializer(ModelSerializer):
    invoice = serializers.CharField(
        source="invoice.number", default=None, allow_null=True, read_only=True
    )
    kind = serializers.CharField(source="entry.kind", read_only=True)
    description = serializers.CharField(source="entry.description", read_only=True)

    class Meta:
        model = OpenItem
        fields = [
            "id",
            "kind",
            "description",
            "invoice",
            "amount",
            "settled",
            "due_date",
            "settled_at",
        ]
        read_only_fields = fields


class ConditionSerializer(serializers.Serializer):
    label = serializers.CharField()
    holds = serializers.BooleanField()
    detail = serializers.CharField()
    rule_id = serializers.CharField()


class DunningStateSerializer(serializers.Serializer):
    """R-X4: why the account is where it is, and R-CH4b: the payment that releases it."""

    on_hold = serializers.BooleanField()
    status = serializers.CharField()
    backend_status = serializers.CharField()
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    days_negative = serializers.IntegerField(allow_null=True)
    allowed_negative_days = serializers.IntegerField(allow_null=True)
    required_payment = serializers.DecimalField(max_digits=14, decimal_places=2)
    conditions = ConditionSerializer(many=True)
    actor = serializers.CharField()
    release_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    release_on = serializers.DateField(allow_null=True)
    release = serializers.CharField()


class EnableInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=120, required=False, default="Reactivated by operator"
    )
    preview = serializers.BooleanField(required=False, default=False)


class PlannedEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    description = serializers.CharField()


class EnableResult(serializers.Serializer):
    """Enable (R-D3): the reactivation fee it charges (or would) and the status change."""

    preview = serializers.BooleanField()
    entries = PlannedEntrySerializer(many=True)
    status_change = StatusChangeSerializer(allow_null=True)
