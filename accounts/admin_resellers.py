"""Resellers in the operator portal (issue 17): the resellers and their operators, the account's
"Move to reseller…" gear item (R-R1, audited) and the overview's Reseller row with the contact
its customers are sent to (accounts.resellers.contact_for)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import resellers, scoping
from .admin_account_actions import not_in
from .admin_gear import GearAction
from .admin_overview import STATUS_ROW, OverviewSection
from .models import BackendStatus, OperatorProfile, Reseller

MOVE_PERMISSION = "accounts.move_account_reseller"
MSG_MOVED = "Moved account {account} to {reseller}."


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "orders_contact",
        "orders_email",
        "default_financial_blocking_threshold",
        "default_allowed_negative_days",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "orders_contact", "orders_email"]

    def has_add_permission(self, request):
        # A reseller operator edits their own reseller's contacts and defaults, never adds one.
        if scoping.is_reseller_operator(request.user):
            return False
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return not scoping.is_reseller_operator(request.user) and super().has_delete_permission(
            request, obj
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if scoping.is_reseller_operator(request.user):
            readonly.append("is_active")  # the provider decides whether a reseller takes accounts
        return readonly


@admin.register(OperatorProfile)
class OperatorProfileAdmin(admin.ModelAdmin):
    """Which staff users operate for a reseller (R-R3); a staff user without one is the
    provider's and sees everything."""

    list_display = ["user", "reseller"]
    list_select_related = ["user", "reseller"]
    search_fields = ["user__username", "reseller__name"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        scoping.forget(obj.user)


class MoveResellerForm(forms.Form):
    reseller = forms.ModelChoiceField(
        Reseller.objects.filter(is_active=True),
        required=False,
        label=_("Move to"),
        empty_label=_("The provider (no reseller)"),
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=500, widget=forms.Textarea({"rows": 2})
    )


def move_reseller_action(model_admin, request, account, action):
    """Move to reseller…: the account, its customers' contact and (when it was the old
    reseller's) its policy go to the new reseller; audited with the reason (R-R1, R-R2)."""

    def perform(data):
        moved = resellers.move_account(
            account, data["reseller"], actor=request.user, reason=data["reason"]
        )
        name = moved.reseller.name if moved.reseller else str(resellers.PROVIDER_LABEL)
        return MSG_MOVED.format(account=moved.number, reseller=name)

    current = account.reseller.name if account.reseller_id else resellers.PROVIDER_LABEL
    return model_admin.run_form_action(
        request,
        account,
        action,
        form_class=MoveResellerForm,
        perform=perform,
        intro=f"The account belongs to {current}. Its customers will be sent to the new "
        "reseller's contact (R-R1); a policy of the old reseller is replaced by the new "
        "reseller's default policy (R-R2).",
    )


MOVE_ACTION = GearAction(
    "move-reseller",
    "Move to reseller…",
    MOVE_PERMISSION,
    move_reseller_action,
    applies=not_in(BackendStatus.DELETED),  # a deleted account keeps its reseller (R-C4)
    order=75,
)


def reseller_row(account, now) -> dict:
    return {"reseller": account.reseller, "contact": resellers.contact_for(account)}


RESELLER_SECTION = OverviewSection(
    "reseller", 62, "admin/accounts/overview/reseller.html", reseller_row, place=STATUS_ROW
)
