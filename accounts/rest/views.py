"""accounts' REST resources (issue 19): accounts, status changes, scheduled changes, unlock and
the events feed. Each write calls the accounts service that owns it (DESIGN §6); refusals come
back as the service's domain error (accounts.rest.errors gives their status)."""

from __future__ import annotations

from datetime import UTC
from functools import cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import scoping, services
from accounts.models import (
    Account,
    Membership,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
)

from . import registry
from . import serializers as s
from .auth import api_actor
from .base import ACCOUNT_NUMBER, AccountNested, ReadOnly, visible_accounts
from .paging import FeedCursor

MSG_NO_USER = "Account {number} has no user named “{username}”."
MSG_NO_OWNER = "Account {number} has no user to unlock; name one with “username”."


MSG_TIME_OUT_OF_RANGE = "“{value}” is not a time the database can compare with."


class UtcIsoDateTimeField(filters.IsoDateTimeFilter.field_class):
    """An ISO 8601 time, compared in UTC: an offset PostgreSQL cannot read (beyond ±15:59) or a
    time that leaves the calendar in UTC is a 400 with a message, never a 500."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(MSG_TIME_OUT_OF_RANGE.format(value=value)) from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class AccountFilter(filters.FilterSet):
    status = filters.CharFilter(field_name="status_type__name", help_text="A status type's name.")
    backend_status = filters.CharFilter(field_name="status_type__backend_status")
    currency = filters.CharFilter(field_name="currency")
    balance_min = filters.NumberFilter(field_name="balance", lookup_expr="gte")
    balance_max = filters.NumberFilter(field_name="balance", lookup_expr="lte")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Account
        fields: list[str] = []


@cache
def account_update_serializer() -> type[serializers.Serializer]:
    """PATCH's input: the fields accounts writes plus those higher apps registered (threshold)."""
    fields = {f.name: f.make_field() for f in registry.account_fields()}
    return type("AccountUpdateSerializer", (serializers.Serializer,), fields)


def _write_next_payment_date(account, value, actor) -> None:
    from accounts.next_payment import set_next_payment_dates

    set_next_payment_dates({account.pk: value}, actor=actor, note="REST API")


def _write_exemption(account, value, actor) -> None:
    services.set_dunning_exemption(
        account, exempt=value["exempt"], until=value.get("until"), actor=actor, note="REST API"
    )


class ExemptionInput(serializers.Serializer):
    exempt = serializers.BooleanField()
    until = serializers.DateField(required=False, allow_null=True)


registry.register_account_field(
    "next_payment_date", lambda: serializers.DateField(required=False), _write_next_payment_date
)
registry.register_account_field(
    "dunning_exemption", lambda: ExemptionInput(required=False), _write_exemption
)


@extend_schema_view(
    partial_update=extend_schema(responses=s.AccountSerializer),
    create=extend_schema(request=s.AccountCreateSerializer, responses={201: s.AccountSerializer}),
)
class AccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ReadOnly
):
    """Accounts, addressed by their number."""

    serializer_class = s.AccountSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    filterset_class = AccountFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return visible_accounts(self.request)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return account_update_serializer()
        return s.AccountSerializer

    def create(self, request, *args, **kwargs):
        data = s.AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if getattr(request.auth, "reseller_id", None) is not None:
            fields["reseller"] = request.auth.reseller  # R-R3: a reseller key's accounts are its
        account = services.create_account(
            name=fields.pop("name"), actor=api_actor(request), **fields
        )
        return Response(s.AccountSerializer(account).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        account = self.get_object()
        data = account_update_serializer()(data=request.data)
        data.is_valid(raise_exception=True)
        writers = {f.name: f.write for f in registry.account_fields()}
        with transaction.atomic():
            for name, value in data.validated_data.items():
                writers[name](account, value, api_actor(request))
        return Response(s.AccountSerializer(self.get_queryset().get(pk=account.pk)).data)


@extend_schema(parameters=[ACCOUNT_NUMBER])
class StatusChangeViewSet(AccountNested, mixins.ListModelMixin, ReadOnly):
    """An account's status history; POST changes its status (or previews the change)."""

    serializer_class = s.StatusChangeSerializer
    queryset = StatusChange.objects.none()

    def account_queryset(self, account):
        return account.status_changes.select_related("from_type", "to_type", "reason")

    @extend_schema(
        request=s.StatusChangeInput,
        responses={201: s.StatusChangeSerializer, 200: s.StatusChangePreview},
    )
    def create(self, request, *args, **kwargs):
        data = s.StatusChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields, account, actor = data.validated_data, self.get_account(), api_actor(request)
        if fields["preview"]:
            return Response(preview_status_change(account, fields, actor))
        change = services.change_status(
            account,
            fields["status_type"],
            actor=actor,
            reason=fields["reason"],
            note=fields["note"],
        )
        if change is None:  # already there: nothing written
            return Response(preview_status_change(account, fields, actor) | {"preview": False})
        return Response(s.StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)


def preview_status_change(account: Account, fields: dict, actor) -> dict:
    """What change_status would do, from the service itself, writing nothing (R-X5)."""
    preview = services.change_status(
        account, fields["status_type"], actor=actor, reason=fields["reason"], preview=True
    )
    return {
        "preview": True,
        "from_status": preview.from_type.name,
        "to_status": preview.to_type.name,
        "to_backend_status": preview.to_type.backend_status,
        "rule_id": preview.rule_id,
    }


@extend_schema(parameters=[ACCOUNT_NUMBER])
class ScheduledChangeViewSet(AccountNested, mixins.ListModelMixin, ReadOnly):
    """Status changes scheduled for a date (R-E4): list, create, cancel until they run."""

    serializer_class = s.ScheduledChangeSerializer
    queryset = ScheduledStatusChange.objects.none()

    def account_queryset(self, account):
        return ScheduledStatusChange.objects.filter(account=account).select_related(
            "status_type", "reason"
        )

    @extend_schema(request=s.ScheduledChangeInput, responses={201: s.ScheduledChangeSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ScheduledChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        scheduled = services.schedule_status_change(
            self.get_account(),
            fields["status_type"],
            reason=fields["reason"],
            effective_on=fields["effective_on"],
            note=fields["note"],
            actor=api_actor(request),
        )
        return Response(s.ScheduledChangeSerializer(scheduled).data, status=201)

    @extend_schema(request=None, responses=s.ScheduledChangeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        scheduled = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        done = services.cancel_scheduled_status_change(scheduled, actor=api_actor(request))
        return Response(s.ScheduledChangeSerializer(done).data)


@extend_schema(parameters=[ACCOUNT_NUMBER])
class UnlockViewSet(AccountNested, ReadOnly):
    """Unlock User Account (R-G2): a user of this account, within the window after Next Payment."""

    serializer_class = s.UnlockAttemptSerializer
    queryset = Account.objects.none()

    @extend_schema(request=s.UnlockInput, responses={200: s.UnlockAttemptSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        data = s.UnlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = self._user(data.validated_data.get("username"))
        attempts = services.unlock_user_account(user, actor=api_actor(request))
        return Response(s.UnlockAttemptSerializer(attempts, many=True).data)

    def _user(self, username: str | None):
        account = self.get_account()
        members = Membership.objects.filter(account=account).select_related("user")
        if username:
            member = members.filter(user__username=username).first()
            if member is None:
                raise NotFound(MSG_NO_USER.format(number=account.number, username=username))
            return member.user
        owner = members.filter(role=Membership.Role.OWNER).order_by("pk").first()
        member = owner or members.order_by("pk").first()
        if member is None:
            raise NotFound(MSG_NO_OWNER.format(number=account.number))
        return member.user


class EventFilter(filters.FilterSet):
    type = filters.CharFilter(field_name="event_type")
    account = filters.CharFilter(field_name="account__number")

    class Meta:
        model = OutboxEvent
        fields: list[str] = []


class EventViewSet(mixins.ListModelMixin, ReadOnly):
    """The outbox as a feed (R-X6), oldest first: poll with the last `next` link."""

    serializer_class = s.EventSerializer
    pagination_class = FeedCursor
    filterset_class = EventFilter

    def get_queryset(self):
        # R-R3: a reseller's key reads its reseller's accounts' events only.
        return scoping.scope_for_key(
            OutboxEvent.objects.select_related("account"), self.request.auth
        )
