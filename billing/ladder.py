"""Apply the dunning ladder (R-D1 … R-D3, R-G1, R-X2, R-X3) to a batch of locked accounts:
the pure step_for() decides each account, the writes are set-based (one status UPDATE per group,
one insert each for history, outbox rows, dunning events), fees and notices once per step."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import partial
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from accounts import bulk, sqlbulk
from accounts import services as account_services
from accounts.actors import Actor, as_actor
from accounts.errors import InvalidTransition
from accounts.models import Account, BackendStatus
from accounts.transitions import ENABLE_RULE

from . import events as money_events
from . import notices, open_items, posting, step_effects
from .decisions import Policies, reactivation_fee
from .dunning import (
    DunningFacts,
    Step,
    ladder_facts,
    overdue_on,
    passed_steps,
    reads_items,
    step_fee,
    step_of,
)
from .models import DunningEvent, DunningState, DunningStep
from .services import post_fee

# Dunning acts on accounts that are still in service; a Terminated (cancelled) account has reached
# the end of the ladder and an administrative hold is a person's or R-G1's decision.
DUNNING_STATUSES = (BackendStatus.ACTIVE, BackendStatus.CREDIT_HOLD, BackendStatus.SUSPENDED)
REASON_DUNNING = "Non-payment"


def earliest_unpaid_due_date(account: Account) -> date | None:
    """The anchor: the earliest due date of the account's unsettled open items (R-B3, R-X3)."""
    return earliest_unpaid_due_dates([account.pk]).get(account.pk)


def earliest_unpaid_due_dates(account_ids: list[int]) -> dict[int, date]:
    """Each account's anchor, for the accounts that have one (open_items decides, R-B3)."""
    return open_items.earliest_due_dates(open_items.Book.live(), account_ids)


def dunning_facts(
    account: Account,
    today: date,
    anchor: date | None,
    restart_on: date | None = None,
    tz=None,
    items: tuple = (),
) -> DunningFacts:
    """The facts the ladder reads; after a return to Active it counts from that day, and after an
    exemption from its end (R-X2)."""
    negative = timezone.localdate(account.negative_since, tz) if account.negative_since else None
    return ladder_facts(
        today,
        anchor,
        account.balance,
        account.financial_blocking_threshold,
        negative,
        (restart_on, account.dunning_exempt_until),
        items,
    )


@dataclass
class StepPlan:
    """Where one account goes: the target step and every step passed on the way."""

    account: Account
    state: DunningState
    target: DunningStep
    passed: list[tuple[DunningStep, date]]
    anchor: date
    effective_at: datetime
    facts: DunningFacts


class Ladders:
    """Each policy's steps, read once per sweep."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies
        self._steps: dict[int, dict[int, DunningStep]] = {}
        self._plain: dict[int, list[Step]] = {}
        self.lean_by_policy: dict[int, bool] = {}  # billing.ladder_rows.lean, per policy
        self._reads_items: dict[int, bool] = {}

    def of(self, account: Account) -> dict[int, DunningStep]:
        return self._of_policy(self.policies.of(account))

    def _of_policy(self, policy) -> dict[int, DunningStep]:
        if policy.pk not in self._steps:
            self._steps[policy.pk] = {
                s.pk: s for s in policy.steps.select_related("status_type", "policy")
            }
        return self._steps[policy.pk]

    def plain(self, account: Account) -> list[Step]:
        """The same steps as the pure ladder reads them, built once per policy."""
        return self.steps_and_plain(account)[1]

    def steps_and_plain(self, account: Account) -> tuple[dict[int, DunningStep], list[Step]]:
        """`of` and `plain` with one policy lookup (plan_for runs once per account)."""
        policy = self.policies.of(account)
        steps = self._of_policy(policy)
        if policy.pk not in self._plain:
            self._plain[policy.pk] = [step_of(s) for s in steps.values()]
        return steps, self._plain[policy.pk]

    def reads_items(self, account) -> bool:
        """True when the account's ladder needs its open items (R-D5 item and amount
        conditions, R-D6 percentage fees), not only its anchor."""
        policy = self.policies.of(account)
        if policy.pk not in self._reads_items:
            self._reads_items[policy.pk] = any(map(reads_items, self.of(account).values()))
        return self._reads_items[policy.pk]

    def items_of(self, accounts) -> dict[int, tuple]:
        """The open items of the accounts whose ladder reads them: one query for the batch."""
        ids = [a.pk for a in accounts if self.reads_items(a)]
        return open_items.open_items_of(open_items.Book.live(), ids) if ids else {}


def plan_for(
    account, state, ladders: Ladders, anchor, today, tz=None, items: tuple = ()
) -> StepPlan | None:
    """Decide one account with the pure ladder; None when nothing is due past its current step.
    `tz`: the current time zone, when a batch has looked it up once for all its accounts."""
    tz = tz or timezone.get_current_timezone()
    steps, plain = ladders.steps_and_plain(account)
    facts = dunning_facts(account, today, anchor, state.restart_on, tz, items)
    current = steps[state.step_id].position if state.step_id in steps else 0
    passed = passed_steps(plain, facts, current)
    if not passed:
        return None
    target = steps[passed[-1][0].id]
    # Counted from the anchor when the step reads the unpaid items (R-X3), else from its day.
    on_items = target.condition == "days_past_due" or passed[-1][0].reads_items
    counted_from = facts.anchor_due_date if on_items else passed[-1][1]
    # Effective when the step fell due, but never before the status it leaves (history order).
    effective = datetime.combine(passed[-1][1], time.min, tzinfo=tz)  # as make_aware does
    if account.status_changed_at and effective < account.status_changed_at:
        effective = account.status_changed_at
    return StepPlan(
        account,
        state,
        target,
        [(steps[s.id], day) for s, day in passed],
        counted_from or passed[-1][1],
        effective,
        facts,
    )


def renewal_pending(account, today: date) -> bool:
    """R-G3: after an unlock the customer has until the renewal deadline; the deadline's sweep,
    not a ladder step, locks the account again if it passes (R-G2b ended the lock's step)."""
    return account.renewal_deadline is not None and account.renewal_deadline >= today


def apply_dunning(account: Account, today: date) -> list[StepRecord]:
    """One locked account (postings, tests): the same path as a sweep batch of one."""
    return apply_dunning_batch([account], today)


def apply_dunning_batch(
    accounts: list[Account], today: date, ladders: Ladders | None = None
) -> list[StepRecord]:
    """Move each locked account straight to the step its dates call for, recording every passed
    step once with its fee and notice (R-X3); returns the events written (none on a rerun)."""
    ladders = ladders or Ladders(Policies())
    eligible = [
        a
        for a in accounts
        if not a.is_dunning_exempt(today)  # R-X2
        and not renewal_pending(a, today)  # R-G3
        and a.status_type.backend_status in DUNNING_STATUSES
        and ladders.of(a)
    ]
    if not eligible:
        return []
    ids = [a.pk for a in eligible]
    anchors = earliest_unpaid_due_dates(ids)
    items = ladders.items_of(eligible)
    states = {s.account_id: s for s in DunningState.objects.filter(account_id__any=ids)}
    plans = move_plans(
        [
            p
            for a in eligible
            if (
                p := plan_for(
                    a,
                    states.get(a.pk) or DunningState(account=a),
                    ladders,
                    anchors.get(a.pk),
                    today,
                    items=items.get(a.pk, ()),
                )
            )
            is not None
        ]
    )
    # The states move before the fees post: a fee re-evaluates credit, which must see the step.
    for plan in plans:
        plan.state.step, plan.state.anchor_due_date = plan.target, plan.anchor
    save_states(plans)
    return record_steps(plans, today)


def step_note(plan: StepPlan) -> str:
    """The history note of a dunning move: which step of which ladder, counted from when."""
    return (
        f"dunning step {plan.target.position} of “{plan.target.policy.name}”, "
        f"counted from {plan.anchor}"
    )


def _note(notes: dict, plan: StepPlan) -> str:
    """step_note, written once per step and anchor (many accounts share one)."""
    key = (plan.target, plan.anchor)
    if key not in notes:
        notes[key] = step_note(plan)
    return notes[key]


def move_plans(plans: list[StepPlan]) -> list[StepPlan]:
    """Change the statuses the plans call for, through accounts' one writer; a plan the
    transition table refuses (say an operator's suspension and a step pointing at credit hold)
    is dropped, and nothing is recorded for it. Both ladder paths (models, rows) decide here."""
    notes: dict[tuple, str] = {}  # one per step and anchor, not per account
    moves = [
        bulk.Move(
            plan.account,
            plan.target.status_type,
            _note(notes, plan),
            plan.effective_at,
            rule_id=plan.target.rule_id or "R-X3",
        )
        for plan in plans
    ]
    refused: list = []
    with transaction.atomic():  # a reason that does not fit rolls the moves back with its error
        bulk.change_statuses(
            moves, actor=Actor.system("R-X3"), reason=REASON_DUNNING, refused=refused
        )
        for _move, error in refused:
            if not isinstance(error, InvalidTransition):
                raise error  # R-E3: the dunning reason must fit every status a step moves to
    dropped = {move.account.pk for move, _error in refused}
    return [plan for plan in plans if plan.account.pk not in dropped]


def save_states(plans: list[StepPlan]) -> None:
    """Put each account on its plan's step, in one upsert (an account's first step creates its
    row: no row reads as "not on the ladder")."""
    now = timezone.now()
    sqlbulk.upsert_rows(
        DunningState,
        "account",
        ["account", "step", "anchor_due_date", "restart_on", "updated_at"],
        [(p.account.pk, p.target, p.anchor, p.state.restart_on, now) for p in plans],
    )


class StepRecord(NamedTuple):
    """A DunningEvent just written (no model instance per row on the sweep's hot path)."""

    pk: int
    account_id: int
    step_id: int


EVENT_FIELDS = ["account", "step", "anchor", "due_on", "notice_sent"]


def record_steps(plans: list[StepPlan], today: date) -> list[StepRecord]:
    """Write each passed step once (R-X3) with its fee and its notice after commit; both the
    model path and the row path (ladder_rows) end here."""
    existing = set(
        DunningEvent.objects.filter(account_id__any=[p.account.pk for p in plans]).values_list(
            "account_id", "anchor", "step_id"
        )
    )
    now = timezone.now()
    wanted = [
        (p.account, step, p.anchor, day)
        for p in plans
        for step, day in p.passed
        if not existing or (p.account.pk, p.anchor, step.pk) not in existing
    ]
    # notice_sent=False means a notice waits to go out: a step with a notice, to an account with
    # someone to tell. The rest are written as handled, so no second write marks them (1M sweep).
    told = notices.contact_emails({a.pk for a, step, _n, _d in wanted if step.notice})
    waiting = [bool(step.notice) and account.pk in told for account, step, _n, _d in wanted]
    ids = sqlbulk.insert_rows(
        DunningEvent,
        EVENT_FIELDS,
        [
            (account.pk, step.pk, anchor, day, not wait)
            for (account, step, anchor, day), wait in zip(wanted, waiting, strict=True)
        ],
        same={"applied_on": today, "created_at": now},
    )
    facts = {p.account.pk: p.facts for p in plans}
    post_step_fees(ids, wanted, facts, today)
    money_events.steps_entered(ids, wanted, existing, today)  # one insert, both paths
    noticed = [pk for pk, wait in zip(ids, waiting, strict=True) if wait]
    if noticed:
        transaction.on_commit(partial(notices.send_dunning_notices, noticed))
    step_effects.apply(
        [(account.pk, step, day) for account, step, _n, day in wanted], today
    )  # R-D6: in this transaction, through the apps that registered (subscriptions)
    return [
        StepRecord(pk, account.pk, step.pk)
        for pk, (account, step, _n, _d) in zip(ids, wanted, strict=True)
    ]


def post_step_fees(ids: list[int], wanted: list[tuple], facts: dict, today: date) -> None:
    """Each new step's fee (R-D6): fixed, or a percentage of what was overdue on the step's day,
    capped; posted by account id, so the row path posts them too (R-B3: due at once)."""
    steps = {step.pk: step for _a, step, _n, _d in wanted}
    charging = {pk for pk, step in steps.items() if _may_charge(step)}
    if not charging:  # the common ladder charges nothing: no loop over every new step
        return
    for pk, (account, step, anchor, day) in zip(ids, wanted, strict=True):
        if step.pk not in charging:
            continue
        overdue = overdue_on(facts[account.pk], day) if step.fee_percent is not None else 0
        amount = step_fee(step.fee, step.fee_percent, step.fee_cap, overdue)
        if amount <= 0:
            continue
        fee = post_fee(
            account.pk,
            amount,
            description=f"Dunning fee: {step.notice or step.status_type.name}",
            actor=Actor.system(step.rule_id or "R-X3"),
            # A key names one posting of one account (issue 15); due at once (R-B3, R-B4).
            idempotency_key=f"dunning-{account.pk}-{step.pk}-{anchor}",
            now=posting.time_of_day(today),
        )
        DunningEvent.objects.filter(pk=pk).update(fee_entry=fee)


def _may_charge(step) -> bool:
    """A step whose fee can be more than zero: a percentage, or a fixed fee above zero."""
    return step.fee_percent is not None or step.fee > 0


MSG_NOT_CANCELLED = "Only a cancelled account can be enabled; this one is {status}."


def enable_account(
    account: Account, *, actor, reason: str = "Reactivated by operator", preview: bool = False
):
    """Enable a cancelled account (operator only, R-D3): the reactivation fee, then Active.
    With preview=True nothing is written and the ledger entries it would write are returned."""
    from .errors import BillingError

    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.status_type.backend_status != BackendStatus.CANCELLED:
            raise BillingError(MSG_NOT_CANCELLED.format(status=locked.status_type.name))
        fee = reactivation_fee(locked)
        entries = (
            [{"kind": "fee", "amount": -fee, "description": "Reactivation fee (R-D3)"}]
            if fee
            else []
        )
        if preview:
            return entries
        change = account_services.change_status(
            locked,
            account_services.default_status_type(BackendStatus.ACTIVE),
            actor=replace(as_actor(actor), rule_id=ENABLE_RULE),  # the one way out (issue 15 #6)
            reason=reason,
            note=f"reactivation fee {fee}" if fee else "",
        )
        if fee:
            post_fee(locked, fee, description="Reactivation fee (R-D3)", actor=actor)
    account.refresh_from_db()
    return change
