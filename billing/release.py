"""What releases an account, and who must act (R-CH4b): the one answer the control-panel banner
and payment link (R-CH6), the admin's R-X4 panel, `billing.services.required_payment` and the API
read. The amount is found by asking the release decision itself (decisions.decide, the rule the
payment path and the sweeps apply) what a payment would leave behind: the smallest amount after
which it says "release". No page computes its own amount.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.resellers import contact_for
from accounts.unlocking import not_a_payment_lock, unlock_window_last_day

from . import decisions
from .credit import CreditFacts, credit_facts_of
from .models import DunningState, OpenItem

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

CUSTOMER, OPERATOR, SYSTEM, NOBODY = "customer", "operator", "system", "nobody"

MSG_NOT_ON_HOLD = "Not on hold."
MSG_PAY = "A payment of {amount} {currency} returns it to Active at once ({rule})."
MSG_COVERED = "Money already covers it: the next credit check returns it to Active ({rule})."
MSG_OPERATOR_ONLY = "Only an operator releases it: {why} (R-X1). A payment does not lift it."
MSG_STEP_KEEPS = "dunning step {position} ({name}) does not release on payment"
MSG_NOT_FINANCIAL = "it was entered for “{reason}”, not for non-payment"
MSG_ENABLE = (
    "Only an operator's Enable returns it to Active (R-D3), charging the reactivation fee of "
    "{fee} {currency}."
)
MSG_DELETED = "Deleted is final: nothing releases it."
MSG_PROSPECT = "An operator activates a prospect by changing its status."
MSG_UNLOCK_NO_DATE = (
    "Only an operator's Unlock User Account releases it (R-G2); the account has no Next Payment "
    "date, so redirect the customer to {contact}."
)
MSG_UNLOCK = (
    "Only an operator's Unlock User Account releases it (R-G2), allowed until {last_day} (Next "
    "Payment {next_payment} + {days} days); after that, redirect the customer to {contact}.{after}"
)
MSG_UNLOCK_THEN_PAY = (
    " The balance is below the threshold, so the unlock gives Credit hold (R-CH2) until "
    "{amount} {currency} is paid."
)


@dataclass(frozen=True)
class Release:
    """What returns the account to Active: a payment of `amount` (who_must_act = customer), or an
    operator's act (amount 0, `reason` says which); `fee` is what R-D3's Enable charges."""

    amount: Decimal
    currency: str
    reason: str
    who_must_act: str
    rule_id: str
    on: date | None = None
    fee: Decimal = ZERO


def release_of(
    account: Account | int, now: datetime | None = None, *, just_read: bool = False
) -> Release:
    """The one answer to "what releases this account, and who must act" (R-CH4b).

    The account is read again (its status may have changed since the caller loaded it) unless
    the caller has `just_read` it with its status type and reason in this request."""
    now = now or timezone.now()
    if not (just_read and isinstance(account, Account)):
        pk = account.pk if isinstance(account, Account) else account
        account = Account.objects.select_related("status_type", "status_reason").get(pk=pk)
    backend = account.status_type.backend_status
    done = partial_release(account)
    if backend == S.ACTIVE:
        return done(ZERO, MSG_NOT_ON_HOLD, "", "")
    if backend in decisions.RELEASABLE:
        return _money_release(account, now, done)
    if backend == S.ADMINISTRATIVE_HOLD:
        return _admin_hold_release(account, now, done)
    if backend == S.CANCELLED:
        fee = Decimal(decisions.reactivation_fee(account)).quantize(CENT)
        reason = MSG_ENABLE.format(fee=fee, currency=account.currency)
        return replace(done(ZERO, reason, OPERATOR, "R-D3"), fee=fee, on=timezone.localdate(now))
    if backend == S.DELETED:
        return done(ZERO, MSG_DELETED, NOBODY, "R-C4")
    return done(ZERO, MSG_PROSPECT, OPERATOR, "R-E7")


def partial_release(account: Account):
    def done(amount: Decimal, reason: str, who: str, rule: str) -> Release:
        return Release(amount.quantize(CENT), account.currency, reason, who, rule)

    return done


def _money_release(account: Account, now: datetime, done) -> Release:
    backend = account.status_type.backend_status
    ctx = decisions.contexts([account])[account.pk]
    rule = "R-CH5" if backend == S.CREDIT_HOLD else "R-D4"
    if not decisions.payment_may_release(backend, ctx):
        return done(ZERO, MSG_OPERATOR_ONLY.format(why=_why_not(account)), OPERATOR, "R-X1")
    facts = credit_facts_of(account, now)
    amount = smallest_releasing_payment(backend, facts, ctx, _unpaid_items(account))
    if amount is None:  # no amount satisfies the rule: say so rather than ask for a sum
        return done(ZERO, MSG_OPERATOR_ONLY.format(why=_why_not(account)), OPERATOR, "R-X1")
    if amount == 0:
        return done(ZERO, MSG_COVERED.format(rule=rule), SYSTEM, rule)
    reason = MSG_PAY.format(amount=amount, currency=account.currency, rule=rule)
    return replace(done(amount, reason, CUSTOMER, rule), on=timezone.localdate(now))


def _why_not(account: Account) -> str:
    state = DunningState.objects.filter(account=account).select_related("step__status_type")
    step = next((s.step for s in state if s.step_id), None)
    if step is not None and not step.releases_on_payment:
        name = step.rule_id or step.status_type.name
        return MSG_STEP_KEEPS.format(position=step.position, name=name)
    return MSG_NOT_FINANCIAL.format(reason=account.status_reason)


def _unpaid_items(account: Account) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    """The debt a payment settles first that no item carries (none while every debit is an open
    item), then the open items oldest due first, as credits settle them (R-B3)."""
    items = [
        (due, amount - settled)
        for due, amount, settled in OpenItem.objects.filter(
            account=account, settled_at__isnull=True
        )
        .order_by("due_date", "id")
        .values_list("due_date", "amount", "settled")
    ]
    carried = sum((outstanding for _due, outstanding in items), ZERO)
    return max(ZERO, -account.balance - carried), items


def anchor_after(paid: Decimal, unpaid: tuple[Decimal, list[tuple[date, Decimal]]]):
    """The anchor once `paid` has settled the unpaid items oldest due first."""
    loose, items = unpaid
    left = paid - loose
    for due, outstanding in items:
        if left < outstanding:
            return due
        left -= outstanding
    return None


def items_after(paid: Decimal, unpaid, items: tuple) -> tuple:
    """The ladder's items (R-D5: fees left out) once `paid` has settled the unpaid items oldest
    due first. The fees among them are taken as settled first: more money never holds an
    account that less released, so the amount found can only err on the side that releases."""
    loose, all_items = unpaid
    fees = sum((o for _d, o in all_items), ZERO) - sum((o for _d, o in items), ZERO)
    left = paid - loose - max(fees, ZERO)
    after = []
    for due, outstanding in items:
        take = min(max(left, ZERO), outstanding)
        left -= take
        if outstanding - take > 0:
            after.append((due, outstanding - take))
    return tuple(after)


def after_payment(facts: CreditFacts, ctx, paid: Decimal, unpaid) -> tuple[CreditFacts, object]:
    """The facts and context the payment path decides on once `paid` is posted and settled."""
    balance = facts.balance + paid
    negative_since = facts.negative_since if balance < 0 else None
    return (
        replace(facts, balance=balance, negative_since=negative_since),
        replace(
            ctx,
            anchor=anchor_after(paid, unpaid),
            items=items_after(paid, unpaid, ctx.items) if ctx.items else (),
        ),
    )


def smallest_releasing_payment(backend, facts: CreditFacts, ctx, unpaid) -> Decimal | None:
    """The smallest payment after which decisions.decide releases the account, or None.

    The decision changes only where a balance crosses a line (the threshold, zero, one cent
    above zero) or a payment settles a whole item, so those amounts are the only candidates;
    more money never holds an account that less money released."""
    loose, items = unpaid
    lines = [ZERO, facts.threshold - facts.balance, -facts.balance, CENT - facts.balance]
    running = loose
    lines.append(running)
    for _due, outstanding in items:
        running += outstanding
        lines.append(running)
    lines += _amount_lines(ctx, running)
    for paid in sorted({line for line in lines if line >= 0}):
        after, ctx_after = after_payment(facts, ctx, paid, unpaid)
        decision = decisions.decide(backend, after, ctx_after)
        if decision is not None and decision.kind == "release":
            return paid
    return None


def _amount_lines(ctx, owed: Decimal) -> list[Decimal]:
    """R-D5: a payment that takes the overdue total a cent below a step's amount may be enough
    (conservatively measured on everything owed, the fees first, as items_after settles)."""
    amounts = [s.min_overdue_amount for s in ctx.ladder if s.min_overdue_amount]
    return [owed - amount + CENT for amount in amounts]


def _admin_hold_release(account: Account, now: datetime, done) -> Release:
    refusal = not_a_payment_lock(account)  # R-G2b: Unlock lifts only a non-payment lock
    if refusal:
        return done(ZERO, refusal, OPERATOR, "R-G2b")
    next_payment = account.next_payment_date
    contact = contact_for(account).described  # R-R1: the reseller's, else ORDERS_CONTACT
    if next_payment is None:
        return done(ZERO, MSG_UNLOCK_NO_DATE.format(contact=contact), OPERATOR, "R-G2")
    facts = credit_facts_of(account, now)
    after = ""
    if facts.below_threshold or facts.negative_too_long:
        amount = smallest_releasing_payment(
            S.CREDIT_HOLD, facts, _unlocked_context(account), _unpaid_items(account)
        )
        after = MSG_UNLOCK_THEN_PAY.format(amount=amount or ZERO, currency=account.currency)
    last_day = unlock_window_last_day(next_payment)
    text = MSG_UNLOCK.format(
        last_day=last_day,
        next_payment=next_payment,
        days=settings.UNLOCK_WINDOW_DAYS,
        contact=contact,
        after=after,
    )
    return replace(done(ZERO, text, OPERATOR, "R-G2"), on=last_day)


def _unlocked_context(account: Account):
    """The context after an unlock: R-G2b ends the lock's step, so no step holds the account."""
    return replace(decisions.contexts([account])[account.pk], step_releases=None)
