"""Every write to money goes through here (R-B1): one locked posting, cached balance, then credit.

guard → lock the account → check → insert the entry → update the balance → open or settle items
(R-B3, billing.open_items) → evaluate credit (R-CH1 a, R-CH5) — all in one transaction, at the
posting's own time `now` (R-B4). billing.posting holds the shared steps.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import arguments
from accounts import services as account_services
from accounts.actors import Actor, as_actor
from accounts.exemptions import write_audit
from accounts.models import Account, StatusChange
from accounts.retry import retry_on_conflict

from . import corrections, decisions, posting
from . import events as money_events
from .amounts import CENT, parse_amount
from .credit import CreditFacts, credit_facts_of, should_hold
from .errors import AlreadyReversed, BillingError, CurrencyMismatch, InvalidAmount, InvalidDate
from .models import DunningPolicy, DunningState, EntryKind, Invoice, LedgerEntry

DESCRIPTION_LENGTH = LedgerEntry._meta.get_field("description").max_length  # and Invoice's
MSG_CURRENCY = _("The account is billed in {account}; {given} cannot be posted to it.")
MSG_IDEMPOTENCY_KEY = _("A payment needs an idempotency key so that a retry records it once.")
MSG_ALREADY_REVERSED = _("This entry was already reversed.")
MSG_REVERSE_REVERSAL = _("A reversal cannot itself be reversed; post a new entry instead.")
MSG_DUE_BEFORE_BILLING = _("The due date {due} is before the billing date {billing}.")
MSG_NOT_A_POLICY = _("“{value}” is not a dunning policy.")


# An account is named by its record or its id, never guessed from a number (issue 15).
_account_pk = posting.account_pk
_lock = posting.lock


def policy_for(account: Account) -> DunningPolicy:
    """The account's credit and dunning policy, or the default one."""
    if account.dunning_policy_id:
        return account.dunning_policy
    return DunningPolicy.objects.get(is_default=True)


def credit_facts(account: Account, now: datetime | None = None) -> CreditFacts:
    return credit_facts_of(account, now or timezone.now())


def required_payment(account: Account, now: datetime | None = None) -> Decimal:
    """The smallest payment that returns the account to Active at once (R-CH4b); 0 when no
    payment does — billing.release.release_of says then who must act."""
    from .release import release_of  # the one answer (R-CH4b); release reads no services

    return release_of(_account_pk(account), now).amount


@retry_on_conflict  # a deadlock or serialization failure reruns the whole posting
def _post(
    account: Account | int,
    amount: Any,
    *,
    kind: str,
    description: str,
    actor: Any,
    currency: str | None = None,
    idempotency_key: str | None = None,
    invoice: Invoice | None = None,
    reverses: LedgerEntry | None = None,
    sign: int = 1,
    signed: bool = False,
    now: datetime | None = None,
    due_date: date | None = None,
    reason: str | None = None,
    settles: Any = None,
) -> LedgerEntry:
    """Write one ledger entry and everything that follows from it, atomically, at `now` (R-B4)."""
    actor = as_actor(actor)
    value = parse_amount(amount, positive=not signed) * sign
    arguments.text(description, "The description", limit=DESCRIPTION_LENGTH, error=BillingError)
    if currency is not None:  # issue 15: text, or refused with a message
        arguments.text(currency, "The currency", error=CurrencyMismatch)
    key = posting.checked_key(idempotency_key)
    now = posting.effective_time(now)
    with transaction.atomic():
        locked = posting.lock_for_posting(account)
        if key and (existing := posting.earlier_posting(locked, key, value, kind)):
            return existing  # the same key twice records one entry
        if reverses is not None and LedgerEntry.objects.filter(reverses=reverses).exists():
            raise AlreadyReversed(MSG_ALREADY_REVERSED)  # decided under the lock
        if currency and str(currency).upper() != locked.currency:
            raise CurrencyMismatch(MSG_CURRENCY.format(account=locked.currency, given=currency))
        entry = posting.write_entry(
            locked,
            value,
            kind=kind,
            description=description,
            actor=actor,
            now=now,
            due_date=due_date,
            idempotency_key=key,
            invoice=invoice,
            reverses=reverses,
            settles=settles,
        )
        corrections.audit(locked, entry, actor, reason)  # a correction's who and why (R-D8)
        money_events.entry_posted(locked, entry, actor, now)  # payment.recorded / .reversed
        evaluate_credit(locked, now=now, actor=actor)
        if (
            kind == EntryKind.PAYMENT
            and locked.renewal_deadline
            and not should_hold(credit_facts(locked, now))
        ):
            # R-G3: a funded account after an unlock has renewed; no relock at the deadline.
            account_services.clear_renewal_deadline(locked, actor=actor, note="payment received")
    if isinstance(account, Account):
        account.refresh_from_db()
    return entry


def evaluate_credit(
    account: Account,
    *,
    now: datetime | None = None,
    actor: Actor | None = None,
    rule_id: str = "R-CH1",
) -> StatusChange | None:
    """Apply R-CH1/R-G1 (hold or lock) or R-CH5/R-D4 (release) to a locked account."""
    facts = credit_facts(account, now)
    backend = account.status_type.backend_status
    if not decisions.may_move(backend, facts):
        return None  # nothing to decide: no context to read
    decision = decisions.decide(backend, facts, decisions.contexts([account])[account.pk], rule_id)
    if decision is None:
        return None
    change = account_services.change_status(
        account,
        decisions.target_type(decision),
        actor=Actor.system(decision.rule_id, on_behalf_of=actor.user if actor else None),
        reason=decision.reason,
        note=decision.note,
        # R-B4: at the posting's time, but never before the status it leaves (history order).
        effective_at=max(facts.now, account.status_changed_at or facts.now),
    )
    if decision.lock_step is not None:
        DunningState.objects.update_or_create(
            account=account, defaults={"step": decision.lock_step}
        )
    return change


def post_charge(account, amount, *, description, actor, kind=EntryKind.CHARGE, **extra):
    """Debit the account (a positive amount is charged)."""
    return _post(account, amount, kind=kind, description=description, actor=actor, sign=-1, **extra)


def post_usage(account, amount, *, description, actor, **extra):
    """Debit pay-as-you-go usage."""
    return post_charge(
        account, amount, description=description, actor=actor, kind=EntryKind.USAGE, **extra
    )


def post_fee(account, amount, *, description, actor, **extra):
    """Debit a fee (dunning step fee, reactivation fee)."""
    return post_charge(
        account, amount, description=description, actor=actor, kind=EntryKind.FEE, **extra
    )


def record_payment(
    account, amount, *, idempotency_key, actor, currency=None, description="Payment", now=None
):
    """Credit a payment; the same idempotency key twice records one payment (the first), the
    same key for another amount or account is refused (IdempotencyConflict)."""
    if not idempotency_key or not str(idempotency_key).strip():
        raise InvalidAmount(MSG_IDEMPOTENCY_KEY)
    return _post(
        account,
        amount,
        kind=EntryKind.PAYMENT,
        description=description,
        actor=actor,
        currency=currency,
        idempotency_key=idempotency_key,
        now=now,
    )


def post_refund(account, amount, *, description, actor, **extra):
    """Credit a refund (cancellations, R-E5)."""
    return _post(
        account, amount, kind=EntryKind.REFUND, description=description, actor=actor, **extra
    )


def post_adjustment(account, amount, *, description, actor, preview=False, **extra):
    """Post a signed manual adjustment: positive credits, negative debits (R-D8)."""
    if preview:  # R-X5: the entry and the status it gives, nothing written
        return corrections.preview_adjustment(
            account, amount, description=description, now=extra.get("now")
        )
    return _post(
        account,
        amount,
        kind=EntryKind.ADJUSTMENT,
        description=description,
        actor=actor,
        signed=True,
        **extra,
    )


def reverse_entry(
    entry: LedgerEntry, *, actor, description="", now=None, reason=None, preview=False
) -> LedgerEntry:
    """Correct an entry with its exact opposite; an entry is reversed at most once (R-B1)."""
    if entry.kind == EntryKind.REVERSAL:
        raise AlreadyReversed(MSG_REVERSE_REVERSAL)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise AlreadyReversed(MSG_ALREADY_REVERSED)
    if preview:  # R-X5
        return corrections.preview_reversal(entry, description=description, now=now)
    return _post(
        entry.account_id,
        -entry.amount,
        kind=EntryKind.REVERSAL,
        description=description or f"Reversal of {entry.description}",
        actor=actor,
        reverses=entry,
        signed=True,
        now=now,
        reason=reason,
    )


@retry_on_conflict
def set_financial_blocking_threshold(
    account, threshold, *, actor, now=None, reason: str = ""
) -> Account:
    """Set the threshold; above the balance it puts an Active account on credit hold (R-CH3)."""
    actor = as_actor(actor)
    value = parse_amount(threshold, positive=False, allow_zero=True)
    now = posting.effective_time(now)
    with transaction.atomic():
        locked = _lock(account)
        old = locked.financial_blocking_threshold
        locked.financial_blocking_threshold = value
        locked.save(update_fields=["financial_blocking_threshold"])
        if old != value:  # R-B2: every change of the threshold is audited
            write_audit(locked, "financial_blocking_threshold", old, value, actor, reason)
        evaluate_credit(locked, now=now, actor=actor, rule_id="R-CH3")
    if isinstance(account, Account):
        account.refresh_from_db()
    return locked


MSG_OTHER_RESELLERS_POLICY = _("The policy {policy} belongs to another reseller.")


def assign_policy(account, policy: DunningPolicy, *, actor, reason: str = "") -> Account:
    """Give the account a policy and take its threshold and allowed period as the account's."""
    actor = as_actor(actor)
    if not isinstance(policy, DunningPolicy):
        raise BillingError(MSG_NOT_A_POLICY.format(value=policy))
    with transaction.atomic():
        locked = _lock(account)
        if policy.reseller_id not in (None, locked.reseller_id):  # R-R2: its reseller's only
            raise BillingError(MSG_OTHER_RESELLERS_POLICY.format(policy=policy))
        old_policy, old_days = locked.dunning_policy, locked.allowed_negative_days
        locked.dunning_policy = policy
        locked.allowed_negative_days = policy.default_allowed_negative_days
        locked.save(update_fields=["dunning_policy", "allowed_negative_days"])
        # R-B2: every change of the policy and of the allowed period is audited.
        if old_policy != policy:
            write_audit(locked, "dunning_policy", old_policy, policy, actor, reason)
        if old_days != locked.allowed_negative_days:
            write_audit(
                locked,
                "allowed_negative_days",
                old_days,
                locked.allowed_negative_days,
                actor,
                reason,
            )
        set_financial_blocking_threshold(
            locked, policy.default_threshold, actor=actor, reason=reason
        )
    if isinstance(account, Account):
        account.refresh_from_db()
    return locked


@retry_on_conflict
def issue_invoice(
    account,
    *,
    amount,
    billing_date: date,
    due_date: date | None = None,
    actor,
    description: str = "Invoice",
    now: datetime | None = None,
    reason: str | None = None,
) -> Invoice:
    """Issue an invoice and post its charge to the ledger; due date defaults to billing date.
    It takes effect at `now`, else on its billing date (R-B4: posting.time_of_day)."""
    value = parse_amount(amount)
    arguments.text(description, "The description", limit=DESCRIPTION_LENGTH, error=BillingError)
    due_date = due_date or billing_date
    if not all(
        isinstance(d, date) and not isinstance(d, datetime) for d in (billing_date, due_date)
    ):
        raise InvalidDate(_("Billing and due dates must be dates."))
    if due_date < billing_date:
        raise InvalidDate(MSG_DUE_BEFORE_BILLING.format(due=due_date, billing=billing_date))
    now = posting.effective_time(now) if now is not None else posting.time_of_day(billing_date)
    with transaction.atomic():
        locked = posting.lock_for_posting(account)
        seq = Invoice.objects.filter(account=locked).count() + 1
        number = f"INV-{locked.number}-{billing_date:%Y%m%d}-{seq}"
        if len(number) > Invoice._meta.get_field("number").max_length:  # issue 15: a long
            number = f"INV#{locked.pk}-{billing_date:%Y%m%d}-{seq}"  # account number; "#" apart
        invoice = Invoice.objects.create(
            account=locked,
            number=number,
            amount=value,
            outstanding=value,
            currency=locked.currency,
            description=description,
            billing_date=billing_date,
            due_date=due_date,
        )
        _post(
            locked,
            value,
            kind=EntryKind.CHARGE,
            description=description,
            actor=actor,
            invoice=invoice,
            sign=-1,
            now=now,
            reason=reason,
        )
        money_events.invoice_issued(locked, invoice, now)
    invoice.refresh_from_db()
    return invoice


def ledger_sum(account: Account) -> Decimal:
    """The balance as the ledger says it (R-B1); the cached balance must always equal it."""
    total = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0).quantize(CENT)


@retry_on_conflict
def write_off(item, *, actor, reason, preview=False, now=None):
    """Write off an open item with its own credit: it is settled and leaves dunning (R-D8, R-B3)."""
    reason = corrections.reason_of(reason)
    with transaction.atomic():
        found = corrections.open_item(item)
        posting.lock_for_posting(found.account_id)
        found = corrections.open_item(found)  # still open, now that the account is locked
        if preview:
            return corrections.preview_write_off(found, now=now)
        entry = _post(found.account_id, found.outstanding, kind=EntryKind.ADJUSTMENT,
                      description=corrections.write_off_description(found), actor=actor,
                      now=now, reason=reason, settles=found)  # fmt: skip
        money_events.item_written_off(found, entry, actor, now)  # invoice.written_off
    return entry


@retry_on_conflict
def issue_credit_note(account, amount, *, description, actor, reason="", preview=False, now=None):
    """Credit the account with a numbered credit note, CN-<account>-<n> (R-D8)."""
    if preview:
        return corrections.preview_credit_note(account, amount, description=description, now=now)
    text = corrections.description_of(description)
    with transaction.atomic():
        locked = posting.lock_for_posting(account)
        number = corrections.credit_note_number(locked)
        entry = _post(locked, amount, kind=EntryKind.ADJUSTMENT, actor=actor, now=now,
                      description=f"Credit note {number}: {text}", idempotency_key=number,
                      reason=corrections.reason_of(reason or text))  # fmt: skip
    if isinstance(account, Account):
        account.refresh_from_db()
    return entry
