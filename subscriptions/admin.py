"""Plain admin registration; status, period and money fields change only through services."""

from django.contrib import admin

from .models import Plan, Resource, Subscription, SubscriptionChange


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
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
class ResourceAdmin(admin.ModelAdmin):
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
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("pk", "account", "plan", "status", "trial", "period_start", "period_end")
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
        "cancel_on",
        "cancel_option",
        "created_at",
    )
    inlines = [SubscriptionChangeInline]

    def has_add_permission(self, request):
        return False  # ordering goes through subscriptions.services.order


@admin.register(SubscriptionChange)
class SubscriptionChangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subscription", "action", "from_status", "to_status")
    list_display += ("actor_kind", "rule_id")
    list_filter = ("action", "to_status", "actor_kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
