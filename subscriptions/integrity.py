"""Subscription checks for `manage.py verify_ledger`; subscriptions/apps.py registers them with
accounts.integrity, which runs them after billing's."""

from __future__ import annotations

from accounts.integrity import VIOLATION, Finding, Report
from accounts.models import BackendStatus

from .models import Plan, Subscription
from .transitions import RESTORABLE

S = Subscription.Status


def credit_hold_stopped_prepaid_pay_as_you_go(report: Report) -> None:
    """R-CH7: on credit hold no prepaid pay-as-you-go subscription is still in service."""
    running = Subscription.objects.filter(
        account__status_type__backend_status=BackendStatus.CREDIT_HOLD,
        plan__billing_model=Plan.BillingModel.PREPAID,
        plan__pay_as_you_go=True,
        status__in=list(RESTORABLE),
    ).values_list("pk", "account__number", "status")
    for pk, number, status in running.iterator():
        report.add(
            Finding(
                "subscriptions",
                "R-CH7",
                VIOLATION,
                f"account {number}",
                f"subscription {pk} is {status} on credit hold",
            )
        )


def held_subscriptions_remember_their_status(report: Report) -> None:
    """R-CH9: a subscription the hold stopped remembers the status to return to."""
    forgotten = Subscription.objects.filter(
        status__in=[S.STOPPED, S.WAITING_FOR_MANUAL_APPROVE],
        account__status_type__backend_status=BackendStatus.CREDIT_HOLD,
        plan__billing_model=Plan.BillingModel.PREPAID,
        plan__pay_as_you_go=True,
        status_before_hold="",
        history__rule_id="R-CH7",
    ).distinct()
    for pk, number in forgotten.values_list("pk", "account__number").iterator():
        report.add(
            Finding(
                "subscriptions",
                "R-CH9",
                VIOLATION,
                f"account {number}",
                f"subscription {pk} was stopped by the hold but does not remember its status",
            )
        )
    report.checked["subscriptions"] += Subscription.objects.count()
