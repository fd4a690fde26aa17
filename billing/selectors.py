"""Reads that explain an account's money and hold (R-X4) for the operator portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, ScheduledStatusChange, StatusChange
from accounts.models import BackendStatus as S
from accounts.unlocking import actor_words

from .models import DunningEvent, DunningState, Invoice
from .release import release_of
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
        f"step {step.position} of “{step.policy.name}”: {step.conditions_text().lower()} "
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


def _release(account: Account, explanation: HoldExplanation, now: datetime) -> None:
    """What releases it and who must act: release_of's answer, the one home of that rule."""
    release = release_of(account, now, just_read=True)  # why_on_hold has just read it
    explanation.required_payment = release.amount
    explanation.release = release.reason
    explanation.release_on = release.on
    if release.amount > 0:
        explanation.release_amount = release.amount
    elif release.fee:
        explanation.release_amount = release.fee  # R-D3: what Enable charges


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
        required_payment=ZERO,
        last_change=last,
        actor=actor_words(last) if last else "",
    )
    dunning, _state = _dunning_condition(account, today)
    explanation.conditions = [
        *_money_conditions(account, facts, today),
        dunning,
        _exemption(account, today),
    ]
    _release(account, explanation, now)
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
