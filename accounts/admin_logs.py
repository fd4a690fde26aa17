"""The logs services write (history, audit, unlock attempts, outbox, deliveries), read-only in the
operator portal, and the scheduled status changes (issue 5)."""

from django import forms
from django.contrib import admin, messages

from . import events, scheduling, services
from .actors import as_actor
from .admin_paging import LargeListAdmin
from .errors import AccountsError
from .models import (
    AccountAudit,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
    WebhookDelivery,
)

# A change-list action needs what its gear equivalent needs (issue 15 item 4).
CHANGE_ACCOUNT_STATUS = "accounts.change_account_status"
CHANGE_WEBHOOK_ENDPOINT = "accounts.change_webhookendpoint"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (history, audit, ledger): to read, never to edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = [
        "effective_at",
        "account",
        "from_type",
        "to_type",
        "reason",
        "actor_kind",
        "actor_user",
        "rule_id",
    ]
    list_filter = ["to_backend_status", "actor_kind", "rule_id"]
    search_fields = ["account__number", "account__name"]
    list_select_related = ["account", "from_type", "to_type", "reason", "actor_user"]
    date_hierarchy = "effective_at"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccountAudit)
class AccountAuditAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = ["at", "account", "field", "old_value", "new_value", "actor_kind", "actor_user"]
    list_filter = ["field", "actor_kind"]
    search_fields = ["account__number", "account__name"]
    list_select_related = ["account", "actor_user"]


@admin.register(UnlockAttempt)
class UnlockAttemptAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = ["at", "user", "account", "allowed", "next_payment_date", "actor_user"]
    list_filter = ["allowed"]
    search_fields = ["user__username", "account__number", "message"]
    list_select_related = ["user", "account", "actor_user"]


class ScheduleForm(forms.ModelForm):
    """The "Change User Status" component (R-E4), checked by the service's rules."""

    actor = None  # set by the admin: the operator scheduling it

    class Meta:
        model = ScheduledStatusChange
        fields = ["account", "status_type", "reason", "effective_on", "note"]

    def clean(self):
        data = super().clean()
        if all(data.get(f) for f in ("status_type", "reason", "effective_on")):
            try:
                scheduling.check_schedule(
                    data["status_type"], data["reason"], data["effective_on"], self.actor
                )
            except AccountsError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


@admin.register(ScheduledStatusChange)
class ScheduledStatusChangeAdmin(LargeListAdmin, admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["effective_on", "account", "status_type", "reason", "state", "author", "ran_at"]
    list_filter = ["state", "effective_on"]
    search_fields = ["account__number", "account__name"]
    list_select_related = ["account", "status_type", "reason", "author"]
    autocomplete_fields = ["account"]
    actions = ["cancel_selected"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = as_actor(request.user)
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = services.schedule_status_change(
            data["account"],
            data["status_type"],
            reason=data["reason"],
            effective_on=data["effective_on"],
            actor=request.user,
            note=data["note"],
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def has_change_account_status_permission(self, request) -> bool:
        """The gear's "Cancel scheduled change" needs this; so does its change-list action."""
        return request.user.has_perm(CHANGE_ACCOUNT_STATUS)

    @admin.action(
        description="Cancel selected scheduled changes (R-X5)",
        permissions=["change_account_status"],
    )
    def cancel_selected(self, request, queryset):
        for scheduled in queryset:
            try:
                services.cancel_scheduled_status_change(scheduled, actor=request.user)
            except AccountsError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(OutboxEvent)
class OutboxEventAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "subject", "fanned_out_at"]
    list_filter = ["event_type"]
    search_fields = ["subject", "uuid"]
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LargeListAdmin, ReadOnlyAdmin):
    """The delivery log (R-X6)."""

    list_display = [
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "endpoint"]
    search_fields = ["event__subject", "last_error"]
    list_select_related = ["endpoint", "event"]
    actions = ["send_again"]

    def has_resend_permission(self, request) -> bool:
        """Sending again acts on the endpoints: it needs their change permission, not view."""
        return request.user.has_perm(CHANGE_WEBHOOK_ENDPOINT)

    @admin.action(description="Send failed deliveries again", permissions=["resend"])
    def send_again(self, request, queryset):
        for delivery in queryset.filter(status=WebhookDelivery.Status.FAILED):
            events.retry_delivery(delivery, actor=request.user)
