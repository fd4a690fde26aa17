"""Plans and an account's subscriptions through subscriptions.services (DESIGN §6): `order` and
`cancel(option, on_date, preview)`; a preview writes nothing and shows the ledger entries (R-X5)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.rest.auth import api_actor
from accounts.rest.base import ACCOUNT_NUMBER, AccountNested, ReadOnly
from accounts.rest.serializers import ModelSerializer
from billing.rest.serializers import PlannedEntrySerializer
from subscriptions import services
from subscriptions.models import Plan, Subscription


class PlanSerializer(ModelSerializer):
    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "service",
            "price",
            "currency",
            "period_months",
            "billing_model",
            "pay_as_you_go",
            "trial_allowed",
            "trial_days",
            "on_credit_hold",
            "orderable",
        ]
        read_only_fields = fields


class SubscriptionSerializer(ModelSerializer):
    plan = serializers.CharField(source="plan.name", read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "plan",
            "status",
            "trial",
            "auto_renew",
            "price",
            "period_start",
            "period_end",
            "next_billing_date",
            "cancel_on",
            "cancel_option",
            "created_at",
        ]
        read_only_fields = fields


class OrderInput(serializers.Serializer):
    plan = serializers.CharField(max_length=120, help_text="The plan's name.")
    trial = serializers.BooleanField(required=False, default=False)


class CancelInput(serializers.Serializer):
    option = serializers.ChoiceField(choices=services.CANCEL_OPTIONS)
    on_date = serializers.DateField(required=False, allow_null=True, default=None)
    preview = serializers.BooleanField(required=False, default=False)


class CancelResult(serializers.Serializer):
    preview = serializers.BooleanField()
    entries = PlannedEntrySerializer(many=True)
    effective_on = serializers.DateField(allow_null=True)
    scheduled = serializers.BooleanField()
    subscription = SubscriptionSerializer(allow_null=True)


def _entry(entry) -> dict:
    """A planned or written entry as kind, signed amount and description."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    return {
        "kind": get("kind"),
        "amount": Decimal(get("amount")),
        "description": get("description"),
    }


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ReadOnly):
    """The plans an account can order."""

    serializer_class = PlanSerializer
    queryset = Plan.objects.all()


@extend_schema(parameters=[ACCOUNT_NUMBER])
class SubscriptionViewSet(
    AccountNested, mixins.ListModelMixin, mixins.RetrieveModelMixin, ReadOnly
):
    """An account's subscriptions: POST orders one (R-CH8 refusals → 409); …/{id}/cancel/ cancels."""

    serializer_class = SubscriptionSerializer

    queryset = Subscription.objects.none()

    def account_queryset(self, account):
        return Subscription.objects.filter(account=account).select_related("plan")

    @extend_schema(request=OrderInput, responses={201: SubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        sub = services.order(
            self.get_account(),
            data.validated_data["plan"],
            actor=api_actor(request),
            trial=data.validated_data["trial"],
        )
        return Response(SubscriptionSerializer(sub).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CancelInput, responses=CancelResult)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        sub = self.get_object()
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        outcome = services.cancel(
            sub,
            option=fields["option"],
            on_date=fields["on_date"],
            preview=fields["preview"],
            actor=api_actor(request),
        )
        if fields["preview"]:
            body = {
                "preview": True,
                "entries": [_entry(e) for e in outcome],
                "effective_on": None,
                "scheduled": False,
                "subscription": None,
            }
        else:
            body = {
                "preview": False,
                "entries": [_entry(e) for e in outcome.entries],
                "effective_on": outcome.effective_on,
                "scheduled": outcome.scheduled,
                "subscription": outcome.subscription,
            }
        return Response(CancelResult(body).data)
