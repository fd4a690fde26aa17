"""Plain admin registrations for the accounts models (the operator portal is issue 6)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import services
from .errors import AccountsError
from .models import Account, AccountStatusType, Membership, StatusChange, StatusReason


@admin.register(AccountStatusType)
class AccountStatusTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "backend_status", "is_default", "show_in_statistics"]
    list_filter = ["backend_status", "show_in_statistics"]
    search_fields = ["name"]
    actions = ["delete_unused_types"]

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


@admin.register(StatusReason)
class StatusReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "backend_statuses", "is_financial"]
    search_fields = ["name"]


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
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "name",
        "status_type",
        "balance",
        "financial_blocking_threshold",
        "next_payment_date",
    ]
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
        "created_at",
    ]
    inlines = [MembershipInline, StatusChangeInline]

    add_fields = [
        "name",
        "status_type",
        "currency",
        "financial_blocking_threshold",
        "allowed_negative_days",
        "next_payment_date",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if obj else self.add_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AccountAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role"]
    list_select_related = ["user", "account"]
    search_fields = ["user__username", "account__number", "account__name"]
    autocomplete_fields = ["user", "account"]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
