"""subscriptions.account_actions.cancel_account: the account and its subscriptions under one R-E5
option, previewed first (R-X5), all or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.errors import InvalidTransition
from accounts.models import BackendStatus as S
from accounts.models import ScheduledStatusChange
from billing.models import LedgerEntry
from subscriptions import services as subscriptions
from subscriptions.account_actions import cancel_account
from subscriptions.cancellation import CANCEL_OPTIONS, TAKES_A_DATE
from subscriptions.errors import InvalidDateForOption
from subscriptions.models import Subscription
from tests.subscriptions.factories import PlanFactory, funded_account

pytestmark = pytest.mark.django_db


def account_with_two_subscriptions(operator):
    account = funded_account(operator)
    start = timezone.localdate() - timedelta(days=9)
    for price in ("249.95", "30.00"):
        subscriptions.order(account, PlanFactory(price=price), actor=operator, today=start)
    return account


@pytest.mark.parametrize("option", CANCEL_OPTIONS)
def test_r_x5_every_option_writes_exactly_the_entries_it_previewed(operator, option):
    account = account_with_two_subscriptions(operator)
    on_date = timezone.localdate() if option in TAKES_A_DATE else None
    before = set(LedgerEntry.objects.filter(account=account).values_list("pk", flat=True))
    plan = cancel_account(account, option=option, on_date=on_date, actor=operator, preview=True)
    assert set(LedgerEntry.objects.filter(account=account).values_list("pk", flat=True)) == before
    done = cancel_account(account, option=option, on_date=on_date, actor=operator)
    shown = [(e.kind, e.amount) for e in plan.entries if e.on_date <= timezone.localdate()]
    written = [(e.kind, e.amount) for e in done.written]
    assert written == shown if not done.scheduled else written == []
    assert len(plan.items) == 2


def test_an_immediate_cancel_cancels_the_account_and_every_subscription(operator):
    account = account_with_two_subscriptions(operator)
    cancel_account(account, option="immediately_no_refund", actor=operator)
    account.refresh_from_db()
    assert account.backend_status == S.CANCELLED
    assert set(account.subscriptions.values_list("status", flat=True)) == {"cancelled"}


def test_r_e4_a_period_end_cancel_schedules_the_account_for_the_last_period_end(operator):
    account = account_with_two_subscriptions(operator)
    done = cancel_account(account, option="period_end", actor=operator)
    last_end = max(account.subscriptions.values_list("period_end", flat=True))
    scheduled = ScheduledStatusChange.objects.get(account=account)
    assert done.scheduled and scheduled.effective_on == last_end == done.effective_on
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE  # until then
    assert set(account.subscriptions.values_list("cancel_on", flat=True)) == {last_end}


def test_a_deleted_account_is_refused_and_nothing_is_written(operator):
    account = account_with_two_subscriptions(operator)
    Subscription.objects.filter(account=account).update(status="cancelled")
    services.change_status(account, "Deleted", actor=operator, reason="Account closed")
    with pytest.raises(InvalidTransition, match="Deleted is final"):
        cancel_account(account, option="immediately_full_refund", actor=operator)


def test_a_dated_option_without_a_date_is_refused_before_anything_is_computed(operator):
    account = account_with_two_subscriptions(operator)
    with pytest.raises(InvalidDateForOption, match="needs a date"):
        cancel_account(account, option="specific_date_prorated_refund", actor=operator)
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
