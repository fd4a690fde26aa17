"""Apply the dunning ladder to one locked account (R-D1 … R-D3, R-G1, R-X2, R-X3)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.errors import AccountsError
from accounts.models import Account, BackendStatus

from . import notices
from .dunning import DunningFacts, Step, passed_steps
from .models import DunningEvent, DunningState, DunningStep, Invoice
from .services import policy_for, post_fee

# Dunning acts on accounts that are still in service; a Terminated (cancelled) account has reached
# the end of the ladder and an administrative hold is a person's or R-G1's decision.
DUNNING_STATUSES = (BackendStatus.ACTIVE, BackendStatus.CREDIT_HOLD, BackendStatus.SUSPENDED)
REASON_DUNNING = "Non-payment"


def earliest_unpaid_due_date(account: Account) -> date | None:
    """The anchor: the due date of the earliest unpaid invoice (R-X3)."""
    return (
        Invoice.objects.filter(account=account, paid_at__isnull=True)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )


def dunning_facts(account: Account, today: date, restart_on: date | None = None) -> DunningFacts:
    """The facts the ladder reads; after a return to Active it counts from that day."""

    def later(day: date | None) -> date | None:
        return max(day, restart_on) if day and restart_on else day

    negative = timezone.localdate(account.negative_since) if account.negative_since else None
    return DunningFacts(
        today=today,
        anchor_due_date=later(earliest_unpaid_due_date(account)),
        balance=account.balance,
        threshold=account.financial_blocking_threshold,
        negative_since=later(negative),
    )


def ladder(policy) -> dict[int, DunningStep]:
    return {step.pk: step for step in policy.steps.select_related("status_type")}


def apply_dunning(account: Account, today: date) -> list[DunningEvent]:
    """Move a locked account straight to the step its dates call for, recording every passed
    step once with its fee and notice; returns the events written (none on a rerun)."""
    if account.is_dunning_exempt(today):  # R-X2
        return []
    if account.status_type.backend_status not in DUNNING_STATUSES:
        return []
    steps = ladder(policy_for(account))
    if not steps:
        return []
    state, _ = DunningState.objects.get_or_create(account=account)
    facts = dunning_facts(account, today, state.restart_on)
    current = state.step.position if state.step_id else 0
    plain = [Step(s.pk, s.position, s.condition, s.days) for s in steps.values()]
    passed = passed_steps(plain, facts, current)
    if not passed:
        return []
    target = steps[passed[-1][0].id]
    anchor = facts.anchor_due_date if target.condition == "days_past_due" else passed[-1][1]
    # Effective when the step fell due, but never before the status it leaves (history order).
    effective = timezone.make_aware(datetime.combine(passed[-1][1], time.min))
    if account.status_changed_at and effective < account.status_changed_at:
        effective = account.status_changed_at
    try:
        account_services.change_status(
            account,
            target.status_type,
            actor=Actor.system(target.rule_id or "R-X3"),
            reason=REASON_DUNNING,
            effective_at=effective,
            note=f"dunning step {target.position} of “{target.policy.name}”, counted from {anchor}",
        )
    except AccountsError:
        return []  # the table refuses (e.g. a step pointing backwards); nothing is recorded
    # The state moves before the fees post: a fee re-evaluates credit, which must see the step.
    state.step, state.anchor_due_date = target, anchor
    state.save(update_fields=["step", "anchor_due_date", "updated_at"])
    events = [
        _record_step(account, steps[step.id], anchor or day, day, today) for step, day in passed
    ]
    return [event for event in events if event is not None]


def _record_step(account, step, anchor, day, today) -> DunningEvent | None:
    event, created = DunningEvent.objects.get_or_create(
        account=account,
        step=step,
        anchor=anchor,
        defaults={"due_on": day, "applied_on": today},
    )
    if not created:
        return None
    if step.fee > 0:
        event.fee_entry = post_fee(
            account,
            step.fee,
            description=f"Dunning fee: {step.notice or step.status_type.name}",
            actor=Actor.system(step.rule_id or "R-X3"),
            idempotency_key=f"dunning-{step.pk}-{anchor}",
        )
        event.save(update_fields=["fee_entry"])
    if step.notice:
        transaction.on_commit(lambda: notices.send_dunning_notice(event.pk))
    return event


MSG_NOT_CANCELLED = "Only a cancelled account can be enabled; this one is {status}."


def reactivation_fee(account: Account):
    """R-D3: re-enabling an account cancelled for non-payment charges the policy's fee."""
    financial = account.status_reason is not None and account.status_reason.is_financial
    return policy_for(account).reactivation_fee if financial else 0


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
            actor=actor,
            reason=reason,
            note=f"reactivation fee {fee}" if fee else "",
        )
        if fee:
            post_fee(locked, fee, description="Reactivation fee (R-D3)", actor=actor)
    account.refresh_from_db()
    return change
