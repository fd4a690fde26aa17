"""The account overview page of the operator portal (seed 002 "Overview"; R-X4, R-E4, R-X6).

`account_overview` gathers what the page shows from every app; the admin view only renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from billing.admin_forms import ThresholdForm  # moves to billing's section
from billing.models import Invoice, LedgerEntry
from billing.selectors import HoldExplanation, why_on_hold
from billing.services import policy_for
from subscriptions.models import Subscription

from .models import (
    Account,
    AccountAudit,
    Membership,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
    WebhookDelivery,
)

# Every list on the page is the newest few rows, so the page costs the same number of queries
# and about the same time for an account with three ledger entries or three hundred thousand
# (issue 8). `*_more` says there are older rows; the ledger's total is counted up to a cap.
LEDGER_ROWS = 25
LEDGER_COUNT_CAP = 1000
LOG_ROWS = 20
HISTORY_ROWS = 50
SCHEDULED_ROWS = 20
SUBSCRIPTION_ROWS = 50
INVOICE_ROWS = 10
MEMBER_ROWS = 20


@dataclass
class AccountOverview:
    account: Account
    hold: HoldExplanation
    policy: object
    members: list
    history: list
    scheduled: list
    subscriptions: list
    ledger: list
    ledger_count: int
    unpaid_invoices: list
    deliveries: list
    unlock_attempts: list
    audit_rows: list
    more: dict = field(default_factory=dict)

    @property
    def ledger_total(self) -> str:
        """The ledger's length for the heading: exact up to LEDGER_COUNT_CAP, then "more than"."""
        if self.ledger_count > LEDGER_COUNT_CAP:
            return f"more than {LEDGER_COUNT_CAP:,}"
        return str(self.ledger_count)


def newest(queryset, rows: int) -> tuple[list, bool]:
    """The first `rows` rows of `queryset` and whether there are more (one query)."""
    found = list(queryset[: rows + 1])
    return found[:rows], len(found) > rows


def account_overview(account: Account, now: datetime | None = None) -> AccountOverview:
    """Everything the overview shows about one account, newest first, each list bounded."""
    now = now or timezone.now()
    account = Account.objects.select_related("status_type", "status_reason", "dunning_policy").get(
        pk=account.pk
    )
    members, more_members = newest(
        Membership.objects.filter(account=account).select_related("user").order_by("id"),
        MEMBER_ROWS,
    )
    history, more_history = newest(
        StatusChange.objects.filter(account=account)
        .select_related("from_type", "to_type", "reason", "actor_user")
        .order_by("-effective_at", "-id"),
        HISTORY_ROWS,
    )
    scheduled, more_scheduled = newest(
        ScheduledStatusChange.objects.filter(account=account)
        .select_related("status_type", "reason", "author", "cancelled_by")
        .order_by("-state", "effective_on", "id"),  # "pending" sorts first
        SCHEDULED_ROWS,
    )
    subscriptions, more_subscriptions = newest(
        Subscription.objects.filter(account=account)
        .select_related("plan")
        .prefetch_related("resources")
        .order_by("-created_at", "-id"),
        SUBSCRIPTION_ROWS,
    )
    unpaid, more_unpaid = newest(
        Invoice.objects.filter(account=account, paid_at__isnull=True).order_by("due_date", "id"),
        INVOICE_ROWS,
    )
    ledger = LedgerEntry.objects.filter(account=account).select_related("actor_user")
    return AccountOverview(
        account=account,
        hold=why_on_hold(account, now),
        policy=policy_for(account),
        members=members,
        history=history,
        scheduled=scheduled,
        subscriptions=subscriptions,
        ledger=list(ledger[:LEDGER_ROWS]),
        ledger_count=ledger.order_by()[: LEDGER_COUNT_CAP + 1].count(),
        unpaid_invoices=unpaid,
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
        more={
            "members": more_members,
            "history": more_history,
            "scheduled": more_scheduled,
            "subscriptions": more_subscriptions,
            "unpaid_invoices": more_unpaid,
        },
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
