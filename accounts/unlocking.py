"""Lock and Unlock User Account (GFI seed; R-G2, R-G3) and the renewal-deadline relock.

Unlock is allowed up to UNLOCK_WINDOW_DAYS after the account's Next Payment date (the 30th day
is allowed, the 31st refused, and the refusal recorded). It returns the account to Active — or
to Credit hold below the threshold, which billing's R-CH2 resolver decides — clears the user's
login lockout (django-axes) and gives a renewal deadline; the sweep relocks accounts whose
deadline passed without renewal. Renewal = `clear_renewal_deadline`, called by billing and
subscriptions when the customer pays or renews.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import partial
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as reset_axes
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import arguments, jobs, notices
from .actors import Actor, as_actor
from .changes import change_status
from .errors import (
    AccountsError,
    NoNextPaymentDate,
    NothingToLock,
    NothingToUnlock,
    UnlockRefused,
)
from .exemptions import set_renewal_deadline
from .models import Account, AccountStatusType, BackendStatus, StatusChange, UnlockAttempt
from .resellers import contact_for
from .statuses import default_status_type, get_reason

logger = logging.getLogger(__name__)

S = BackendStatus
UNLOCK_REASON = "Unlocked by support"
LOCK_REASON = "Fraud review"
RELOCK_REASON = "Renewal deadline passed"
LOCKED_TYPE_NAME = "Locked – insufficient credit"  # the GFI lock type (R-G1, R-G3)
LOCKABLE = (S.ACTIVE, S.CREDIT_HOLD, S.SUSPENDED)

MSG_UNLOCK_WINDOW_PASSED = _(
    "Do not unlock account {account}: more than {days} days have passed since its Next Payment "
    "date {next_payment_date} (the last day to unlock was {last_day}). Redirect the customer to "
    "{contact} to order a new subscription; the ticket can then be closed."
)
MSG_NO_NEXT_PAYMENT_DATE = _(
    "Cannot unlock account {account}: it has no Next Payment date, so the {days}-day unlock "
    "window cannot be checked. Redirect the customer to {contact}."
)
MSG_NOTHING_TO_UNLOCK = _(
    "{user} has no account on administrative hold and no login lockout: nothing to unlock."
)
MSG_UNLOCKED = _(
    "Account {account} unlocked ({status}). The customer must renew by {deadline} or it is "
    "locked again."
)
MSG_LOGIN_LOCKOUT_CLEARED = _("The login lockout of {user} was cleared; no account was on hold.")
MSG_NOT_A_PAYMENT_LOCK = _(
    "Unlock does not lift account {account}'s hold (R-G2b): it was entered for “{reason}” by "
    "{who}, not for non-payment. Only an operator releases it, with Change status."
)
MSG_NO_LONGER_HELD = _(
    "Nothing to unlock for account {account}: it is no longer on administrative hold — it is "
    "{status} since {when}, set by {who}."
)
MSG_UNLOCK_BY_OPERATOR = _("Only an operator may unlock a user account (R-G2).")
MSG_NOTHING_TO_LOCK = _("{user} has no account that can be locked.")


def unlock_window_last_day(next_payment_date: date) -> date:
    """R-G2: the last day an unlock is allowed (the 30th day after Next Payment)."""
    return next_payment_date + timedelta(days=settings.UNLOCK_WINDOW_DAYS)


def locked_status_type() -> AccountStatusType:
    """The type an expired renewal deadline returns to: the GFI lock, else the default hold."""
    found = AccountStatusType.objects.filter(
        name=LOCKED_TYPE_NAME, backend_status=S.ADMINISTRATIVE_HOLD
    ).first()
    return found or default_status_type(S.ADMINISTRATIVE_HOLD)


def reset_login_lockout(user: Any) -> int:
    """Clear django-axes failures for the user, so a locked-out login works again."""
    return reset_axes(username=user.get_username())


def _user_or_none(actor: Actor) -> Any:
    return actor.user if getattr(actor.user, "pk", None) else None


def status_set_by(account: Account) -> StatusChange | None:
    """The history row that brought the account into its current type (the newest written)."""
    return (
        StatusChange.objects.filter(account=account, to_type_id=account.status_type_id)
        .select_related("actor_user")
        .order_by("-id")
        .first()
    )


def actor_words(change: StatusChange | None) -> str:
    """Who wrote a history row, in words (R-X4, R-G2b)."""
    if change is None:
        return "an unknown actor"
    if change.actor_kind == "system":
        who = f"the system ({change.rule_id})" if change.rule_id else "the system"
        if change.actor_user_id:
            who += f" after an act of {change.actor_user}"
        return who
    kind = change.get_actor_kind_display()
    return f"{kind}: {change.actor_user}" if change.actor_user_id else str(kind)


def not_a_payment_lock(account: Account) -> str | None:
    """R-G2b: Unlock lifts a hold entered for non-payment (R-G1, R-G3); for any other reason
    (abuse, by hand) the refusal names the reason and who set it, and points to Change status."""
    reason = account.status_reason
    if reason is not None and reason.is_financial:
        return None
    return str(
        MSG_NOT_A_PAYMENT_LOCK.format(
            account=account.number,
            reason=reason or "no reason",
            who=actor_words(status_set_by(account)),
        )
    )


def _no_longer_held(account: Account) -> str | None:
    """Issue 15 #5: the status read under the row lock decides; another agent's unlock or a
    cancellation in between is told as it is, and nothing is changed."""
    if account.status_type.backend_status == S.ADMINISTRATIVE_HOLD:
        return None
    change = status_set_by(account)
    return str(
        MSG_NO_LONGER_HELD.format(
            account=account.number,
            status=account.status_type.name,
            when=f"{change.effective_at:%Y-%m-%d %H:%M}" if change else "an unknown time",
            who=actor_words(change),
        )
    )


def _refusal(account: Account, today: date) -> str | None:
    """R-G2, R-G2b: why this account may not be unlocked on `today`, or None when it may."""
    contact = contact_for(account).described  # R-R1: the reseller's, else ORDERS_CONTACT
    moot = _no_longer_held(account) or not_a_payment_lock(account)
    if moot:
        return moot
    next_payment = account.next_payment_date
    if next_payment is None:
        return str(
            MSG_NO_NEXT_PAYMENT_DATE.format(
                account=account.number, days=settings.UNLOCK_WINDOW_DAYS, contact=contact
            )
        )
    if today > unlock_window_last_day(next_payment):
        return str(
            MSG_UNLOCK_WINDOW_PASSED.format(
                account=account.number,
                days=settings.UNLOCK_WINDOW_DAYS,
                next_payment_date=next_payment.isoformat(),
                last_day=unlock_window_last_day(next_payment).isoformat(),
                contact=contact,
            )
        )
    return None


def _unlock_one(user: Any, account_pk: int, actor: Actor, today: date) -> UnlockAttempt:
    with transaction.atomic():
        # The row alone: a join re-checked after waiting for the lock could lose the row.
        account = Account.objects.select_for_update().get(pk=account_pk)
        change: StatusChange | None = None
        message = _refusal(account, today)
        if message is None:
            change = change_status(
                account,
                default_status_type(S.ACTIVE),
                actor=actor,
                reason=UNLOCK_REASON,
                note=f"Unlock User Account for {user.get_username()}",
            )
            deadline = today + timedelta(days=settings.RENEWAL_DEADLINE_DAYS)
            set_renewal_deadline(account, deadline, actor=actor, note="R-G3: unlocked by support")
            reset_login_lockout(user)
            status = change.to_type.name if change else account.status_type.name
            message = str(
                MSG_UNLOCKED.format(account=account.number, status=status, deadline=deadline)
            )
            transaction.on_commit(
                partial(notices.send_account_unlocked, account.pk, user.pk, deadline), robust=True
            )
        return UnlockAttempt.objects.create(
            user=user,
            account=account,
            actor_kind=actor.kind,
            actor_user=_user_or_none(actor),
            allowed=change is not None,
            message=message,
            next_payment_date=account.next_payment_date,
            on_date=today,
            status_change=change,
            at=timezone.now(),
        )


def _unlock_login_only(user: Any, actor: Actor, today: date) -> UnlockAttempt:
    """No account on hold: clear a login lockout if there is one, else refuse (recorded)."""
    username = user.get_username()
    locked_out = AccessAttempt.objects.filter(username=username).exists()
    if locked_out:
        reset_login_lockout(user)
    message = (MSG_LOGIN_LOCKOUT_CLEARED if locked_out else MSG_NOTHING_TO_UNLOCK).format(
        user=username
    )
    attempt = UnlockAttempt.objects.create(
        user=user,
        actor_kind=actor.kind,
        actor_user=_user_or_none(actor),
        allowed=locked_out,
        message=str(message),
        on_date=today,
        at=timezone.now(),
    )
    if not locked_out:
        raise NothingToUnlock(message)
    return attempt


def unlock_user_account(user: Any, *, actor: Any, today: date | None = None) -> list[UnlockAttempt]:
    """Unlock the user's held accounts within the window after Next Payment (R-G2, R-G3).

    Each account is decided on its own and every decision is recorded as an UnlockAttempt; when
    none could be unlocked, UnlockRefused (or NoNextPaymentDate / NothingToUnlock) is raised with
    the message for the agent, after the refusals are saved."""
    actor = as_actor(actor)
    if not actor.is_operator:
        raise UnlockRefused(MSG_UNLOCK_BY_OPERATOR)
    today = arguments.day(today, "Today", error=UnlockRefused) or timezone.localdate()
    held = Account.objects.filter(
        memberships__user=user, status_type__backend_status=S.ADMINISTRATIVE_HOLD
    ).order_by("pk")
    pks = list(held.values_list("pk", flat=True))
    if not pks:
        return [_unlock_login_only(user, actor, today)]
    attempts = [_unlock_one(user, pk, actor, today) for pk in pks]
    refused = [attempt for attempt in attempts if not attempt.allowed]
    if len(refused) == len(attempts):
        message = " ".join(attempt.message for attempt in refused)
        if all(a.account.status_type.backend_status != S.ADMINISTRATIVE_HOLD for a in refused):
            raise NothingToUnlock(message)  # another agent (or a change) got there first
        if all(attempt.next_payment_date is None for attempt in refused):
            raise NoNextPaymentDate(message)
        raise UnlockRefused(message)
    return attempts


@transaction.atomic
def lock_user_account(
    user: Any, *, actor: Any, reason: Any = LOCK_REASON, note: str = ""
) -> list[StatusChange]:
    """Operator's "Lock User Account": move the user's accounts to Administrative hold."""
    actor = as_actor(actor)
    target = default_status_type(S.ADMINISTRATIVE_HOLD)
    get_reason(reason, S.ADMINISTRATIVE_HOLD)  # refuse a reason that does not fit, first
    pks = list(
        Account.objects.filter(memberships__user=user, status_type__backend_status__in=LOCKABLE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pks:
        raise NothingToLock(MSG_NOTHING_TO_LOCK.format(user=user.get_username()))
    changes = []
    for pk in pks:
        account, change = put_on_administrative_hold(
            pk, target, actor=actor, reason=reason, note=note
        )
        if change is not None:
            changes.append(change)
            transaction.on_commit(
                partial(notices.send_account_locked, account.pk, change.pk, user.pk), robust=True
            )
    return changes


def put_on_administrative_hold(
    pk: int, target=None, *, actor: Any, reason: Any, note: str = ""
) -> tuple[Account, StatusChange | None]:
    """One account to Administrative hold under its row lock; its R-G3 renewal deadline no longer
    applies. Lock User Account and the account list's bulk lock both lock through here."""
    actor = as_actor(actor)
    target = target or default_status_type(S.ADMINISTRATIVE_HOLD)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=pk)
        change = change_status(account, target, actor=actor, reason=reason, note=note)
        set_renewal_deadline(
            account, None, actor=actor, note="Locked: the deadline no longer applies"
        )
    return account, change


def _relock(pk: int, today: date) -> str | None:
    """R-G3 for one account, under its row lock; returns what happened, None if renewed meanwhile."""
    account = Account.objects.select_for_update().get(pk=pk)
    deadline = account.renewal_deadline
    if deadline is None or deadline >= today:
        return None
    actor = Actor.system("R-G3")
    outcome = "cleared"  # already held, suspended or closed by other means: the deadline is moot
    if account.status_type.backend_status in (S.ACTIVE, S.CREDIT_HOLD):
        try:
            with transaction.atomic():
                change = change_status(
                    account,
                    locked_status_type(),
                    actor=actor,
                    reason=RELOCK_REASON,
                    note=f"Renewal deadline {deadline.isoformat()} passed without renewal",
                )
        except AccountsError as exc:
            logger.warning("R-G3 relock of account %s refused: %s", account.number, exc.message)
            outcome = "refused"
        else:
            outcome = "relocked"
            transaction.on_commit(
                partial(notices.send_account_locked, account.pk, change.pk, None), robust=True
            )
    set_renewal_deadline(account, None, actor=actor, note=f"R-G3: {outcome} after {deadline}")
    return outcome


def enforce_renewal_deadlines(today: date) -> dict[str, int]:
    """Lock again every account whose renewal deadline passed before `today` (R-G3)."""
    counts = {"relocked": 0, "cleared": 0, "refused": 0, "failed": 0}
    pks = list(Account.objects.renewal_overdue(today).order_by("pk").values_list("pk", flat=True))
    for pk in pks:  # a bad account is recorded and skipped (issue 15, item 3)
        with jobs.isolated("accounts.tasks.enforce_renewal_deadlines", counts, account_id=pk):
            outcome = _relock(pk, today)
            if outcome:
                counts[outcome] += 1
    return counts
