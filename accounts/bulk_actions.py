"""Bulk actions on selected accounts (issue 18): what each will do, and doing it, one account at
a time through the one service of the change (R-E4 scheduling, the lock's status change).

`preview_*` write nothing: per account the current status and the result, or "refused" with the
domain's message, from the same functions the services decide with (the transition table, the
target resolvers such as R-CH2). `perform_*` call the service for each account the preview
accepts, each in its own transaction, so a refusal found then (the account changed meanwhile)
is reported for that account and the others go on. Every account acted on gets its record with
who and why: the status change's history row (lock) or the scheduled change and an audit row
(schedule; R-E4 itself writes no audit row).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .actors import Actor, as_actor
from .admin_list_frames import BulkRow
from .changes import preview_status_change
from .errors import AccountsError
from .exemptions import write_audit
from .models import Account, AccountStatusType
from .models import BackendStatus as S
from .scheduling import check_schedule, schedule_status_change
from .statuses import default_status_type
from .transitions import label
from .unlocking import LOCKABLE, put_on_administrative_hold

MSG_BULK_NOTE = _("Bulk action by {user}")
MSG_NOT_LOCKABLE = _(
    "only Active, Credit hold or Suspended accounts are locked; this one is {status}."
)
MSG_ALREADY = _("already {status}: nothing to do.")
MSG_SCHEDULED = _("{current} → {target} on {date} (R-E4)")
MSG_LOCKED = _("{current} → {target}")
MSG_WILL_RESOLVE = _(" (R-CH2: below the threshold it becomes {target})")


def bulk_note(actor: Actor, note: str) -> str:
    who = getattr(actor.user, "get_username", lambda: "an operator")()
    return note or str(MSG_BULK_NOTE.format(user=who))


def _move(account: Account, target: AccountStatusType, actor: Actor, reason) -> tuple[Any, str]:
    """The type the account would end in and why not (a domain message), without writing: the
    status change's own preview (changes.preview_status_change — resolvers, table, reason)."""
    try:
        preview = preview_status_change(account, target, actor=actor, reason=reason)
    except AccountsError as exc:
        return target, exc.message
    return preview.to_type, ""


# --- Schedule a status change (R-E4) ---


def preview_schedule(
    accounts: list[Account], data: dict, actor: Any, today: date | None = None
) -> list[BulkRow]:
    """Per account: current → target on the date, or the table's refusal as of today."""
    actor = as_actor(actor)
    target, _reason = check_schedule(
        data["status_type"], data["reason"], data["effective_on"], actor, today
    )
    rows = []
    for account in accounts:
        current = account.status_type.name
        if account.status_type_id == target.pk:
            rows.append(
                BulkRow(account, current, str(MSG_ALREADY.format(status=current)), changes=False)
            )
            continue
        resolved, refused = _move(account, target, actor, data["reason"])
        if refused:
            rows.append(BulkRow(account, current, refused=refused))
            continue
        result = MSG_SCHEDULED.format(
            current=current, target=target.name, date=data["effective_on"]
        )
        if resolved.pk != target.pk:
            result += MSG_WILL_RESOLVE.format(target=resolved.name)
        rows.append(BulkRow(account, current, str(result)))
    return rows


def perform_schedule(accounts: list[Account], data: dict, actor: Any) -> list[BulkRow]:
    """Schedule the change for every account the preview accepts (R-E4), with an audit row."""
    actor = as_actor(actor)
    note = bulk_note(actor, data.get("note", ""))
    done = []
    for row in preview_schedule(accounts, data, actor):
        if row.refused or not row.changes:
            done.append(row)
            continue
        try:
            _schedule_one(row.account, data, actor, note)
        except AccountsError as exc:
            row = BulkRow(row.account, row.current, refused=exc.message)
        done.append(row)
    return done


def _schedule_one(account: Account, data: dict, actor: Actor, note: str) -> None:
    with transaction.atomic():
        scheduled = schedule_status_change(
            account,
            data["status_type"],
            reason=data["reason"],
            effective_on=data["effective_on"],
            actor=actor,
            note=note,
        )
        write_audit(
            account,
            "scheduled_status_change",
            "",
            f"{scheduled.status_type.name} on {scheduled.effective_on.isoformat()}",
            Actor(actor.kind, actor.user, "R-E4"),
            note,
        )


# --- Lock: the administrative hold (Lock User Account's change, for accounts) ---


def lock_target() -> AccountStatusType:
    return default_status_type(S.ADMINISTRATIVE_HOLD)


def preview_lock(accounts: list[Account], data: dict, actor: Any) -> list[BulkRow]:
    """Per account: current → Administrative hold, or why it is not locked."""
    actor = as_actor(actor)
    target = lock_target()
    rows = []
    for account in accounts:
        current, backend = account.status_type.name, account.backend_status
        if backend == S.ADMINISTRATIVE_HOLD:
            rows.append(
                BulkRow(account, current, str(MSG_ALREADY.format(status=current)), changes=False)
            )
        elif backend not in LOCKABLE:
            rows.append(
                BulkRow(
                    account, current, refused=str(MSG_NOT_LOCKABLE.format(status=label(backend)))
                )
            )
        else:
            _resolved, refused = _move(account, target, actor, data["reason"])
            result = "" if refused else str(MSG_LOCKED.format(current=current, target=target.name))
            rows.append(BulkRow(account, current, result, refused=refused))
    return rows  # fmt: skip


def perform_lock(accounts: list[Account], data: dict, actor: Any) -> list[BulkRow]:
    actor = as_actor(actor)
    note = bulk_note(actor, data.get("note", ""))
    done = []
    for row in preview_lock(accounts, data, actor):
        if row.refused or not row.changes:
            done.append(row)
            continue
        try:
            put_on_administrative_hold(
                row.account.pk, lock_target(), actor=actor, reason=data["reason"], note=note
            )
        except AccountsError as exc:  # it changed since the preview: say so for this one
            row = BulkRow(row.account, row.current, refused=exc.message)
        done.append(row)
    return done
