"""Billing in the operator portal: credit and dunning policies with their ladder (setup), and the
ledger and invoices, read-only (R-B1). Money is posted from the account's gear menu."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_frames import account_menu, overview_sections, statistics_charts
from accounts.admin_logs import ReadOnlyAdmin
from accounts.admin_paging import LargeListAdmin
from accounts.admin_saving import SaveChangedFieldsMixin

from . import admin_account_actions, admin_corrections, admin_overview, admin_statistics
from .admin_notices import ReminderNoticeInline
from .models import DunningPolicy, DunningStep, Invoice, LedgerEntry, RecurringCharge

# billing's items of the account's frames (accounts/admin_frames.py): Enable…, Record payment…,
# Set threshold in the gear menu; the policy, money, R-X4 and ledger sections of the overview.
account_menu.register(*admin_account_actions.GEAR_ACTIONS)
account_menu.register(*admin_corrections.GEAR_ACTIONS)  # R-D8 corrections, R-X2 exemption
overview_sections.register(*admin_overview.SECTIONS)
statistics_charts.register(*admin_statistics.CHARTS)  # the dunning funnel, receivables aging


class DunningStepInline(admin.StackedInline):
    """The ladder: when all its conditions have held for N days → status, fee, subscriptions,
    notice (DESIGN §5, R-D5, R-D6). Stacked, one line for the conditions and one for the effects,
    so fourteen fields stay readable; DunningStep.clean() refuses a step without a condition, a
    fee both fixed and a percentage, a cap without a percentage, a Terminated step that keeps
    the subscriptions (form errors, never a 500)."""

    model = DunningStep
    extra = 0
    classes = ["dunning-steps"]
    fieldsets = [
        (
            _("When"),
            {
                "fields": [
                    ("position", "condition", "min_overdue_items", "min_overdue_amount", "days")
                ]
            },
        ),
        (
            _("Then"),
            {
                "fields": [
                    ("status_type", "fee", "fee_percent", "fee_cap", "subscription_effect"),
                    ("notice", "releases_on_payment", "rule_id"),
                ]
            },
        ),
    ]
    ordering = ["position"]


@admin.register(DunningPolicy)
class DunningPolicyAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    inlines = [DunningStepInline, ReminderNoticeInline]  # R-D7: the reminder, N days before
    list_display = [
        "name",
        "default_threshold",
        "default_allowed_negative_days",
        "reactivation_fee",
        "suspended_pays_usage",
        "lock_on_exhaustion",
        "is_default",
    ]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(LargeListAdmin, ReadOnlyAdmin):
    """Read-only: the ledger is append-only (R-B1); corrections are reversing entries."""

    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "currency",
        "balance_after",
        "description",
        "actor_kind",
        "actor_user",
    ]
    list_filter = ["kind", "actor_kind"]
    search_fields = ["account__number", "account__name", "description", "idempotency_key"]
    list_select_related = ["account", "actor_user"]


@admin.register(Invoice)
class InvoiceAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = [
        "number",
        "account",
        "amount",
        "outstanding",
        "billing_date",
        "due_date",
        "paid_at",
    ]
    list_filter = ["billing_date"]
    search_fields = ["number", "account__number", "account__name"]
    list_select_related = ["account"]


@admin.register(RecurringCharge)
class RecurringChargeAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = [
        "account",
        "description",
        "amount",
        "billing_model",
        "pay_as_you_go",
        "next_billing_date",
        "active",
    ]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]


# Issue 18: search, the policy filter, the policy bulk action and the ledger export of the list;
# R-D7 notices: the templates, their preview, the notice log and the overview section.
from . import admin_account_list, admin_notices  # noqa: E402, F401
