"""The account overview page of the operator portal (seed 002 "Overview"; R-X4, R-E4, R-X6).

`account_overview` gathers what the page shows from every app; the admin view only renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from billing.models import Invoice, LedgerEntry
from billing.selectors import HoldExplanation, why_on_hold
from billing.services import policy_for
from subscriptions.models import Subscription

from .admin_forms import ThresholdForm
from .models import (
    Account,
    AccountAudit,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
    WebhookDelivery,
)

LEDGER_ROWS = 25
LOG_ROWS = 20


@dataclass
class AccountOverview:
    account: Account
    hold: HoldExplanation
    policy: object
    history: list
    scheduled: list
    subscriptions: list
    ledger: list
    ledger_count: int
    unpaid_invoices: list
    deliveries: list
    unlock_attempts: list
    audit_rows: list


def account_overview(account: Account, now: datetime | None = None) -> AccountOverview:
    """Everything the overview shows about one account, newest first."""
    now = now or timezone.now()
    account = (
        Account.objects.select_related("status_type", "status_reason", "dunning_policy")
        .prefetch_related("memberships__user")
        .get(pk=account.pk)
    )
    ledger = LedgerEntry.objects.filter(account=account).select_related("actor_user")
    return AccountOverview(
        account=account,
        hold=why_on_hold(account, now),
        policy=policy_for(account),
        history=list(
            StatusChange.objects.filter(account=account)
            .select_related("from_type", "to_type", "reason", "actor_user")
            .order_by("-effective_at", "-id")
        ),
        scheduled=list(
            ScheduledStatusChange.objects.filter(account=account)
            .select_related("status_type", "reason", "author", "cancelled_by")
            .order_by("-state", "effective_on", "id")  # "pending" sorts first
        ),
        subscriptions=list(
            Subscription.objects.filter(account=account)
            .select_related("plan")
            .prefetch_related("resources")
            .order_by("-created_at", "-id")
        ),
        ledger=list(ledger[:LEDGER_ROWS]),
        ledger_count=ledger.count(),
        unpaid_invoices=list(
            Invoice.objects.filter(account=account, paid_at__isnull=True).order_by("due_date")
        ),
        deliveries=list(
            WebhookDelivery.objects.filter(event__account=account)
            .select_related("endpoint", "event")
            .order_by("-created_at", "-id")[:LOG_ROWS]
        ),
        unlock_attempts=list(
            UnlockAttempt.objects.filter(account=account).select_related("user", "actor_user")[
                :LOG_ROWS
            ]
        ),
        audit_rows=list(
            AccountAudit.objects.filter(account=account).select_related("actor_user")[:LOG_ROWS]
        ),
    )


class AccountOverviewMixin:
    """Adds `<id>/overview/` to the AccountAdmin (view permission)."""

    def get_urls(self):
        overview = path(
            "<path:object_id>/overview/",
            self.admin_site.admin_view(self.overview_view),
            name="accounts_account_overview",
        )
        return [overview, *super().get_urls()]

    def overview_view(self, request, object_id):
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404(f"No account with the id {object_id}.")
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        data = account_overview(account)
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": "accounts",
            "original": data.account,
            "title": f"{data.account.name} — account {data.account.number}",
            "overview": data,
            "gear_items": self.gear_items(request, data.account),
            "threshold_form": ThresholdForm(
                initial={"threshold": data.account.financial_blocking_threshold}
            ),
            "threshold_url": self.gear_url(self._gear("set-threshold"), data.account),
            "cancel_scheduled_url": self.gear_url(self._gear("cancel-scheduled"), data.account),
            "can_set_threshold": user.has_perm("billing.set_financial_blocking_threshold"),
            "can_change_status": user.has_perm("accounts.change_account_status"),
            "can_change": self.has_change_permission(request, data.account),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/account_overview.html", context)

    def _gear(self, slug: str):
        return next(action for action in self.gear_actions if action.slug == slug)
