"""Apply a dunning policy to many accounts (issue 18's bulk action): what it will do to each
account — the policy, the threshold and allowed period it brings (R-B2), and the status the credit
decision then gives (R-CH3 holds an Active account the new threshold no longer covers; a lower
one releases a money hold, R-CH5) — and doing it through `services.assign_policy`, which audits
every change (R-B2). The preview writes nothing and asks `decisions.decide`, the function the
service's own evaluation calls.
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils import timezone

from accounts.admin_list_frames import BulkRow
from accounts.models import Account
from accounts.models import BackendStatus as S

from . import decisions, services
from .credit import credit_facts_of
from .errors import BillingError
from .models import DunningPolicy


def _days(value) -> str:
    return "∞" if value is None else f"{value} days"


def _changes(account: Account, old: DunningPolicy, changed: Account) -> list[str]:
    """What the policy changes on the account, in words; unchanged values are left out."""
    if old.pk != changed.dunning_policy_id:
        parts = [f"{old.name} → {changed.dunning_policy_name}"]
    elif account.dunning_policy_id is None:  # it had the default by having none: now named
        parts = [f"{old.name} (the default) named on the account"]
    else:
        parts = []
    before, after = account.financial_blocking_threshold, changed.financial_blocking_threshold
    if before != after:
        parts.append(f"threshold {before} → {after}")
    days_before, days_after = account.allowed_negative_days, changed.allowed_negative_days
    if days_before != days_after:
        parts.append(f"allowed negative period {_days(days_before)} → {_days(days_after)}")
    return parts


def _after(account: Account, policy: DunningPolicy, now) -> tuple[Any, str]:
    """The account as the policy leaves it (in memory), and the status the decision gives."""
    changed = copy.copy(account)
    changed.dunning_policy_id = policy.pk
    changed.dunning_policy_name = policy.name
    changed.financial_blocking_threshold = policy.default_threshold
    changed.allowed_negative_days = policy.default_allowed_negative_days
    ctx = decisions.contexts([changed])[account.pk]
    decision = decisions.decide(account.backend_status, credit_facts_of(changed, now), ctx, "R-CH3")
    if decision is None:
        return changed, f"status stays {account.status_type.name}"
    target = decisions.target_type(decision).name
    return changed, f"status {account.status_type.name} → {target} ({decision.rule_id})"


def preview_policy(accounts: list[Account], data: dict, actor: Any, now=None) -> list[BulkRow]:
    """Per account: old → new policy, threshold and period, and the status it leads to."""
    policy, now = data["policy"], now or timezone.now()
    rows = []
    for account in accounts:
        current = account.status_type.name
        if account.backend_status == S.DELETED:
            rows.append(BulkRow(account, current, refused="the account is deleted."))
            continue
        old = services.policy_for(account)
        changed, status = _after(account, policy, now)
        if (
            account.dunning_policy_id == policy.pk
            and changed.financial_blocking_threshold == account.financial_blocking_threshold
            and changed.allowed_negative_days == account.allowed_negative_days
        ):
            rows.append(BulkRow(account, current, f"already on {policy.name}", changes=False))
            continue
        rows.append(
            BulkRow(account, current, "; ".join([*_changes(account, old, changed), status]))
        )
    return rows


def perform_policy(accounts: list[Account], data: dict, actor: Any) -> list[BulkRow]:
    """assign_policy for every account the preview accepts, each in its own transaction."""
    done = []
    for row in preview_policy(accounts, data, actor):
        if not row.refused and row.changes:
            try:
                services.assign_policy(
                    row.account, data["policy"], actor=actor, reason=data.get("reason", "")
                )
            except BillingError as exc:
                row = BulkRow(row.account, row.current, refused=exc.message)
        done.append(row)
    return done
