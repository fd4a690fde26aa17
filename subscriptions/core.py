"""Building blocks every subscription service shares: locks, the guarded transition with its
history row and outbox event, the account-status guard and posting planned entries.

Lock order is always account → subscription, the order billing and change_status use, so a
payment that releases a hold and a subscription service never wait on each other in a cycle.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts import arguments, events, sqlbulk
from accounts.actors import Actor
from accounts.models import Account
from accounts.transitions import label as account_label
from billing import services as billing
from billing.errors import UnknownAccount
from billing.posting import time_of_day

from .errors import ActionRefused, SubscriptionsError, TopUpRequired
from .models import Subscription, SubscriptionChange
from .policy import refusal
from .proration import CHARGE, REFUND, ZERO, PlannedEntry, Terms, new_period
from .transitions import Action, next_state

S = Subscription.Status
SUBSCRIPTION_STATUS_CHANGED = "subscription.status_changed"
# Actions after which the status remembered before a credit hold still matters (R-CH9).
KEEPS_HOLD_MEMORY = frozenset({Action.HOLD_STOP, Action.HOLD_FOR_APPROVAL, Action.DENY})


def today_or(today: date | None) -> date:
    """`today` as given (a date, not a date-time: issue 15), or the local date."""
    return arguments.day(today, "Today", error=SubscriptionsError) or timezone.localdate()


def lock_account(account: Account | int) -> Account:
    pk = account.pk if isinstance(account, Account) else account
    try:
        # No join under FOR UPDATE: a joined row would be locked too, and an account whose type
        # changes while we wait would drop out of the result (PostgreSQL re-checks the join).
        account = Account.objects.select_for_update().get(pk=pk)
    except Account.DoesNotExist:
        raise UnknownAccount(f"There is no account “{account}”.") from None
    account.status_type  # noqa: B018 - read the current type once, after the lock
    return account


def lock(subscription: Subscription | int) -> Subscription:
    pk = subscription.pk if isinstance(subscription, Subscription) else subscription
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "account__status_type")
        .get(pk=pk)
    )


def lock_both(
    subscription: Subscription | int, account_id: int | None = None
) -> tuple[Account, Subscription]:
    """Lock the account, then the subscription: the one lock order (see above)."""
    if account_id is None:
        account_id = subscription.account_id
    account = lock_account(account_id)
    sub = lock(subscription)
    sub.account = account
    return account, sub


def guard(
    action: str, account: Account, actor: Actor, *, sub: Subscription | None = None, trial=False
) -> None:
    """Raise ActionRefused (or TopUpRequired, R-CH8) when the account's status forbids `action`."""
    status = account.status_type.backend_status
    refused = refusal(
        action,
        backend_status=status,
        actor_kind=actor.kind,
        trial=trial,
        prepaid_pay_as_you_go=bool(sub and sub.plan.is_prepaid_pay_as_you_go),
    )
    if refused is None:
        return
    if refused.top_up:
        amount = billing.required_payment(account)
        message = refused.message.format(
            amount=amount, currency=account.currency, verb=refused.verb
        )
        raise TopUpRequired(message, amount=amount, currency=account.currency)
    raise ActionRefused(refused.message.format(status=account_label(status)))


def record(
    sub: Subscription, action: str, from_status: str, actor: Actor, note: str = ""
) -> SubscriptionChange:
    """Write the history row and, when the status changed, the outbox event (R-X6)."""
    return record_many([(sub, from_status)], action, actor, note)[0]


HISTORY_FIELDS = [
    "subscription",
    "action",
    "from_status",
    "to_status",
    "actor_kind",
    "actor_user",
    "rule_id",
    "note",
    "created_at",
]


def record_many(
    moves: list[tuple[Subscription, str]], action: str, actor: Actor, note: str = ""
) -> list[SubscriptionChange]:
    """History rows (one insert) and outbox events (one insert) for subscriptions that took
    `action`; each pair is (subscription, the status it came from)."""
    user = actor.user if getattr(actor.user, "pk", None) else None
    now = timezone.now()
    changes = [
        SubscriptionChange(
            subscription=sub,
            action=action,
            from_status=from_status,
            to_status=sub.status,
            actor_kind=actor.kind,
            actor_user=user,
            rule_id=actor.rule_id,
            note=note,
            created_at=now,
        )
        for sub, from_status in moves
    ]
    ids = sqlbulk.insert_rows(
        SubscriptionChange,
        HISTORY_FIELDS,
        [tuple(getattr(c, name) for name in HISTORY_FIELDS) for c in changes],
    )
    for change, pk in zip(changes, ids, strict=True):
        change.pk = change.id = pk
    events.emit_many(
        [
            (
                SUBSCRIPTION_STATUS_CHANGED,
                f"subscription:{sub.pk}",
                {
                    "subscription": {
                        "id": sub.pk,
                        "plan": sub.plan.name,
                        "service": sub.plan.service,
                    },
                    "account": {"id": sub.account_id},
                    "from": from_status or None,
                    "to": sub.status,
                    "action": action,
                    "rule_id": actor.rule_id,
                    "subscription_change_id": change.pk,
                },
                sub.account,
            )
            for (sub, from_status), change in zip(moves, changes, strict=True)
            if from_status != sub.status
        ]
    )
    return changes


def transition(
    sub: Subscription, action: str, *, actor: Actor, note: str = "", fields: tuple = ()
) -> SubscriptionChange:
    """Apply the table to a locked subscription, save it and write its history row."""
    from_status = sub.status
    _apply(sub, action)
    sub.save(update_fields=["status", "status_before_hold", *fields])
    return record(sub, action, from_status, actor, note)


def transition_many(
    subs: list[Subscription], action: str, *, actor: Actor, note: str = ""
) -> list[SubscriptionChange]:
    """transition() for many locked subscriptions at once: one UPDATE per resulting status, one
    history insert, one outbox insert."""
    moves = []
    groups: dict[tuple[str, str], list[int]] = {}
    for sub in subs:
        from_status = sub.status
        _apply(sub, action)
        moves.append((sub, from_status))
        groups.setdefault((sub.status, sub.status_before_hold), []).append(sub.pk)
    for (status, before_hold), ids in groups.items():
        Subscription.objects.filter(pk__in=ids).update(
            status=status, status_before_hold=before_hold
        )
    return record_many(moves, action, actor, note)


def _apply(sub: Subscription, action: str) -> None:
    from_status = sub.status
    sub.status = next_state(from_status, action, remembered=sub.status_before_hold)
    if action in (Action.HOLD_STOP, Action.HOLD_FOR_APPROVAL):
        sub.status_before_hold = from_status
    elif action not in KEEPS_HOLD_MEMORY:
        sub.status_before_hold = ""


def begin(
    sub: Subscription, action: str, *, actor: Actor, await_provisioning: bool, note: str = ""
) -> None:
    """Enter the operation's transitional status and, unless provisioning is awaited, complete it."""
    transition(sub, action, actor=actor, note=note)
    if not await_provisioning:
        transition(sub, Action.COMPLETE, actor=actor)


def terms_of(sub: Subscription) -> Terms:
    return Terms(
        name=sub.plan.name,
        price=sub.price,
        prepaid=sub.plan.is_prepaid,
        trial=sub.trial,
        in_service=sub.status not in (S.STOPPED, S.STOPPING, S.WAITING_FOR_MANUAL_APPROVE),
        period_start=sub.period_start,
        period_end=sub.period_end,
        period_months=sub.plan.period_months,
        period_paid=sub.period_paid,
    )


def post_entries(account: Account, entries: list[PlannedEntry], actor: Actor) -> list:
    """Write planned entries through billing: refunds as refunds, charges as invoices."""
    written = []
    for entry in entries:
        if entry.kind == REFUND:
            written.append(
                billing.post_refund(  # R-B4: at its day's time, as the charges below are
                    account,
                    entry.amount,
                    description=entry.description,
                    actor=actor,
                    now=time_of_day(entry.on_date),
                )
            )
        elif entry.kind == CHARGE:
            invoice = billing.issue_invoice(
                account,
                amount=-entry.amount,
                billing_date=entry.on_date,
                actor=actor,
                description=entry.description,
            )
            written.append(invoice.entries.get())
    return written


PERIOD_FIELDS = ["period_start", "period_end", "period_paid", "next_billing_date", "billing_anchor"]


def restart_period(sub: Subscription, start: date) -> list[str]:
    """Start an uncharged period on `start`; return the fields to save."""
    # A prepaid period is due for charging at once (the recurring run bills it), a postpaid one
    # at its end — the same for a lapsed period restarted and a period skipped (R-E8).
    sub.period_start, sub.period_end, sub.billing_anchor = new_period(
        start, sub.plan.period_months, sub.billing_anchor
    )
    sub.period_paid = ZERO
    sub.next_billing_date = sub.period_start if sub.plan.is_prepaid else sub.period_end
    return PERIOD_FIELDS


def restart_if_lapsed(sub: Subscription, today: date) -> list[str]:
    """Restart on `today` a period that ended while the service was stopped; fields to save."""
    if sub.status != S.ACTIVE or sub.trial or sub.period_end > today:
        return []
    return restart_period(sub, today)
