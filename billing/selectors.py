"""Reads that explain an account's money and hold (R-X4) for the operator portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Account, ScheduledStatusChange, StatusChange
from accounts.models import BackendStatus as S
from accounts.unlocking import unlock_window_last_day

from .credit import required_payment_for
from .ladder import reactivation_fee
from .models import DunningEvent, DunningState, Invoice
from .services import credit_facts, policy_for

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Condition:
    """One fact about the account, whether it holds now, with its values and rule id."""

    label: str
    holds: bool
    detail: str
    rule_id: str = ""


@dataclass
class HoldExplanation:
    """Why the account is where it is (R-X4): every condition, who acted, what releases it."""

    on_hold: bool
    status: str
    backend_status: str
    balance: Decimal
    threshold: Decimal
    currency: str
    days_negative: int | None
    allowed_negative_days: int | None
    required_payment: Decimal
    conditions: list[Condition] = field(default_factory=list)
    last_change: StatusChange | None = None
    actor: str = ""
    release_amount: Decimal | None = None
    release_on: date | None = None
    release: str = ""


def _actor(change: StatusChange | None) -> str:
    if change is None:
        return ""
    if change.actor_kind == "system":
        who = f"the system ({change.rule_id})" if change.rule_id else "the system"
        if change.actor_user_id:
            who += f" after an act of {change.actor_user}"
        return who
    kind = change.get_actor_kind_display()
    return f"{kind}: {change.actor_user}" if change.actor_user_id else kind


def _money_conditions(account: Account, facts, today: date) -> list[Condition]:
    period = account.allowed_negative_days
    period_text = "infinite" if period is None else f"{period} day(s)"
    days = facts.days_negative
    negative = (
        f"negative since {timezone.localdate(account.negative_since)} ({days} day(s)); "
        f"allowed period {period_text}"
        if account.negative_since and facts.balance < 0
        else f"not negative; allowed period {period_text}"
    )
    conditions = [
        Condition(
            "Balance below the financial blocking threshold",
            facts.below_threshold,
            f"balance {facts.balance} {account.currency}, threshold {facts.threshold}",
            "R-CH1 (a)",
        ),
        Condition(
            "Negative for longer than the allowed period",
            facts.negative_too_long,
            negative,
            "R-CH1 (b)",
        ),
    ]
    unpaid = Invoice.objects.filter(account=account, paid_at__isnull=True).order_by("due_date")
    first = unpaid.first()
    conditions.append(
        Condition(
            "Unpaid invoice past its due date",
            first is not None and first.due_date < today,
            (
                f"{first.number}: {first.outstanding} {first.currency} outstanding, due "
                f"{first.due_date}, {max(0, (today - first.due_date).days)} day(s) past due; "
                f"{unpaid.count()} unpaid invoice(s)"
            )
            if first
            else "no unpaid invoice",
            "R-X3",
        )
    )
    return conditions


def _dunning_condition(account: Account, today: date) -> tuple[Condition, DunningState | None]:
    state = DunningState.objects.filter(account=account).select_related("step__policy").first()
    step = state.step if state else None
    if step is None:
        policy = policy_for(account)
        return Condition("Dunning step", False, f"no step reached on “{policy.name}”"), state
    event = DunningEvent.objects.filter(account=account, step=step).order_by("-id").first()
    when = f", due {event.due_on}, applied by the sweep of {event.applied_on}" if event else ""
    releases = "a sufficient payment releases it" if step.releases_on_payment else (
        "only an operator releases it"
    )  # fmt: skip
    detail = (
        f"step {step.position} of “{step.policy.name}”: {step.get_condition_display().lower()} "
        f"for {step.days} day(s) → {step.status_type.name}{when}; {releases}"
    )
    return Condition("Dunning step", True, detail, step.rule_id), state


def _exemption(account: Account, today: date) -> Condition:
    if account.dunning_exempt:
        detail = "exempt from dunning (VIP)"
    elif account.dunning_exempt_until:
        detail = f"do not suspend before {account.dunning_exempt_until}"
    else:
        detail = "not exempt"
    return Condition("Exempt from dunning", account.is_dunning_exempt(today), detail, "R-X2")


def _payment_that_releases(account: Account, facts, state: DunningState | None) -> Decimal:
    """R-CH4, and R-D4: under a dunning step every unpaid invoice must be paid too."""
    amount = required_payment_for(facts)
    if state is not None and state.step_id and facts.balance < 0:
        amount = max(amount, -facts.balance)
    if account.status_type.backend_status == S.SUSPENDED:
        amount = max(amount, -facts.balance, facts.threshold - facts.balance, ZERO)
    return amount


def _release(account: Account, facts, state, explanation: HoldExplanation, today: date) -> None:
    backend = account.status_type.backend_status
    reason = account.status_reason
    financial = reason is not None and reason.is_financial
    step = state.step if state and state.step_id else None
    releasable_step = step is None or step.releases_on_payment
    amount = _payment_that_releases(account, facts, state)
    if backend == S.ACTIVE:
        explanation.release = "Not on hold."
    elif (
        backend in (S.CREDIT_HOLD, S.SUSPENDED)
        and releasable_step
        and (backend == S.CREDIT_HOLD or financial)
    ):
        rule = "R-CH5" if backend == S.CREDIT_HOLD else "R-D4"
        explanation.release_amount, explanation.release_on = amount, today
        explanation.release = (
            f"A payment of {amount} {account.currency} returns it to Active at once ({rule})."
        )
    elif backend == S.ADMINISTRATIVE_HOLD:
        _release_admin_hold(account, facts, explanation)
    elif backend == S.CANCELLED:
        fee = reactivation_fee(account)
        explanation.release_amount, explanation.release_on = Decimal(fee), today
        explanation.release = (
            f"Only an operator's Enable returns it to Active (R-D3), charging the reactivation "
            f"fee of {Decimal(fee):.2f} {account.currency}."
        )
    elif backend == S.DELETED:
        explanation.release = "Deleted is final: nothing releases it."
    elif backend == S.PROSPECT:
        explanation.release = "An operator activates a prospect by changing its status."
    else:
        why = (
            f"dunning step {step.position} ({step.rule_id or step.status_type.name}) does not "
            "release on payment"
            if step is not None and not step.releases_on_payment
            else f"it was entered for “{reason}”, not for non-payment"
        )
        explanation.release = (
            f"Only an operator releases it: {why} (R-X1). A payment does not lift it."
        )


def _release_admin_hold(account: Account, facts, explanation: HoldExplanation) -> None:
    next_payment = account.next_payment_date
    if next_payment is None:
        explanation.release = (
            "Only an operator's Unlock User Account releases it (R-G2); the account has no Next "
            f"Payment date, so redirect the customer to {settings.ORDERS_CONTACT}."
        )
        return
    last_day = unlock_window_last_day(next_payment)
    explanation.release_on = last_day
    after = (
        f" The balance is below the threshold, so the unlock gives Credit hold (R-CH2) until "
        f"{required_payment_for(facts)} {account.currency} is paid."
        if facts.below_threshold or facts.negative_too_long
        else ""
    )
    explanation.release = (
        f"Only an operator's Unlock User Account releases it (R-G2), allowed until {last_day} "
        f"(Next Payment {next_payment} + {settings.UNLOCK_WINDOW_DAYS} days); after that, "
        f"redirect the customer to {settings.ORDERS_CONTACT}.{after}"
    )


def why_on_hold(account: Account, now: datetime | None = None) -> HoldExplanation:
    """Every condition that applies to the account with its values, who put it where it is and
    when, and the exact amount and date that would release it (R-X4)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    account = Account.objects.select_related("status_type", "status_reason").get(pk=account.pk)
    facts = credit_facts(account, now)
    backend = account.status_type.backend_status
    # The row that brought the account into its current type (the newest written, since a
    # sweep may record a change effective earlier than rows written before it, R-X3).
    last = (
        StatusChange.objects.filter(account=account, to_type=account.status_type)
        .select_related("to_type", "reason", "actor_user")
        .order_by("-id")
        .first()
    )
    explanation = HoldExplanation(
        on_hold=backend != S.ACTIVE,
        status=account.status_type.name,
        backend_status=account.status_type.get_backend_status_display(),
        balance=facts.balance,
        threshold=facts.threshold,
        currency=account.currency,
        days_negative=facts.days_negative if facts.balance < 0 else None,
        allowed_negative_days=account.allowed_negative_days,
        required_payment=required_payment_for(facts),
        last_change=last,
        actor=_actor(last),
    )
    dunning, state = _dunning_condition(account, today)
    explanation.conditions = [
        *_money_conditions(account, facts, today),
        dunning,
        _exemption(account, today),
    ]
    _release(account, facts, state, explanation, today)
    _scheduled_release(account, explanation)
    return explanation


def _scheduled_release(account: Account, explanation: HoldExplanation) -> None:
    """A pending scheduled change back to Active releases it on its date (R-E4)."""
    if not explanation.on_hold:
        return
    scheduled = (
        ScheduledStatusChange.objects.pending()
        .filter(account=account, status_type__backend_status=S.ACTIVE)
        .order_by("effective_on")
        .first()
    )
    if scheduled is not None:
        explanation.release += (
            f" A scheduled change to {scheduled.status_type.name} runs on "
            f"{scheduled.effective_on} (R-E4)."
        )
        if explanation.release_on is None or scheduled.effective_on < explanation.release_on:
            explanation.release_on = scheduled.effective_on
