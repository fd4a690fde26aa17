"""Accounts in the operator portal: the change list with its gear menu, the overview, the add and
change forms (status and balance only through services), and memberships."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import lifecycle, scoping, services
from .actors import as_actor
from .admin_account_list import AccountListMixin
from .admin_frames import account_menu, overview_sections
from .admin_gear import PK_MARKER, GearMenuMixin
from .admin_logs import ReadOnlyInline
from .admin_overview import AccountOverviewMixin
from .admin_paging import LargeListAdmin
from .admin_saving import SaveChangedFieldsMixin, save_changed_fields
from .admin_statistics import StatisticsPageMixin
from .currencies import normalized_currency
from .errors import AccountsError
from .exemptions import write_audit
from .models import (
    Account,
    AccountAudit,
    AccountStatusType,
    Membership,
    Reseller,
    ScheduledStatusChange,
    StatusChange,
)

# What the change form may write; everything else belongs to a service (status, money, R-X2, R-G3).
CHANGE_FORM_FIELDS = (
    "number",
    "name",
    "allowed_negative_days",
    "next_payment_date",
    "dunning_policy",
)
# R-B2: audited when the change form changes them (threshold and policy also via billing).
AUDITED_FIELDS = ("number", "allowed_negative_days", "next_payment_date", "dunning_policy")
MSG_CHANGE_FORM_NOTE = _("Changed in the account's change form.")
MSG_DEFAULT_HELP = _(
    "The default policy's value. Left as shown, the account takes its policy's value (R-B2)."
)


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
            "dunning_policy",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_type"].queryset = AccountStatusType.objects.filter(
            backend_status__in=services.NEW_ACCOUNT_STATUSES
        )
        self.fields["status_type"].initial = services.default_status_type("active")
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        # R-B2: the default policy's threshold and period, shown; a field left as shown is not
        # "given", so create_account takes it from the policy itself.
        for field, value in lifecycle.account_defaults({}).items():
            if field in self.fields:
                self.fields[field].initial = value
                self.fields[field].help_text = MSG_DEFAULT_HELP

    def clean_currency(self):
        currency = normalized_currency(self.cleaned_data.get("currency"))
        if currency is None:
            raise forms.ValidationError(services.MSG_UNKNOWN_CURRENCY)
        return currency

    def given_fields(self) -> dict:
        """The fields create_account is given: the currency, and whatever the operator changed."""
        return {
            f: self.cleaned_data[f]
            for f in self.Meta.fields[2:]
            if f == "currency" or f in self.changed_data
        }


class AccountChangeForm(forms.ModelForm):
    """The change form edits only CHANGE_FORM_FIELDS; money, status and billing's fields are
    read-only here and change only through their services (issue 15)."""

    audit_note = forms.CharField(
        label=_("Why (for the audit trail)"),
        required=False,
        max_length=500,
        help_text=_("Recorded with a change of the allowed period, policy or next payment date."),
    )

    class Meta:
        model = Account
        fields = list(CHANGE_FORM_FIELDS)


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


class AccountAuditInline(ReadOnlyInline):
    model = AccountAudit
    fields = ["at", "field", "old_value", "new_value", "actor_kind", "actor_user", "note"]
    readonly_fields = fields


class ScheduledStatusChangeInline(ReadOnlyInline):
    model = ScheduledStatusChange
    fields = ["effective_on", "status_type", "reason", "state", "author", "outcome"]
    readonly_fields = fields


@admin.register(Account)
class AccountAdmin(
    AccountListMixin,
    LargeListAdmin,
    StatisticsPageMixin,
    AccountOverviewMixin,
    GearMenuMixin,
    admin.ModelAdmin,
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
        "negative_since",
        # R-X2, R-G3: changed through services that write AccountAudit rows (actions below).
        "dunning_exempt",
        "dunning_exempt_until",
        "renewal_deadline",
        "created_at",
    ]
    inlines = [MembershipInline, StatusChangeInline]
    actions = ["exempt_from_dunning", "end_dunning_exemption"]

    add_fields = AccountAddForm.Meta.fields

    # The account's frames (accounts/admin_frames.py), filled by every app's admin.py.
    overview_sections = overview_sections

    @property
    def gear_actions(self):
        """The account's gear menu as every app registered it (accounts/admin_frames.py)."""
        return account_menu.actions()

    gear_returns_to_object = True  # issue 18: after an action, back on the account

    def gear_default_return_url(self, obj) -> str:
        return reverse("admin:accounts_account_overview", args=[obj.pk])

    @admin.display(description="Account number", ordering="number")
    def overview_link(self, account):
        # One reverse() per process, not one per row of every list page.
        if not hasattr(self, "_overview_url"):
            self._overview_url = reverse("admin:accounts_account_overview", args=[PK_MARKER])
        url = self._overview_url.replace(PK_MARKER, str(account.pk))
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

    def get_changeform_initial_data(self, request):
        """A reseller operator's add form shows their reseller's defaults (R-R2); left as shown
        they are not "given", so create_account takes them from the reseller itself."""
        initial = super().get_changeform_initial_data(request)
        reseller_id = scoping.reseller_id_of(request.user)
        if reseller_id is not None:
            fields = {"reseller": Reseller.objects.get(pk=reseller_id)}
            for field, value in lifecycle.account_defaults(fields).items():
                initial.setdefault(field, getattr(value, "pk", value))
        return initial

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if obj else self.add_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AccountAddForm if obj is None else AccountChangeForm
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
            save_account_changes(obj, form, actor=request.user)
            return
        created = services.create_account(
            name=form.cleaned_data["name"],
            actor=request.user,
            status_type=form.cleaned_data["status_type"],
            **form.given_fields(),
        )
        obj.pk = created.pk
        obj.refresh_from_db()


def save_account_changes(obj: Account, form, *, actor) -> None:
    """Write only the fields the operator changed, on the re-read locked row, so a payment or a
    status change committed meanwhile stays (issue 15); audit R-B2's fields in the same
    transaction."""
    note = form.cleaned_data.get("audit_note") or str(MSG_CHANGE_FORM_NOTE)
    with transaction.atomic():
        changes = save_changed_fields(obj, form, allowed=CHANGE_FORM_FIELDS)
        for field, (old, new) in changes.items():
            if field in AUDITED_FIELDS:
                write_audit(obj, field, old, new, as_actor(actor), note)


@admin.register(Membership)
class MembershipAdmin(SaveChangedFieldsMixin, LargeListAdmin, admin.ModelAdmin):
    list_display = ["user", "account", "role"]
    list_select_related = ["user", "account"]
    search_fields = ["user__username", "account__number", "account__name"]
    autocomplete_fields = ["user", "account"]
