"""The accounts side of the operator portal (issue 6): accounts with their gear menu and overview,
users (admin_users), setup pages, and the logs written by services (read-only here)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from . import (
    admin_users,  # noqa: F401 - registers the Users list with its gear menu
    events,
    scheduling,
    services,
)
from .actors import as_actor
from .admin_account_actions import ACCOUNT_GEAR_ACTIONS, AccountActionsMixin
from .admin_gear import GearMenuMixin
from .admin_overview import AccountOverviewMixin
from .admin_paging import LargeListAdmin
from .errors import AccountsError
from .models import (
    Account,
    AccountAudit,
    AccountStatusType,
    BackendStatus,
    Membership,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
    StatusReason,
    UnlockAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class AccountStatusTypeForm(forms.ModelForm):
    """Setup → Account Status Types (seed 002): a named type for one back-end status (R-E1)."""

    class Meta:
        model = AccountStatusType
        fields = ["name", "backend_status", "image_url", "show_in_statistics", "is_default"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A status type needs a name.")
        return name

    def clean(self):
        data = super().clean()
        backend, instance = data.get("backend_status"), self.instance
        if instance.pk and backend and backend != instance.backend_status:
            in_use = instance.accounts.count()
            if in_use:
                self.add_error(
                    "backend_status",
                    f"{in_use} account(s) use this type; its back-end status cannot change "
                    "(their behaviour would change without a history row). Add a new type.",
                )
        if backend and data.get("is_default"):
            other = (
                AccountStatusType.objects.filter(backend_status=backend, is_default=True)
                .exclude(pk=instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_default",
                    f"“{other}” is already the default for this back-end status; untick it "
                    "there first.",
                )
        return data


@admin.register(AccountStatusType)
class AccountStatusTypeAdmin(admin.ModelAdmin):
    form = AccountStatusTypeForm
    list_display = ["name", "backend_status", "image", "is_default", "show_in_statistics"]
    list_filter = ["backend_status", "show_in_statistics"]
    search_fields = ["name"]
    actions = ["delete_unused_types"]

    @admin.display(description="Image")
    def image(self, status_type):
        if not status_type.image_url:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height: 20px; vertical-align: middle">',
            status_type.image_url,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced: deletion must name why it is refused
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        status_type = self.get_object(request, object_id)
        problem = status_type and services.status_type_deletion_problem(status_type)
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:accounts_accountstatustype_change", args=[status_type.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        description="Delete selected status types that no account uses", permissions=["delete"]
    )
    def delete_unused_types(self, request, queryset):
        deleted = 0
        for status_type in queryset:
            try:
                services.delete_status_type(status_type, actor=request.user)
                deleted += 1
            except AccountsError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if deleted:
            self.message_user(request, f"Deleted {deleted} status type(s).", messages.SUCCESS)


class StatusReasonForm(forms.ModelForm):
    """Setup → Status Reasons (R-E3): a reason and the back-end statuses it may be used for."""

    backend_statuses = forms.MultipleChoiceField(
        label="Back-end statuses",
        choices=BackendStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="An account may be moved to these statuses for this reason.",
    )

    class Meta:
        model = StatusReason
        fields = ["name", "backend_statuses", "is_financial"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A status reason needs a name.")
        return name


@admin.register(StatusReason)
class StatusReasonAdmin(admin.ModelAdmin):
    form = StatusReasonForm
    list_display = ["name", "fits", "is_financial"]
    list_filter = ["is_financial"]
    search_fields = ["name"]

    @admin.display(description="Back-end statuses")
    def fits(self, reason):
        return ", ".join(str(BackendStatus(s).label) for s in reason.backend_statuses)


class AccountAddForm(forms.ModelForm):
    """Creation form: a new account starts Active or Prospect (R-C1, R-E7)."""

    class Meta:
        model = Account
        fields = [
            "name",
            "status_type",
            "currency",
            "financial_blocking_threshold",
            "allowed_negative_days",
            "next_payment_date",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_type"].queryset = AccountStatusType.objects.filter(
            backend_status__in=services.NEW_ACCOUNT_STATUSES
        )
        self.fields["status_type"].initial = services.default_status_type("active")
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fk_name = "account"
    extra = 0
    can_delete = False
    fields = [
        "effective_at",
        "from_type",
        "to_type",
        "reason",
        "actor_kind",
        "actor_user",
        "rule_id",
        "note",
    ]
    readonly_fields = fields
    ordering = ["-effective_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(
    LargeListAdmin, AccountOverviewMixin, AccountActionsMixin, GearMenuMixin, admin.ModelAdmin
):
    list_display = [
        "overview_link",
        "name",
        "status",
        "balance",
        "threshold",
        "next_payment",
    ]
    list_display_links = ["name"]
    gear_actions = ACCOUNT_GEAR_ACTIONS
    list_filter = ["status_type__backend_status", "status_type"]
    search_fields = ["number", "name"]
    list_select_related = ["status_type"]
    # Status and balance change only through services (history rows, ledger): read-only here.
    readonly_fields = [
        "status_type",
        "status_reason",
        "status_changed_at",
        "balance",
        "currency",
        "financial_blocking_threshold",
        # R-X2, R-G3: changed through services that write AccountAudit rows (actions below).
        "dunning_exempt",
        "dunning_exempt_until",
        "renewal_deadline",
        "created_at",
    ]
    inlines = [MembershipInline, StatusChangeInline]
    actions = ["exempt_from_dunning", "end_dunning_exemption"]

    add_fields = [
        "name",
        "status_type",
        "currency",
        "financial_blocking_threshold",
        "allowed_negative_days",
        "next_payment_date",
    ]

    @admin.display(description="Account number", ordering="number")
    def overview_link(self, account):
        url = reverse("admin:accounts_account_overview", args=[account.pk])
        return format_html('<a href="{}" title="Overview">{}</a>', url, account.number)

    @admin.display(description="Status", ordering="status_type__name")
    def status(self, account):
        status_type = account.status_type
        return format_html(
            '<span class="status-pill status-{}">{}</span>',
            status_type.backend_status,
            status_type.name,
        )

    @admin.display(description="Threshold", ordering="financial_blocking_threshold")
    def threshold(self, account):
        return account.financial_blocking_threshold

    @admin.display(description="Next payment", ordering="next_payment_date")
    def next_payment(self, account):
        return account.next_payment_date

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if obj else self.add_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AccountAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [*self.inlines, ScheduledStatusChangeInline, AccountAuditInline]

    def _set_exemption(self, request, queryset, exempt):
        for account in queryset:
            try:
                services.set_dunning_exemption(account, exempt=exempt, actor=request.user)
            except AccountsError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
        self.message_user(request, f"Updated {queryset.count()} account(s).", messages.SUCCESS)

    @admin.action(description="Exempt from dunning (R-X2)", permissions=["change"])
    def exempt_from_dunning(self, request, queryset):
        self._set_exemption(request, queryset, True)

    @admin.action(description="End the dunning exemption (R-X2)", permissions=["change"])
    def end_dunning_exemption(self, request, queryset):
        self._set_exemption(request, queryset, False)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {f: form.cleaned_data[f] for f in self.add_fields[2:]}
        created = services.create_account(
            name=form.cleaned_data["name"],
            actor=request.user,
            status_type=form.cleaned_data["status_type"],
            **fields,
        )
        obj.pk = created.pk
        obj.refresh_from_db()


@admin.register(Membership)
class MembershipAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["user", "account", "role"]
    list_select_related = ["user", "account"]
    search_fields = ["user__username", "account__number", "account__name"]
    autocomplete_fields = ["user", "account"]


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


# --- Locks, schedules and events (issue 5). Rows written by services are read-only here. ---


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AccountAuditInline(ReadOnlyInline):
    model = AccountAudit
    fields = ["at", "field", "old_value", "new_value", "actor_kind", "actor_user", "note"]
    readonly_fields = fields


class ScheduledStatusChangeInline(ReadOnlyInline):
    model = ScheduledStatusChange
    fields = ["effective_on", "status_type", "reason", "state", "author", "outcome"]
    readonly_fields = fields


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

    @admin.action(description="Cancel selected scheduled changes (R-X5)", permissions=["view"])
    def cancel_selected(self, request, queryset):
        for scheduled in queryset:
            try:
                services.cancel_scheduled_status_change(scheduled, actor=request.user)
            except AccountsError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "event_types"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


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

    @admin.action(description="Send failed deliveries again", permissions=["view"])
    def send_again(self, request, queryset):
        for delivery in queryset.filter(status=WebhookDelivery.Status.FAILED):
            events.retry_delivery(delivery, actor=request.user)


# Service API keys (the entitlement API) register their admin in their own module.
from .api import admin as _service_api_key_admin  # noqa: E402, F401
