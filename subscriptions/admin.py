"""Subscriptions in the operator portal: status, period and money fields change only through
services; subscriptions waiting for manual approval have their queue (R-CH7b)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin_frames import account_menu, overview_sections
from accounts.admin_gear import GearAction, GearMenuMixin
from accounts.admin_logs import ReadOnlyAdmin
from accounts.admin_paging import LargeListAdmin
from accounts.admin_saving import SaveChangedFieldsMixin
from accounts.errors import AccountsError

from . import admin_account_actions, admin_overview, services
from .models import Plan, Resource, Subscription, SubscriptionChange

# subscriptions' items of the account's frames (accounts/admin_frames.py): Cancel… and Bill
# account in the gear menu, the subscriptions section of the overview.
account_menu.register(*admin_account_actions.GEAR_ACTIONS)
overview_sections.register(*admin_overview.SECTIONS)

APPROVE = "subscriptions.approve_subscription"


def _waiting(sub) -> str | None:
    if sub.status != Subscription.Status.WAITING_FOR_MANUAL_APPROVE:
        return f"it is {sub.get_status_display()}, not waiting for manual approval."
    return None


@admin.register(Plan)
class PlanAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "service",
        "price",
        "currency",
        "period_months",
        "billing_model",
        "pay_as_you_go",
        "trial_allowed",
        "on_credit_hold",
        "orderable",
    )
    list_filter = ("service", "billing_model", "pay_as_you_go", "on_credit_hold", "orderable")
    search_fields = ("name", "service")


@admin.register(Resource)
class ResourceAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ("kind", "identifier", "status", "subscription", "allocated_at", "released_at")
    list_filter = ("kind", "status")
    search_fields = ("identifier",)
    readonly_fields = ("status", "subscription", "allocated_at", "released_at")


class SubscriptionChangeInline(admin.TabularInline):
    model = SubscriptionChange
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor_kind", "actor_user")
    fields += ("rule_id", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(SaveChangedFieldsMixin, LargeListAdmin, GearMenuMixin, admin.ModelAdmin):
    list_display = ("pk", "account", "plan", "status", "trial", "period_start", "period_end")
    gear_actions = (
        GearAction("approve", "Approve (back to Active/Graced)", APPROVE, "approve_action",
                   _waiting),
        GearAction("deny", "Stop (deny)", APPROVE, "deny_action", _waiting),
    )  # fmt: skip
    list_filter = ("status", "trial", "plan__service", "plan")
    search_fields = ("account__number", "account__name", "plan__name")
    list_select_related = ("account", "plan")
    readonly_fields = (
        "account",
        "plan",
        "status",
        "status_before_hold",
        "trial",
        "price",
        "period_start",
        "period_end",
        "period_paid",
        "next_billing_date",
        "billing_anchor",  # R-S1: moved only by the services (order, restart, plan change)
        "cancel_on",
        "cancel_option",
        "created_at",
    )
    inlines = [SubscriptionChangeInline]

    def has_add_permission(self, request):
        return False  # ordering goes through subscriptions.services.order

    def get_urls(self):
        queue = path(
            "approval-queue/",
            self.admin_site.admin_view(self.approval_queue_view),
            name="subscriptions_subscription_approval_queue",
        )
        return [queue, *super().get_urls()]

    def gear_default_return_url(self, obj) -> str:
        return reverse("admin:subscriptions_subscription_approval_queue")

    def approval_queue_view(self, request):
        """R-CH7b: the subscriptions a credit hold left waiting for a manager's decision."""
        if not request.user.has_perm(APPROVE):
            raise PermissionDenied
        waiting = (
            self.get_queryset(request)  # R-R3: a reseller operator's queue is theirs
            .filter(status=Subscription.Status.WAITING_FOR_MANUAL_APPROVE)
            .select_related("account__status_type", "plan")
            .order_by("account__number", "pk")
        )
        rows = [{"sub": sub, "items": self.gear_items(request, sub)} for sub in waiting]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Subscriptions waiting for manual approval",
            "rows": rows,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/approval_queue.html", context)

    def _decide(self, request, sub, service, verb):
        try:
            service(sub, actor=request.user)
        except AccountsError as exc:
            return self.gear_done(request, sub, exc.message, "error")
        sub.refresh_from_db()
        return self.gear_done(
            request, sub, f"{verb} {sub.plan} for account {sub.account.number}: now "
            f"{sub.get_status_display()}."
        )  # fmt: skip

    def approve_action(self, request, sub, action):
        return self._decide(request, sub, services.approve, "Approved")

    def deny_action(self, request, sub, action):
        return self._decide(request, sub, services.deny, "Stopped")


@admin.register(SubscriptionChange)
class SubscriptionChangeAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = ("created_at", "subscription", "action", "from_status", "to_status")
    list_display += ("actor_kind", "rule_id")
    list_filter = ("action", "to_status", "actor_kind")
