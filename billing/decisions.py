"""What money says an account's status should be (R-CH1, R-CH5, R-D4, R-G1, R-X1), decided once
for both paths: a posting (`services.evaluate_credit`, one account) and the sweep (a batch)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import services as account_services
from accounts.models import Account, BackendStatus

from .credit import CreditFacts, hold_rule_note, should_hold
from .models import DunningPolicy, DunningState, DunningStep, Invoice

REASON_HOLD = "Credit limit reached"
REASON_RELEASE = "Payment received"
REASON_LOCK = "Credit exhausted"
RELEASABLE = (BackendStatus.CREDIT_HOLD, BackendStatus.SUSPENDED)


@dataclass(frozen=True)
class CreditContext:
    """What the decision needs besides the account's own money fields."""

    lock_on_exhaustion: bool
    lock_step: DunningStep | None  # the policy's credit-exhausted step (R-G1)
    step_releases: bool | None  # the dunning step the account is on; None = not on the ladder
    has_unpaid: bool
    reason_is_financial: bool


@dataclass(frozen=True)
class CreditDecision:
    kind: str  # hold | lock | release
    rule_id: str
    reason: str
    note: str
    lock_step: DunningStep | None = None


def decide(
    backend: str, facts: CreditFacts, ctx: CreditContext, rule_id: str = "R-CH1"
) -> CreditDecision | None:
    """Hold or lock an Active account that money no longer covers; release a hold it does."""
    if backend == BackendStatus.ACTIVE and should_hold(facts):
        if ctx.lock_on_exhaustion:  # R-G1: the lock takes the place of the credit hold
            note = f"prepaid credit exhausted: balance {facts.balance}"
            return CreditDecision("lock", "R-G1", REASON_LOCK, note, ctx.lock_step)
        note = (
            hold_rule_note(facts)
            if rule_id == "R-CH1"
            else (f"R-CH3: threshold {facts.threshold} set above the balance {facts.balance}")
        )
        return CreditDecision("hold", rule_id, REASON_HOLD, note)
    if backend in RELEASABLE and not should_hold(facts) and _payment_releases(backend, ctx):
        rule = "R-CH5" if backend == BackendStatus.CREDIT_HOLD else "R-D4"
        note = f"balance {facts.balance} meets the threshold {facts.threshold}"
        return CreditDecision("release", rule, REASON_RELEASE, note)
    return None


def _payment_releases(backend: str, ctx: CreditContext) -> bool:
    """R-X1, R-D4: automation undoes only what was entered for non-payment (a credit hold always
    is), and a dunning step only when it says so and no invoice is left unpaid."""
    if backend != BackendStatus.CREDIT_HOLD and not ctx.reason_is_financial:
        return False
    if ctx.step_releases is None:
        return True
    return ctx.step_releases and not ctx.has_unpaid


def target_type(decision: CreditDecision, policies: Policies | None = None):
    if decision.kind == "lock" and decision.lock_step is not None:
        return decision.lock_step.status_type
    status = {
        "lock": BackendStatus.ADMINISTRATIVE_HOLD,
        "hold": BackendStatus.CREDIT_HOLD,
        "release": BackendStatus.ACTIVE,
    }[decision.kind]
    if policies is None:
        return account_services.default_status_type(status)
    return policies.default_type(status)


class Policies:
    """Policies and their credit-exhausted steps, read once per sweep or posting."""

    def __init__(self) -> None:
        self._by_id: dict[int, DunningPolicy] = {}
        self._lock_steps: dict[int, DunningStep | None] = {}
        self._default: DunningPolicy | None = None
        self._types: dict[str, object] = {}

    def default_type(self, backend_status: str):
        """The default Account Status Type of a back-end status, read once."""
        if backend_status not in self._types:
            self._types[backend_status] = account_services.default_status_type(backend_status)
        return self._types[backend_status]

    def default(self) -> DunningPolicy:
        if self._default is None:
            self._default = DunningPolicy.objects.get(is_default=True)
        return self._default

    def of(self, account: Account) -> DunningPolicy:
        if account.dunning_policy_id is None:
            return self.default()
        if account.dunning_policy_id not in self._by_id:
            self._by_id[account.dunning_policy_id] = DunningPolicy.objects.get(
                pk=account.dunning_policy_id
            )
        return self._by_id[account.dunning_policy_id]

    def lock_step(self, policy: DunningPolicy) -> DunningStep | None:
        if policy.pk not in self._lock_steps:
            self._lock_steps[policy.pk] = (
                policy.steps.filter(condition="credit_exhausted")
                .select_related("status_type")
                .first()
            )
        return self._lock_steps[policy.pk]


def contexts(accounts: list[Account], policies: Policies | None = None) -> dict[int, CreditContext]:
    """The decision context of many accounts with a fixed number of queries."""
    policies = policies or Policies()
    ids = [a.pk for a in accounts]
    steps = dict(
        DunningState.objects.filter(account_id__any=ids, step__isnull=False).values_list(
            "account_id", "step__releases_on_payment"
        )
    )
    unpaid = set(
        Invoice.objects.filter(account_id__any=ids, paid_at__isnull=True)
        .values_list("account_id", flat=True)
        .distinct()
    )
    financial = set(
        Account.objects.filter(pk__any=ids, status_reason__is_financial=True).values_list(
            "pk", flat=True
        )
    )
    result = {}
    for account in accounts:
        policy = policies.of(account)
        result[account.pk] = CreditContext(
            lock_on_exhaustion=policy.lock_on_exhaustion,
            lock_step=policies.lock_step(policy) if policy.lock_on_exhaustion else None,
            step_releases=steps.get(account.pk),
            has_unpaid=account.pk in unpaid,
            reason_is_financial=account.pk in financial,
        )
    return result
