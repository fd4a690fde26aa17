"""The accounts resources' shapes: what the API shows and the input each write service takes."""

from __future__ import annotations

import copy

from rest_framework import serializers

from accounts.models import (
    Account,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
)

MSG_NUMBER_TAKEN = "An account with this number already exists."


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer builds its fields from the model for every instance it makes (about
    2.5 ms for an account, the most of GET account's serializing; the API bench found it). The
    fields depend on the class only, so they are built once per class and each instance gets a
    copy of each (DRF re-creates every field from its arguments when it copies them: the copies
    cost more than a payment's answer otherwise did, issue 19). A subclass whose fields depend on
    the instance or the request must not use this base."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        # A field is copied as it is (its bind() sets only its own attributes); a nested
        # serializer deep, as DRF would (its fields are bound to it).
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in built.items()
        }


class AccountSerializer(ModelSerializer):
    status = serializers.CharField(source="status_type.name", read_only=True)
    backend_status = serializers.CharField(source="status_type.backend_status", read_only=True)
    status_reason = serializers.CharField(source="status_reason.name", read_only=True)

    class Meta:
        model = Account
        fields = [
            "number",
            "name",
            "status",
            "backend_status",
            "status_reason",
            "status_changed_at",
            "currency",
            "balance",
            "financial_blocking_threshold",
            "allowed_negative_days",
            "next_payment_date",
            "dunning_exempt",
            "dunning_exempt_until",
            "renewal_deadline",
            "created_at",
        ]
        read_only_fields = fields


class AccountCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    number = serializers.RegexField(r"^[A-Za-z0-9_-]{1,20}$", required=False)
    status_type = serializers.CharField(max_length=80, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    financial_blocking_threshold = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    allowed_negative_days = serializers.IntegerField(
        min_value=0, max_value=100000, required=False, allow_null=True
    )
    next_payment_date = serializers.DateField(required=False, allow_null=True)

    def validate_number(self, value: str) -> str:
        if Account.objects.filter(number=value).exists():
            raise serializers.ValidationError(MSG_NUMBER_TAKEN)
        return value


class StatusChangeSerializer(ModelSerializer):
    from_backend_status = serializers.CharField(
        read_only=True, help_text="Empty on an account's first row (its creation)."
    )
    from_status = serializers.CharField(
        source="from_type.name", default=None, allow_null=True, read_only=True
    )
    to_status = serializers.CharField(source="to_type.name", read_only=True)
    reason = serializers.CharField(source="reason.name", read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "from_status",
            "to_status",
            "from_backend_status",
            "to_backend_status",
            "reason",
            "actor_kind",
            "rule_id",
            "requested_at",
            "effective_at",
            "note",
        ]
        read_only_fields = fields


class StatusChangeInput(serializers.Serializer):
    status_type = serializers.CharField(max_length=80, help_text="An Account Status Type's name.")
    reason = serializers.CharField(max_length=120, help_text="A Status Reason's name.")
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    preview = serializers.BooleanField(required=False, default=False)


class StatusChangePreview(serializers.Serializer):
    preview = serializers.BooleanField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_backend_status = serializers.CharField()
    rule_id = serializers.CharField()


class ScheduledChangeSerializer(ModelSerializer):
    status_type = serializers.CharField(source="status_type.name", read_only=True)
    reason = serializers.CharField(source="reason.name", read_only=True)

    class Meta:
        model = ScheduledStatusChange
        fields = [
            "id",
            "status_type",
            "reason",
            "effective_on",
            "note",
            "state",
            "created_at",
            "ran_at",
            "outcome",
            "cancelled_at",
        ]
        read_only_fields = fields


class ScheduledChangeInput(serializers.Serializer):
    status_type = serializers.CharField(max_length=80)
    reason = serializers.CharField(max_length=120)
    effective_on = serializers.DateField()
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class UnlockInput(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, required=False, help_text="A user of the account; default: its owner."
    )


class UnlockAttemptSerializer(ModelSerializer):
    account = serializers.CharField(
        source="account.number", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = UnlockAttempt
        fields = ["account", "allowed", "message", "next_payment_date", "on_date", "at"]
        read_only_fields = fields


class EventSerializer(ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    type = serializers.CharField(source="event_type", read_only=True)
    account = serializers.CharField(
        source="account.number", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = OutboxEvent
        fields = ["id", "type", "subject", "account", "payload", "created_at"]
        read_only_fields = fields
