"""What money says an account's status should be (R-CH1, R-CH5, R-D4, R-G1, R-X1), decided once
for both paths: a posting (`services.evaluate_credit`, one account) and the sweep (a batch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, BackendStatus

from . import open_items
from .credit import CreditFacts, hold_rule_note, should_hold
from .dunning import Step, ladder_facts, reads_items, step_for, step_of
from .models import DunningPolicy, DunningState, DunningStep

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
    reason_is_financial: bool
    ladder: tuple[Step, ...] = ()  # the policy's steps, as the pure ladder reads them
    anchor: date | None = None  # the due date of the earliest unpaid item (R-X3)
    restart_on: date | None = None  # back to Active on this day: the ladder counts from here
    exempt: bool = False  # R-X2: exempt from dunning for good (VIP)
    exempt_until: date | None = None  # R-X2: "do not suspend before"
    items: tuple = ()  # open items (due, outstanding) when the ladder reads them (R-D5)

    def exempt_on(self, today: date) -> bool:
        """R-X2, Account.is_dunning_exempt's rule over the context's copy of the fields."""
        return self.exempt or (self.exempt_until is not None and self.exempt_until > today)


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
    if not may_move(backend, facts):
        return None
    if backend == BackendStatus.ACTIVE and should_hold(facts):
        # R-G1: the lock takes the place of the credit hold — but a step never locks an exempt
        # account (R-X2): it gets R-CH1's money hold instead.
        if ctx.lock_on_exhaustion and not ctx.exempt_on(timezone.localdate(facts.now)):
            note = f"prepaid credit exhausted: balance {facts.balance}"
            return CreditDecision("lock", "R-G1", REASON_LOCK, note, ctx.lock_step)
        note = (
            hold_rule_note(facts)
            if rule_id == "R-CH1"
            else (f"R-CH3: threshold {facts.threshold} set above the balance {facts.balance}")
        )
        return CreditDecision("hold", rule_id, REASON_HOLD, note)
    if backend in RELEASABLE and not should_hold(facts) and payment_releases(backend, facts, ctx):
        rule = "R-CH5" if backend == BackendStatus.CREDIT_HOLD else "R-D4"
        note = f"balance {facts.balance} meets the threshold {facts.threshold}"
        return CreditDecision("release", rule, REASON_RELEASE, note)
    return None


def may_move(backend: str, facts: CreditFacts) -> bool:
    """Whether money can move the account at all: an Active one it no longer covers (R-CH1,
    R-G1) or a held one it covers again (R-CH5, R-D4). When not, `decide` is None whatever the
    context says, so a posting reads no context (issue 19: most payments land here)."""
    if backend == BackendStatus.ACTIVE:
        return should_hold(facts)
    return backend in RELEASABLE and not should_hold(facts)


def payment_may_release(backend: str, ctx: CreditContext) -> bool:
    """R-X1, R-D4: automation undoes only what was entered for non-payment (a credit hold always
    is), and a dunning step only when it says a payment releases it."""
    if backend not in RELEASABLE:
        return False
    if backend != BackendStatus.CREDIT_HOLD and not ctx.reason_is_financial:
        return False
    return ctx.step_releases is not False


def payment_releases(backend: str, facts: CreditFacts, ctx: CreditContext) -> bool:
    """Whether money releases the account now: R-X1/R-D4 allow it, and under a dunning step no
    step's condition still holds (R-CH4b: the open items that keep one true are paid)."""
    if not payment_may_release(backend, ctx):
        return False
    return ctx.step_releases is None or not a_step_holds(facts, ctx)


def a_step_holds(facts: CreditFacts, ctx: CreditContext) -> bool:
    """True when the ladder would put the account on some step at `facts.now` (R-D5)."""
    today = timezone.localdate(facts.now)
    if ctx.exempt_on(today):  # R-X2: no step acts on an exempt account
        return False
    negative = timezone.localdate(facts.negative_since) if facts.negative_since else None
    ladder = ladder_facts(
        today,
        ctx.anchor,
        facts.balance,
        facts.threshold,
        negative,
        (ctx.restart_on, ctx.exempt_until),
        ctx.items,
    )
    return step_for(list(ctx.ladder), ladder) is not None


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
        self._plain: dict[int, tuple[Step, ...]] = {}
        self._reads_items: dict[int, bool] = {}

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

    def plain_steps(self, policy: DunningPolicy) -> tuple[Step, ...]:
        """The policy's ladder as the pure functions read it (billing/dunning.py)."""
        if policy.pk not in self._plain:
            steps = list(policy.steps.all())
            self._plain[policy.pk] = tuple(step_of(s) for s in steps)
            self._reads_items[policy.pk] = any(map(reads_items, steps))
        return self._plain[policy.pk]

    def reads_items(self, policy: DunningPolicy) -> bool:
        """True when the policy's ladder reads open items, not only the anchor (R-D5)."""
        self.plain_steps(policy)
        return self._reads_items[policy.pk]

    def lock_step(self, policy: DunningPolicy) -> DunningStep | None:
        if policy.pk not in self._lock_steps:
            self._lock_steps[policy.pk] = (
                policy.steps.filter(condition="credit_exhausted")
                .select_related("status_type")
                .first()
            )
        return self._lock_steps[policy.pk]


def unpaid_anchors(account_ids: list[int]) -> dict[int, date]:
    """Each account's anchor (R-X3): the ladder's own read, the earliest open item (R-B3)."""
    return open_items.earliest_due_dates(open_items.Book.live(), account_ids)


def contexts(accounts: list[Account], policies: Policies | None = None) -> dict[int, CreditContext]:
    """The decision context of many accounts with a fixed number of queries."""
    policies = policies or Policies()
    ids = [a.pk for a in accounts]
    states = {
        row[0]: row[1:]
        for row in DunningState.objects.filter(account_id__any=ids).values_list(
            "account_id", "step__releases_on_payment", "restart_on"
        )
    }
    anchors = unpaid_anchors(ids)
    reading = [a.pk for a in accounts if policies.reads_items(policies.of(a))]
    items = open_items.open_items_of(open_items.Book.live(), reading) if reading else {}
    financial = set(
        Account.objects.filter(pk__any=ids, status_reason__is_financial=True).values_list(
            "pk", flat=True
        )
    )
    result = {}
    for account in accounts:
        policy = policies.of(account)
        step_releases, restart_on = states.get(account.pk, (None, None))
        result[account.pk] = CreditContext(
            lock_on_exhaustion=policy.lock_on_exhaustion,
            lock_step=policies.lock_step(policy) if policy.lock_on_exhaustion else None,
            step_releases=step_releases,
            reason_is_financial=account.pk in financial,
            ladder=policies.plain_steps(policy),
            anchor=anchors.get(account.pk),
            restart_on=restart_on,
            exempt=account.dunning_exempt,
            exempt_until=account.dunning_exempt_until,
            items=items.get(account.pk, ()),
        )
    return result


def reactivation_fee(account: Account, policies: Policies | None = None):
    """R-D3: re-enabling an account cancelled for non-payment charges the policy's fee."""
    financial = account.status_reason_id is not None and account.status_reason.is_financial
    return (policies or Policies()).of(account).reactivation_fee if financial else 0
