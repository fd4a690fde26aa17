"""An operator cancels an account together with its subscriptions under one R-E5 option.

The account's status and its subscriptions change in one transaction, so a refusal by either the
account lifecycle or any subscription leaves everything as it was. With `preview=True` nothing is
written and the plan lists the ledger entries each subscription's cancellation would write (R-X5);
the commit runs the same computation (`subscriptions.services.cancel`), so what was shown is what
is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from accounts import services as account_services
from accounts.actors import as_actor
from accounts.models import Account, BackendStatus
from accounts.transitions import next_state as account_next_state

from . import core
from .cancellation import cancel, check_option, takes_effect
from .models import Subscription

CANCELLED = BackendStatus.CANCELLED
DEFAULT_REASON = "Customer request"


@dataclass
class AccountCancellation:
    """What cancelling the account does: when, each subscription's entries, and once committed
    the status change (or the scheduled one, R-E4) and the ledger entries written."""

    account: Account
    option: str
    effective_on: date
    items: list[tuple[Subscription, list]] = field(default_factory=list)
    status_change: Any = None
    written: list = field(default_factory=list)

    @property
    def entries(self) -> list:
        return [entry for _sub, entries in self.items for entry in entries]

    @property
    def scheduled(self) -> bool:
        return self.status_change is not None and hasattr(self.status_change, "effective_on")


def _effective_on(option: str, on_date: date | None, subs: list[Subscription], today: date):
    """The account is cancelled when its last subscription is: now, at period end, or on a date."""
    ends = [today, *(sub.period_end for sub in subs)]  # today: an account with none still goes
    return max(takes_effect(option, on_date, today, end) for end in ends)


def cancel_account(
    account: Account,
    *,
    option: str,
    actor: Any,
    reason: Any = DEFAULT_REASON,
    on_date: date | None = None,
    today: date | None = None,
    preview: bool = False,
    note: str = "",
) -> AccountCancellation:
    """Cancel an account and its live subscriptions with an R-E5 option; preview writes nothing."""
    actor, today = as_actor(actor), core.today_or(today)
    on_date = check_option(option, on_date, today)  # the same checks as each subscription's
    target = account_services.default_status_type(CANCELLED)
    with transaction.atomic():
        locked = core.lock_account(account)
        # Refuse what the lifecycle refuses before anything is computed (R-C1, R-C4).
        account_next_state(locked.status_type.backend_status, CANCELLED, actor.kind)
        account_services.get_reason(reason, CANCELLED)
        subs = list(
            Subscription.objects.live()
            .filter(account=locked, cancel_on__isnull=True)
            .select_related("plan")
            .order_by("pk")
        )
        kwargs = {"option": option, "actor": actor, "on_date": on_date, "today": today}
        plan = AccountCancellation(locked, option, _effective_on(option, on_date, subs, today))
        plan.items = [(sub, cancel(sub, preview=True, **kwargs)) for sub in subs]
        if preview:
            return plan
        why = note or f"Cancel option: {option}"
        if plan.effective_on <= today:
            plan.status_change = account_services.change_status(
                locked, target, actor=actor, reason=reason, note=why
            )
        else:
            plan.status_change = account_services.schedule_status_change(
                locked, target, reason=reason, effective_on=plan.effective_on, actor=actor,
                note=why, today=today,
            )  # fmt: skip
        for sub in subs:
            plan.written += cancel(sub, **kwargs).entries
    account.refresh_from_db()
    return plan
