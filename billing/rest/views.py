"""billing's REST resources (issue 19), each write through billing.services (DESIGN §6): ledger
entries (and their reversal, R-D8), payments with an Idempotency-Key, charges, adjustments,
refunds, invoices, open items (R-B3) and the dunning state (R-X4, R-CH4b)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.rest.auth import api_actor
from accounts.rest.base import ACCOUNT_NUMBER, AccountNested, ReadOnly
from accounts.rest.schema import SingleObjectSchema
from accounts.rest.scopes import PAYMENTS
from billing import ladder, selectors, services
from billing.errors import IdempotencyConflict
from billing.models import EntryKind, Invoice, LedgerEntry, OpenItem

from . import serializers as s

KEY_NAMESPACE = "api:"  # API keys never collide with the panel's or the admin's
MSG_KEY_REQUIRED = _(
    "A payment needs an Idempotency-Key header (at most {limit} characters) so that a retry "
    "records it once."
)
MSG_KEY_OTHER_BODY = _(
    "The Idempotency-Key “{key}” was already used with another request body; a different "
    "payment needs a new key."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Same key and body: the first answer again; same key, other body: 409.",
)


class EntryFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=EntryKind.choices)

    class Meta:
        model = LedgerEntry
        fields: list[str] = []


@extend_schema(parameters=[ACCOUNT_NUMBER])
class LedgerEntryViewSet(AccountNested, mixins.ListModelMixin, mixins.RetrieveModelMixin, ReadOnly):
    """The account's ledger (R-B1), newest first; POST …/{id}/reverse/ corrects an entry."""

    serializer_class = s.LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()
    filterset_class = EntryFilter

    def account_queryset(self, account):
        return LedgerEntry.objects.filter(account=account).select_related("account", "invoice")

    @extend_schema(request=s.ReversalInput, responses={201: s.LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, *args, **kwargs):
        entry = self.get_object()
        data = s.ReversalInput(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.reverse_entry(
            entry, actor=api_actor(request), description=data.validated_data["description"]
        )
        return Response(s.LedgerEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class PostingViewSet(AccountNested, mixins.ListModelMixin, ReadOnly):
    """One kind of ledger entry: GET lists them, POST posts one through its service."""

    serializer_class = s.LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()
    kind = ""

    def account_queryset(self, account):
        return LedgerEntry.objects.filter(account=account, kind=self.kind)

    def write(self, request, data: dict) -> LedgerEntry:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        entry = self.write(request, data.validated_data)
        return Response(s.LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[ACCOUNT_NUMBER])
class ChargeViewSet(PostingViewSet):
    """Charges (debits) posted to the account."""

    kind, input_class = EntryKind.CHARGE, s.PostingInput

    @extend_schema(request=s.PostingInput, responses={201: s.LedgerEntrySerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def write(self, request, data):
        return services.post_charge(
            self.get_account_id(),  # the service locks and reads the row
            data["amount"],
            description=data["description"],
            actor=api_actor(request),
        )


@extend_schema(parameters=[ACCOUNT_NUMBER])
class RefundViewSet(PostingViewSet):
    """Refunds (credits) posted to the account."""

    kind, input_class = EntryKind.REFUND, s.PostingInput

    @extend_schema(request=s.PostingInput, responses={201: s.LedgerEntrySerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def write(self, request, data):
        return services.post_refund(
            self.get_account_id(),  # the service locks and reads the row
            data["amount"],
            description=data["description"],
            actor=api_actor(request),
        )


@extend_schema(parameters=[ACCOUNT_NUMBER])
class AdjustmentViewSet(PostingViewSet):
    """Signed manual adjustments (R-D8)."""

    kind, input_class = EntryKind.ADJUSTMENT, s.AdjustmentInput

    @extend_schema(request=s.AdjustmentInput, responses={201: s.LedgerEntrySerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def write(self, request, data):
        return services.post_adjustment(
            self.get_account_id(),  # the service locks and reads the row
            data["amount"],
            description=data["description"],
            actor=api_actor(request),
        )


@extend_schema(parameters=[ACCOUNT_NUMBER])
class PaymentViewSet(PostingViewSet):
    """Payments; recording one needs the `payments` scope and an Idempotency-Key header."""

    kind, input_class = EntryKind.PAYMENT, s.PaymentInput
    write_scope = PAYMENTS

    @extend_schema(
        request=s.PaymentInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.LedgerEntrySerializer},
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def write(self, request, data):
        header = request.headers.get("Idempotency-Key", "").strip()
        if not header or len(header) > s.MAX_KEY or "\x00" in header:
            raise serializers.ValidationError(
                {"Idempotency-Key": [MSG_KEY_REQUIRED.format(limit=s.MAX_KEY)]}
            )
        account_id = self.get_account_id()
        # Decided under the account's lock by the service (R-B1): same key and body → the first
        # entry, so the answer is the first answer; same key for another account or amount → it
        # refuses; another description → refused here. One message for all three, which names
        # no other account.
        try:
            entry = services.record_payment(
                account_id,
                data["amount"],
                idempotency_key=KEY_NAMESPACE + header,
                actor=api_actor(request),
                currency=data.get("currency"),
                description=data["description"],
            )
        except IdempotencyConflict:
            raise IdempotencyConflict(MSG_KEY_OTHER_BODY.format(key=header)) from None
        if entry.description != data["description"]:
            raise IdempotencyConflict(MSG_KEY_OTHER_BODY.format(key=header))
        return entry


@extend_schema(parameters=[ACCOUNT_NUMBER])
class InvoiceViewSet(AccountNested, mixins.ListModelMixin, mixins.RetrieveModelMixin, ReadOnly):
    """The account's invoices as issued, with what is still outstanding."""

    serializer_class = s.InvoiceSerializer
    queryset = Invoice.objects.none()

    def account_queryset(self, account):
        return Invoice.objects.filter(account=account)


@extend_schema(parameters=[ACCOUNT_NUMBER])
class OpenItemViewSet(AccountNested, mixins.ListModelMixin, ReadOnly):
    """Every debit as an open item with its due date and what settled it so far (R-B3)."""

    serializer_class = s.OpenItemSerializer
    queryset = OpenItem.objects.none()

    def account_queryset(self, account):
        return OpenItem.objects.filter(account=account).select_related("entry", "invoice")


@extend_schema(parameters=[ACCOUNT_NUMBER])
class DunningViewSet(AccountNested, ReadOnly):
    """Why the account is on hold (R-X4) and the payment that releases it (R-CH4b)."""

    serializer_class = s.DunningStateSerializer
    queryset = LedgerEntry.objects.none()
    pagination_class = None
    filter_backends: list = []
    schema = SingleObjectSchema()

    @extend_schema(responses=s.DunningStateSerializer)
    def list(self, request, *args, **kwargs):
        account = self.get_account()
        facts = selectors.why_on_hold(account)
        facts.required_payment = services.required_payment(account)
        return Response(s.DunningStateSerializer(facts).data)


@extend_schema(parameters=[ACCOUNT_NUMBER])
class EnableViewSet(AccountNested, ReadOnly):
    """Enable a cancelled account (R-D3): the reactivation fee, then Active; `preview` writes
    nothing and shows the fee."""

    serializer_class = s.EnableResult
    queryset = LedgerEntry.objects.none()

    @extend_schema(request=s.EnableInput, responses={200: s.EnableResult, 201: s.EnableResult})
    def create(self, request, *args, **kwargs):
        data = s.EnableInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields, account = data.validated_data, self.get_account()
        actor = api_actor(request)
        if fields["preview"]:
            entries = ladder.enable_account(account, actor=actor, preview=True)
            body = {"preview": True, "entries": entries, "status_change": None}
            return Response(s.EnableResult(body).data)
        fee = ladder.enable_account(account, actor=actor, preview=True)
        change = ladder.enable_account(account, actor=actor, reason=fields["reason"])
        body = {"preview": False, "entries": fee, "status_change": change}
        return Response(s.EnableResult(body).data, status=status.HTTP_201_CREATED)
