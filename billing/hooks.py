"""Billing's reactions to account status changes, registered in BillingConfig.ready()."""

from django.utils import timezone

from accounts import services as account_services
from accounts.models import BackendStatus

from . import services
from .credit import should_hold
from .models import DunningState


def unlock_below_threshold_gives_credit_hold(account, target_type, actor):
    """R-CH2: lifting an administrative hold below the threshold gives Credit hold, not Active."""
    if (
        account.status_type.backend_status == BackendStatus.ADMINISTRATIVE_HOLD
        and target_type.backend_status == BackendStatus.ACTIVE
        and should_hold(services.credit_facts(account))
    ):
        return account_services.default_status_type(BackendStatus.CREDIT_HOLD), "R-CH2"
    return None


def evaluate_credit_on_return_to_active(change) -> None:
    """Back to Active: the ladder starts over, and an account below its threshold goes straight
    to credit hold (R-CH1)."""
    if change.to_backend_status == BackendStatus.ACTIVE:
        DunningState.objects.filter(account=change.account).update(
            step=None, anchor_due_date=None, restart_on=timezone.localdate(change.effective_at)
        )
    if (
        change.to_backend_status == BackendStatus.ACTIVE
        and change.from_backend_status != BackendStatus.CREDIT_HOLD
        and change.from_backend_status
    ):
        services.evaluate_credit(change.account, now=timezone.now())
