"""Billing's reactions to account status changes, registered in BillingConfig.ready()."""

from django.utils import timezone

from accounts import services as account_services
from accounts import sqlbulk
from accounts.models import BackendStatus

from . import services
from .credit import should_hold
from .models import DunningPolicy, DunningState


def unlock_below_threshold_gives_credit_hold(account, target_type, actor):
    """R-CH2: lifting an administrative hold below the threshold gives Credit hold, not Active."""
    if (
        account.status_type.backend_status == BackendStatus.ADMINISTRATIVE_HOLD
        and target_type.backend_status == BackendStatus.ACTIVE
        and should_hold(services.credit_facts(account))
    ):
        return account_services.default_status_type(BackendStatus.CREDIT_HOLD), "R-CH2"
    return None


def after_status_changes(changes) -> None:
    """Back to Active: the ladder starts over from that day (set-based), and an account that
    comes back from anything but a credit hold is checked against its threshold (R-CH1).
    An unlock ends the lock's ladder step (R-G2b) also when R-CH2 leaves a credit hold: that
    hold is an ordinary money hold, which the banner's amount releases (R-CH4b)."""
    restarts: dict = {}
    for change in changes:
        if change.to_backend_status == BackendStatus.ACTIVE or _unlocked_to_credit_hold(change):
            day = timezone.localdate(change.effective_at)
            restarts.setdefault(day, []).append(change.account_id)
    now = timezone.now()
    for day, account_ids in restarts.items():  # an account not yet on the ladder gets its row
        sqlbulk.upsert_rows(
            DunningState,
            "account",
            ["account", "step", "anchor_due_date", "restart_on", "updated_at"],
            [(pk, None, None, day, now) for pk in account_ids],
        )
    for change in changes:
        if change.to_backend_status == BackendStatus.ACTIVE and change.from_backend_status not in (
            "",
            BackendStatus.CREDIT_HOLD,
        ):
            services.evaluate_credit(change.account, now=timezone.now())


def _unlocked_to_credit_hold(change) -> bool:
    return (
        change.from_backend_status == BackendStatus.ADMINISTRATIVE_HOLD
        and change.to_backend_status == BackendStatus.CREDIT_HOLD
    )


def account_defaults_from_policy(fields) -> dict:
    """R-B2: a new account takes its policy's threshold and allowed negative period (the
    default policy's when none is named); create_account keeps any it was given."""
    policy = fields.get("dunning_policy") or DunningPolicy.objects.filter(is_default=True).first()
    if policy is None:
        return {}
    return {
        "financial_blocking_threshold": policy.default_threshold,
        "allowed_negative_days": policy.default_allowed_negative_days,
    }
