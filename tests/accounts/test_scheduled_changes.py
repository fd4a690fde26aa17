"""Scheduled status changes (R-E4, R-X5): checked when made, cancellable until they run, applied
once when due — refusals recorded on the row, and once only with two workers at the same time."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from accounts import services
from accounts.actors import Actor
from accounts.errors import InvalidDate, InvalidSchedule, ReasonNotAllowed, UnknownStatusType
from accounts.models import BackendStatus as S
from accounts.models import ScheduledStatusChange, StatusChange
from accounts.scheduling import apply_due_status_changes
from accounts.tasks import apply_scheduled_status_changes
from tests.accounts.factories import AccountFactory

TODAY = date(2031, 3, 1)
State = ScheduledStatusChange.State


def schedule(account, operator, type_name="Suspended", reason="Customer request", on=TODAY):
    return services.schedule_status_change(
        account, type_name, reason=reason, effective_on=on, actor=operator, today=TODAY
    )


@pytest.mark.django_db
class TestScheduling:
    def test_r_e4_a_change_scheduled_for_a_date_runs_on_that_date_not_before(self, operator):
        account = AccountFactory(actor=operator)
        scheduled = schedule(account, operator, on=TODAY + timedelta(days=2))
        assert apply_due_status_changes(TODAY + timedelta(days=1))["applied"] == 0
        account.refresh_from_db()
        assert account.backend_status == S.ACTIVE
        assert apply_due_status_changes(TODAY + timedelta(days=2))["applied"] == 1
        account.refresh_from_db()
        scheduled.refresh_from_db()
        assert account.backend_status == S.SUSPENDED
        assert scheduled.state == State.APPLIED and scheduled.ran_at is not None
        change = scheduled.status_change
        assert change == StatusChange.objects.filter(account=account).first()
        assert (change.actor_kind, change.actor_user, change.rule_id) == (
            "operator",
            operator,
            "R-E4",
        )
        assert change.requested_at == scheduled.created_at
        assert apply_due_status_changes(TODAY + timedelta(days=3))["applied"] == 0

    def test_r_e4_past_dates_are_refused_today_is_allowed(self, operator):
        account = AccountFactory(actor=operator)
        with pytest.raises(InvalidSchedule, match="has passed"):
            schedule(account, operator, on=TODAY - timedelta(days=1))
        assert schedule(account, operator, on=TODAY).state == State.PENDING

    def test_r_e4_type_and_reason_are_checked_when_scheduling(self, operator):
        account = AccountFactory(actor=operator)
        with pytest.raises(UnknownStatusType):
            schedule(account, operator, type_name="No such type")
        with pytest.raises(ReasonNotAllowed):
            schedule(account, operator, type_name="Suspended", reason="New account")
        assert not ScheduledStatusChange.objects.exists()

    def test_r_e4_a_customer_cannot_schedule_a_status_change(self, operator, customer):
        with pytest.raises(InvalidSchedule, match="Only an operator"):
            schedule(AccountFactory(actor=operator), customer)

    def test_r_x5_a_pending_change_can_be_cancelled_and_then_never_runs(self, operator):
        account = AccountFactory(actor=operator)
        scheduled = schedule(account, operator)
        cancelled = services.cancel_scheduled_status_change(scheduled, actor=operator)
        assert (cancelled.state, cancelled.cancelled_by) == (State.CANCELLED, operator)
        assert apply_due_status_changes(TODAY)["applied"] == 0
        account.refresh_from_db()
        assert account.backend_status == S.ACTIVE
        with pytest.raises(InvalidSchedule, match="already cancelled"):
            services.cancel_scheduled_status_change(scheduled, actor=operator)

    def test_r_x5_an_applied_change_can_no_longer_be_cancelled(self, operator):
        scheduled = schedule(AccountFactory(actor=operator), operator)
        apply_due_status_changes(TODAY)
        with pytest.raises(InvalidSchedule, match="already applied"):
            services.cancel_scheduled_status_change(scheduled, actor=operator)

    def test_r_e4_a_refusal_is_recorded_on_the_row_and_the_batch_goes_on(self, operator):
        refused_account = AccountFactory(actor=operator)
        # Credit hold follows the money: an operator's scheduled move there is refused when due.
        refused = schedule(refused_account, operator, "Credit hold", reason="Non-payment")
        applied = schedule(AccountFactory(actor=operator), operator)
        assert apply_due_status_changes(TODAY) == {"applied": 1, "refused": 1, "failed": 0}
        refused.refresh_from_db()
        applied.refresh_from_db()
        assert refused.state == State.REFUSED and "Credit hold" in refused.outcome
        assert refused.status_change is None
        assert applied.state == State.APPLIED
        refused_account.refresh_from_db()
        assert refused_account.backend_status == S.ACTIVE

    def test_r_e4_operator_only_transitions_run_on_the_authors_authority(self, operator):
        account = AccountFactory(actor=operator)
        services.change_status(account, "Administrative hold", actor=operator, reason="Abuse")
        schedule(account, operator, "Active", reason="Reactivated by operator")
        assert apply_due_status_changes(TODAY)["applied"] == 1
        account.refresh_from_db()
        assert account.backend_status == S.ACTIVE

    def test_r_e4_already_in_the_type_is_applied_with_a_note(self, operator):
        scheduled = schedule(
            AccountFactory(actor=operator), operator, "Active", "Status relabelled"
        )
        apply_due_status_changes(TODAY)
        scheduled.refresh_from_db()
        assert scheduled.state == State.APPLIED and "already had this status" in scheduled.outcome

    def test_r_x7_the_task_takes_an_iso_date_and_refuses_anything_else(self, operator):
        schedule(AccountFactory(actor=operator), operator)
        assert apply_scheduled_status_changes("2031-03-01")["applied"] == 1
        with pytest.raises(InvalidDate, match="“tomorrow” is not an ISO date"):
            apply_scheduled_status_changes("tomorrow")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_e4_each_change_is_applied_once_while_two_workers_run_the_task_at_once(
    operator, on_postgres
):
    accounts = [AccountFactory(actor=Actor.operator(operator)) for _ in range(30)]
    for account in accounts:
        schedule(account, operator)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(apply_scheduled_status_changes(TODAY.isoformat()))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    # Had both workers taken the same row, the second would count it applied ("already there").
    assert sum(r["applied"] for r in results) == len(accounts)
    assert sum(r["refused"] + r["failed"] for r in results) == 0
    assert ScheduledStatusChange.objects.filter(state=State.APPLIED).count() == len(accounts)
    for account in accounts:
        assert StatusChange.objects.filter(account=account).count() == 2  # created + suspended
