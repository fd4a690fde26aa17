"""Billing's reactions to account status changes, registered in BillingConfig.ready()."""

from django.utils import timezone

from accounts import services as account_services
from accounts import sqlbulk
from accounts.actors import Actor
from accounts.models import BackendStatus

from . import events as money_events
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
    money_events.released(changes)  # account.released: R-CH5, R-D4 returns to Active
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


RELEASED_BY_EXEMPTION = "Reactivated by operator"
STEP_HOLDS = (
    BackendStatus.CREDIT_HOLD,
    BackendStatus.SUSPENDED,
    BackendStatus.ADMINISTRATIVE_HOLD,  # the R-G1 lock
)


def release_exempted(account, actor, today) -> None:
    """R-X2: exempting an account releases at once a hold a ladder step put, the R-G1 lock
    included; an R-CH1 money hold stays (it is the balance, not the ladder). Runs on the row
    set_dunning_exemption has locked."""
    if not account.is_dunning_exempt(today):
        return
    state = DunningState.objects.filter(account=account, step__isnull=False).first()
    held_by_step = state is not None and account.status_type_id == state.step.status_type_id
    if not held_by_step or account.status_type.backend_status not in STEP_HOLDS:
        return
    state.step, state.anchor_due_date, state.restart_on = None, None, today
    state.save(update_fields=["step", "anchor_due_date", "restart_on", "updated_at"])
    backend = account.status_type.backend_status
    if backend == BackendStatus.CREDIT_HOLD and should_hold(services.credit_facts(account)):
        return  # R-CH1: the money hold stays
    # A lock is lifted by the operator who exempts (R-CH2 may leave a money hold); the other
    # holds go back to Active the way automation releases them.
    who = actor if backend == BackendStatus.ADMINISTRATIVE_HOLD else Actor.system(
        "R-X2", on_behalf_of=actor.user
    )  # fmt: skip
    account_services.change_status(
        account,
        account_services.default_status_type(BackendStatus.ACTIVE),
        actor=who,
        reason=RELEASED_BY_EXEMPTION,
        note="R-X2: exempt from dunning, the ladder step's hold is released",
    )


def account_defaults_from_policy(fields) -> dict:
    """R-B2, R-R2: a new account takes its policy (named, else its reseller's default, else the
    provider's default) and its reseller's own threshold and allowed negative period, else the
    policy's; create_account keeps any field it was given."""
    reseller = fields.get("reseller")
    policy = fields.get("dunning_policy") or reseller_default_policy(reseller)
    defaults = {} if policy is None else _policy_defaults(policy)
    if reseller is not None:
        defaults.update(reseller.account_defaults())
    return defaults


def reseller_default_policy(reseller):
    """The policy a new account of `reseller` takes (R-R2): its own default, else the provider's."""
    if reseller is not None:
        own = DunningPolicy.objects.filter(reseller=reseller, is_reseller_default=True).first()
        if own is not None:
            return own
    return DunningPolicy.objects.filter(is_default=True).first()


def _policy_defaults(policy) -> dict:
    defaults = {
        "financial_blocking_threshold": policy.default_threshold,
        "allowed_negative_days": policy.default_allowed_negative_days,
    }
    if policy.reseller_id is not None:  # a reseller's policy is named on its accounts (R-R2)
        defaults["dunning_policy"] = policy
    return defaults
