"""Every write to money goes through here (R-B1): one locked posting, cached balance, then credit.

guard → lock the account → check → insert the entry → update the balance → settle invoices →
evaluate credit (R-CH1 a, R-CH5) — all in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.actors import Actor, as_actor
from accounts.models import Account, StatusChange
from accounts.retry import retry_on_conflict

from . import decisions
from .credit import CreditFacts, credit_facts_of, should_hold
from .errors import AlreadyReversed, CurrencyMismatch, InvalidAmount, InvalidDate, UnknownAccount
from .models import DunningPolicy, DunningState, EntryKind, Invoice, LedgerEntry

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MSG_NOT_A_NUMBER = _("The amount “{value}” is not a number.")
MSG_OVER_PRECISE = _("The amount {value} has more than 2 decimal places.")
MSG_NOT_POSITIVE = _("The amount must be greater than zero.")
MSG_ZERO = _("The amount must not be zero.")
MSG_TOO_LARGE = _("The amount {value} is too large.")
MSG_FLOAT = _("Amounts are exact decimals: pass a Decimal or a string, not a float.")
MSG_CURRENCY = _("The account is billed in {account}; {given} cannot be posted to it.")
MSG_UNKNOWN_ACCOUNT = _("There is no account “{account}”.")
MSG_IDEMPOTENCY_KEY = _("A payment needs an idempotency key so that a retry records it once.")
MSG_ALREADY_REVERSED = _("This entry was already reversed.")
MSG_REVERSE_REVERSAL = _("A reversal cannot itself be reversed; post a new entry instead.")
MSG_DUE_BEFORE_BILLING = _("The due date {due} is before the billing date {billing}.")
MSG_BALANCE_LIMIT = _("This posting would take the balance beyond what can be recorded.")


def parse_amount(value: Any, *, positive: bool = True, allow_zero: bool = False) -> Decimal:
    """Turn input into an exact money Decimal, or raise InvalidAmount with a readable message."""
    if isinstance(value, float):
        raise InvalidAmount(MSG_FLOAT)
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value))
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value)) from None
    if not amount.is_finite():
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value))
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount(MSG_TOO_LARGE.format(value=value))
    if amount != amount.quantize(CENT):
        raise InvalidAmount(MSG_OVER_PRECISE.format(value=value))
    if amount == 0 and not allow_zero:
        raise InvalidAmount(MSG_NOT_POSITIVE if positive else MSG_ZERO)
    if positive and amount < 0:
        raise InvalidAmount(MSG_NOT_POSITIVE)
    return amount.quantize(CENT)


def _account_pk(account: Account | int | str) -> int:
    if isinstance(account, Account):
        return account.pk
    found = Account.objects.filter(number=str(account)).values_list("pk", flat=True).first()
    if found is None and str(account).isdigit():
        found = Account.objects.filter(pk=int(account)).values_list("pk", flat=True).first()
    if found is None:
        raise UnknownAccount(MSG_UNKNOWN_ACCOUNT.format(account=account))
    return found


def _lock(account: Account | int | str) -> Account:
    pk = _account_pk(account)
    try:
        return Account.objects.select_for_update().get(pk=pk)
    except Account.DoesNotExist:
        raise UnknownAccount(MSG_UNKNOWN_ACCOUNT.format(account=account)) from None


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
    account: Account | int | str,
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
) -> LedgerEntry:
    """Write one ledger entry and everything that follows from it, atomically."""
    actor = as_actor(actor)
    value = parse_amount(amount, positive=not signed) * sign
    with transaction.atomic():
        locked = _lock(account)
        if idempotency_key:
            existing = LedgerEntry.objects.filter(
                account=locked, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                return existing  # the same key twice records one entry
        if currency and currency.upper() != locked.currency:
            raise CurrencyMismatch(MSG_CURRENCY.format(account=locked.currency, given=currency))
        now = timezone.now()
        new_balance = locked.balance + value
        if abs(new_balance) > MAX_AMOUNT:
            raise InvalidAmount(MSG_BALANCE_LIMIT)
        entry = LedgerEntry.objects.create(
            account=locked,
            kind=kind,
            amount=value,
            currency=locked.currency,
            balance_after=new_balance,
            description=str(description)[:255] or kind,
            actor_kind=actor.kind,
            actor_user=actor.user if getattr(actor.user, "pk", None) else None,
            idempotency_key=idempotency_key or None,
            invoice=invoice,
            reverses=reverses,
        )
        _set_balance(locked, new_balance, now)
        _settle_invoices(locked, now)
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


def _set_balance(account: Account, new_balance: Decimal, now: datetime) -> None:
    if new_balance < 0 and account.negative_since is None:
        account.negative_since = now
    elif new_balance >= 0:
        account.negative_since = None
    account.balance = new_balance
    account.save(update_fields=["balance", "negative_since"])


def _settle_invoices(account: Account, now: datetime) -> None:
    """Debt is carried by the newest invoices: older ones are paid first (FIFO)."""
    debt = max(Decimal("0"), -account.balance)
    carrying = []
    for invoice in account.invoices.order_by("-due_date", "-id"):
        if debt == 0:
            break
        outstanding = min(invoice.amount, debt)
        debt -= outstanding
        carrying.append(invoice.pk)
        if outstanding != invoice.outstanding:
            invoice.outstanding, invoice.paid_at = outstanding, None
            invoice.save(update_fields=["outstanding", "paid_at"])
    # Every other invoice is paid — including a backdated one older than a paid invoice, which
    # an early exit at the first paid invoice used to leave unpaid (and dunning then acted on).
    account.invoices.exclude(pk__in=carrying).filter(outstanding__gt=0).update(
        outstanding=0, paid_at=now
    )


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
    decision = decisions.decide(backend, facts, decisions.contexts([account])[account.pk], rule_id)
    if decision is None:
        return None
    change = account_services.change_status(
        account,
        decisions.target_type(decision),
        actor=Actor.system(decision.rule_id, on_behalf_of=actor.user if actor else None),
        reason=decision.reason,
        note=decision.note,
        effective_at=facts.now,
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
    account, amount, *, idempotency_key, actor, currency=None, description="Payment"
):
    """Credit a payment; the same idempotency key twice records one payment (the first)."""
    if not idempotency_key or not str(idempotency_key).strip():
        raise InvalidAmount(MSG_IDEMPOTENCY_KEY)
    return _post(
        account,
        amount,
        kind=EntryKind.PAYMENT,
        description=description,
        actor=actor,
        currency=currency,
        idempotency_key=str(idempotency_key).strip()[:100],
    )


def post_refund(account, amount, *, description, actor, **extra):
    """Credit a refund (cancellations, R-E5)."""
    return _post(
        account, amount, kind=EntryKind.REFUND, description=description, actor=actor, **extra
    )


def post_adjustment(account, amount, *, description, actor, **extra):
    """Post a signed manual adjustment: positive credits, negative debits."""
    return _post(
        account,
        amount,
        kind=EntryKind.ADJUSTMENT,
        description=description,
        actor=actor,
        signed=True,
        **extra,
    )


def reverse_entry(entry: LedgerEntry, *, actor, description: str = "") -> LedgerEntry:
    """Correct an entry with its exact opposite; an entry is reversed at most once (R-B1)."""
    if entry.kind == EntryKind.REVERSAL:
        raise AlreadyReversed(MSG_REVERSE_REVERSAL)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise AlreadyReversed(MSG_ALREADY_REVERSED)
    return _post(
        entry.account_id,
        -entry.amount,
        kind=EntryKind.REVERSAL,
        description=description or f"Reversal of {entry.description}",
        actor=actor,
        reverses=entry,
        signed=True,
    )


@retry_on_conflict
def set_financial_blocking_threshold(account, threshold, *, actor) -> Account:
    """Set the threshold; above the balance it puts an Active account on credit hold (R-CH3)."""
    actor = as_actor(actor)
    value = parse_amount(threshold, positive=False, allow_zero=True)
    with transaction.atomic():
        locked = _lock(account)
        locked.financial_blocking_threshold = value
        locked.save(update_fields=["financial_blocking_threshold"])
        evaluate_credit(locked, actor=actor, rule_id="R-CH3")
    if isinstance(account, Account):
        account.refresh_from_db()
    return locked


def assign_policy(account, policy: DunningPolicy, *, actor) -> Account:
    """Give the account a policy and take its threshold and allowed period as the account's."""
    with transaction.atomic():
        locked = _lock(account)
        locked.dunning_policy = policy
        locked.allowed_negative_days = policy.default_allowed_negative_days
        locked.save(update_fields=["dunning_policy", "allowed_negative_days"])
        set_financial_blocking_threshold(locked, policy.default_threshold, actor=actor)
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
) -> Invoice:
    """Issue an invoice and post its charge to the ledger; due date defaults to billing date."""
    value = parse_amount(amount)
    due_date = due_date or billing_date
    if not isinstance(billing_date, date) or not isinstance(due_date, date):
        raise InvalidDate(_("Billing and due dates must be dates."))
    if due_date < billing_date:
        raise InvalidDate(MSG_DUE_BEFORE_BILLING.format(due=due_date, billing=billing_date))
    with transaction.atomic():
        locked = _lock(account)
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
        )
    invoice.refresh_from_db()
    return invoice


def ledger_sum(account: Account) -> Decimal:
    """The balance as the ledger says it (R-B1); the cached balance must always equal it."""
    total = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0).quantize(CENT)
