"""Issue 18: bulk actions on selected accounts — a form, a preview of what each account will get
(current status → result, or "refused: <the domain's message>") that writes nothing, then the
service per account with its history or audit row; each action only for its permission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin import site
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import (
    Account,
    AccountAudit,
    ScheduledStatusChange,
    StatusChange,
    StatusReason,
)
from accounts.models import BackendStatus as S
from billing import services as billing
from billing.models import DunningPolicy
from tests.accounts.factories import AccountFactory

from .conftest import messages_of

LIST = reverse("admin:accounts_account_changelist")


def post_action(client, name, accounts, step=None, query="", **fields):
    data = {"action": name, "_selected_action": [a.pk for a in accounts], **fields}
    if step is None:
        data["index"] = 0  # as the change list's action bar posts it
    else:
        data["_bulk_step"] = step
    return client.post(LIST + query, data)


def rows_of(response) -> dict[str, object]:
    return {row.account.number: row for row in response.context["rows"]}


@pytest.fixture
def manager_client(client, billing_manager):
    client.force_login(billing_manager)
    return client


@pytest.fixture
def active_and_cancelled(operator):
    active = AccountFactory(name="Alive", actor=operator)
    cancelled = AccountFactory(name="Gone", actor=operator)
    services.change_status(
        cancelled, services.default_status_type(S.CANCELLED), actor=operator,
        reason="Customer request",
    )  # fmt: skip
    return active, cancelled


def schedule_fields(**extra):
    return {
        "status_type": services.default_status_type(S.SUSPENDED).pk,
        "reason": StatusReason.objects.get(name="Abuse").pk,
        "effective_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "note": "",
        **extra,
    }


def test_r_e4_bulk_schedule_shows_its_form_for_the_selected_accounts(
    manager_client, active_and_cancelled
):
    response = post_action(manager_client, "bulk_schedule_status", active_and_cancelled)
    assert response.status_code == 200
    assert response.context["form"].is_bound is False
    assert [a.number for a in response.context["accounts"]] == sorted(
        a.number for a in active_and_cancelled
    )


def test_r_e4_bulk_schedule_preview_says_what_each_gets_and_writes_nothing(
    manager_client, active_and_cancelled
):
    active, cancelled = active_and_cancelled
    before = (StatusChange.objects.count(), AccountAudit.objects.count())
    response = post_action(
        manager_client, "bulk_schedule_status", active_and_cancelled, "preview", **schedule_fields()
    )
    rows = rows_of(response)
    assert "Active → Suspended" in rows[active.number].result
    assert "Cancelled to Suspended" in rows[cancelled.number].refused  # the table's own words
    assert not ScheduledStatusChange.objects.exists()
    assert (StatusChange.objects.count(), AccountAudit.objects.count()) == before


def test_r_e4_bulk_schedule_confirmed_schedules_each_accepted_account_with_an_audit_row(
    manager_client, active_and_cancelled, billing_manager
):
    active, cancelled = active_and_cancelled
    response = post_action(
        manager_client, "bulk_schedule_status", active_and_cancelled, "confirm", **schedule_fields()
    )
    assert response.status_code == 302
    scheduled = ScheduledStatusChange.objects.get()
    assert (scheduled.account, scheduled.author) == (active, billing_manager)
    audit = AccountAudit.objects.get(account=active, field="scheduled_status_change")
    assert (audit.actor_user, audit.rule_id) == (billing_manager, "R-E4")
    assert not ScheduledStatusChange.objects.filter(account=cancelled).exists()
    shown = messages_of(manager_client.get(response["Location"]))
    assert any("1 account(s) done, 0 unchanged, 1 refused" in m for m in shown)
    assert any(cancelled.number in m and "Cancelled" in m for m in shown)


def test_a_past_date_is_a_form_error_not_a_write(manager_client, active_and_cancelled):
    fields = schedule_fields(effective_on=(timezone.localdate() - timedelta(days=1)).isoformat())
    response = post_action(
        manager_client, "bulk_schedule_status", active_and_cancelled, "confirm", **fields
    )
    assert response.status_code == 200
    assert any("has passed" in m for m in messages_of(response))
    assert not ScheduledStatusChange.objects.exists()


def test_bulk_lock_puts_lockable_accounts_on_hold_with_a_history_row_each(
    manager_client, active_and_cancelled, billing_manager
):
    active, cancelled = active_and_cancelled
    reason = StatusReason.objects.get(name="Fraud review").pk
    preview = post_action(
        manager_client, "bulk_lock", active_and_cancelled, "preview", reason=reason, note=""
    )
    assert rows_of(preview)[active.number].result == "Active → Administrative hold"
    assert "only Active, Credit hold or Suspended" in rows_of(preview)[cancelled.number].refused
    active.refresh_from_db()
    assert active.backend_status == S.ACTIVE  # the preview wrote nothing

    post_action(
        manager_client, "bulk_lock", active_and_cancelled, "confirm", reason=reason, note=""
    )
    active.refresh_from_db()
    assert active.backend_status == S.ADMINISTRATIVE_HOLD
    change = active.status_changes.latest("effective_at")
    assert (change.actor_user, change.reason.name) == (billing_manager, "Fraud review")
    assert "Bulk action by manager" in change.note
    cancelled.refresh_from_db()
    assert cancelled.backend_status == S.CANCELLED


def test_r_ch3_bulk_policy_preview_names_the_hold_a_higher_threshold_brings(
    manager_client, operator
):
    account = AccountFactory(name="Thin", actor=operator)
    strict = DunningPolicy.objects.create(name="Strict", default_threshold="25.00")
    fields = {"policy": strict.pk, "reason": "Moved to the strict plan"}
    preview = post_action(manager_client, "bulk_apply_policy", [account], "preview", **fields)
    result = rows_of(preview)[account.number].result
    assert "→ Strict" in result and "threshold 0.00 → 25.00" in result
    assert "status Active → Credit hold (R-CH3)" in result
    account.refresh_from_db()
    assert (account.dunning_policy, account.backend_status) == (None, S.ACTIVE)

    post_action(manager_client, "bulk_apply_policy", [account], "confirm", **fields)
    account.refresh_from_db()
    assert (account.dunning_policy, account.backend_status) == (strict, S.CREDIT_HOLD)
    audit = AccountAudit.objects.get(account=account, field="dunning_policy")
    assert audit.note == "Moved to the strict plan"


def test_bulk_policy_of_an_account_already_on_it_is_unchanged(manager_client, operator):
    account = AccountFactory(name="Same", actor=operator)
    policy = DunningPolicy.objects.get(is_default=True)
    billing.assign_policy(account, policy, actor=operator)
    fields = {"policy": policy.pk, "reason": "again"}
    preview = post_action(manager_client, "bulk_apply_policy", [account], "preview", **fields)
    assert rows_of(preview)[account.number].changes is False
    assert preview.context["will_change"] == 0


def test_each_bulk_action_is_offered_only_with_its_permission(client, support_agent, operator):
    AccountFactory(actor=operator)
    client.force_login(support_agent)
    offered = {
        name for name, _label in client.get(LIST).context["action_form"].fields["action"].choices
    }
    assert "bulk_lock" in offered  # support agents lock (GFI seed)
    assert "bulk_schedule_status" not in offered
    assert "bulk_apply_policy" not in offered


def test_an_action_the_operator_may_not_run_is_refused_and_writes_nothing(
    client, support_agent, active_and_cancelled
):
    client.force_login(support_agent)
    response = post_action(
        client, "bulk_schedule_status", active_and_cancelled, "confirm", **schedule_fields()
    )
    assert response.status_code in (200, 302)
    assert not ScheduledStatusChange.objects.exists()


def test_bulk_actions_act_only_on_accounts_of_the_lists_filters(
    manager_client, active_and_cancelled
):
    active, cancelled = active_and_cancelled
    # The list filtered to Active accounts: the cancelled one is not in it, whatever was posted.
    response = post_action(
        manager_client, "bulk_schedule_status", active_and_cancelled, "preview",
        query="?status_type__backend_status__exact=active", **schedule_fields(),
    )  # fmt: skip
    assert list(rows_of(response)) == [active.number]


def test_a_bulk_action_on_more_accounts_than_the_limit_asks_to_narrow_the_list(
    manager_client, active_and_cancelled, monkeypatch
):
    monkeypatch.setattr("accounts.admin_bulk.BULK_LIMIT", 1)
    response = manager_client.post(
        LIST,
        {"action": "bulk_lock", "select_across": "1", "index": 0, "_selected_action": ["0"]},
        follow=True,
    )
    assert any("at most 1 accounts at a time" in m for m in messages_of(response))


def test_bulk_actions_take_the_admins_scope_from_get_queryset(
    manager_client, active_and_cancelled, monkeypatch
):
    """An account get_queryset leaves out (a reseller operator's scope, R-R3) is not acted on,
    even when its pk is posted."""
    active, cancelled = active_and_cancelled
    admin = site._registry[Account]
    scoped = admin.get_queryset
    monkeypatch.setattr(
        admin, "get_queryset", lambda request: scoped(request).exclude(pk=active.pk)
    )
    response = post_action(
        manager_client, "bulk_schedule_status", active_and_cancelled, "preview", **schedule_fields()
    )
    assert list(rows_of(response)) == [cancelled.number]
