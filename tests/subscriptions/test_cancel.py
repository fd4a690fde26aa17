"""Cancel options (seed 002, R-E5), each writing exactly its ledger entries, with a preview (R-X5)."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.actors import Actor
from billing.models import LedgerEntry
from subscriptions import services
from subscriptions.errors import (
    InvalidDateForOption,
    InvalidOption,
    NothingScheduled,
    SubscriptionsError,
)
from subscriptions.models import Resource, SubscriptionChange
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, ResourceFactory, funded_account

pytestmark = pytest.mark.django_db
D = Decimal
PRICE = D("249.95")

# (label, period start, cancel day, specific date, as-of date) and the exact cents expected:
# the unused part on the cancel day, on the specific date and on the as-of date (Kill Bill rule).
MONTHS = {
    "31_days": (date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 16), date(2026, 1, 6)),
    "30_days": (date(2026, 4, 1), date(2026, 4, 11), date(2026, 4, 16), date(2026, 4, 6)),
    "leap_day": (date(2024, 2, 15), date(2024, 2, 27), date(2024, 3, 3), date(2024, 2, 22)),
}
UNUSED = {
    "31_days": (D("169.32"), D("129.01"), D("209.64")),  # 21, 16, 26 of 31 days
    "30_days": (D("166.63"), D("124.98"), D("208.29")),  # 20, 15 (124.975 half-up), 25 of 30
    "leap_day": (D("146.52"), D("103.43"), D("189.62")),  # 17, 12, 22 of 29 (Feb 2024)
}


def expected_amounts(option, month, prepaid):
    """Signed as in the ledger: refunds credit (+), charges debit (−)."""
    now, specific, as_of = UNUSED[month]
    if prepaid:
        return {
            "immediately_prorated_refund": [now],
            "immediately_full_refund": [PRICE],
            "immediately_no_refund": [],
            "period_end": [],
            "specific_date_prorated_refund": [specific],
            "immediately_prorated_as_of_date": [as_of],
        }[option]
    return {  # postpaid: nothing was charged yet; the used part is billed
        "immediately_prorated_refund": [now - PRICE],
        "immediately_full_refund": [],
        "immediately_no_refund": [-PRICE],
        "period_end": [-PRICE],
        "specific_date_prorated_refund": [specific - PRICE],
        "immediately_prorated_as_of_date": [as_of - PRICE],
    }[option]


def on_date_for(option, month):
    _start, _cancel, specific, as_of = MONTHS[month]
    return {
        "specific_date_prorated_refund": specific,
        "immediately_prorated_as_of_date": as_of,
    }.get(option)


def entries_after(account, last_id):
    return list(
        LedgerEntry.objects.filter(account=account, pk__gt=last_id)
        .order_by("pk")
        .values_list("kind", "amount")
    )


def last_entry_id(account):
    return (
        LedgerEntry.objects.filter(account=account).order_by("-pk").values_list("pk", flat=True)[0]
    )


@pytest.mark.parametrize("month", list(MONTHS))
@pytest.mark.parametrize("model", ["prepaid", "postpaid"])
@pytest.mark.parametrize("option", services.CANCEL_OPTIONS)
def test_r_e5_each_cancel_option_writes_exactly_the_entries_its_preview_shows(
    option, model, month, operator
):
    start, cancel_day, _specific, _as_of = MONTHS[month]
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(**PLAN_SHAPES[model]), actor=operator, today=start)
    on_date = on_date_for(option, month)
    mark = last_entry_id(account)

    preview = services.cancel(
        sub, option=option, actor=operator, on_date=on_date, preview=True, today=cancel_day
    )
    assert entries_after(account, mark) == []  # the preview wrote nothing
    assert [e.amount for e in preview] == expected_amounts(option, month, model == "prepaid")

    outcome = services.cancel(sub, option=option, actor=operator, on_date=on_date, today=cancel_day)
    if outcome.scheduled:
        assert sub.status == "active" and sub.cancel_on == outcome.effective_on
        assert entries_after(account, mark) == []
        services.run_subscription_charges(outcome.effective_on)
        sub.refresh_from_db()
    assert sub.status == "cancelled"
    assert entries_after(account, mark) == [(e.kind, e.amount) for e in preview]
    account.refresh_from_db()
    assert account.balance == D("5000.00") - (PRICE if model == "prepaid" else 0) + sum(
        e.amount for e in preview
    )


@pytest.mark.parametrize(
    ("option", "effective"),
    [("period_end", date(2026, 2, 1)), ("specific_date_prorated_refund", date(2026, 1, 16))],
)
def test_r_e5_period_end_and_specific_date_are_scheduled_for_their_date(
    option, effective, operator
):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    on_date = date(2026, 1, 16) if option.startswith("specific") else None
    outcome = services.cancel(
        sub, option=option, actor=operator, on_date=on_date, today=date(2026, 1, 11)
    )
    assert outcome.scheduled and outcome.effective_on == effective
    services.run_subscription_charges(effective - date.resolution)
    sub.refresh_from_db()
    assert sub.status == "active"  # not before its date
    services.run_subscription_charges(effective)
    sub.refresh_from_db()
    assert sub.status == "cancelled" and sub.cancel_on is None
    assert services.run_subscription_charges(effective)["cancelled"] == 0  # a rerun does nothing


def test_r_e5_period_end_cancel_of_a_prepaid_subscription_is_not_charged_the_next_period(
    operator,
):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    services.cancel(sub, option="period_end", actor=operator, today=date(2026, 1, 11))
    mark = last_entry_id(account)
    services.run_subscription_charges(date(2026, 3, 5))
    assert entries_after(account, mark) == []


def test_r_e5_a_same_day_cancel_refunds_the_whole_period(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    outcome = services.cancel(
        sub, option="immediately_prorated_refund", actor=operator, today=date(2026, 1, 1)
    )
    assert [e.amount for e in outcome.entries] == [PRICE]


def test_r_e5_as_of_date_releases_resources_at_once(operator):
    account = funded_account(operator)
    ResourceFactory.create_batch(3)
    plan = PlanFactory(resource_kind="fax number", resources_included=2)
    sub = services.order(account, plan, actor=operator, today=date(2026, 1, 1))
    assert sub.resources.count() == 2
    services.cancel(
        sub,
        option="immediately_prorated_as_of_date",
        on_date=date(2026, 1, 6),
        actor=operator,
        today=date(2026, 1, 11),
    )
    assert not Resource.objects.filter(status="allocated").exists()
    assert Resource.objects.filter(status="available").count() == 3


def test_r_x5_a_scheduled_cancellation_can_be_withdrawn_until_it_runs(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    services.cancel(sub, option="period_end", actor=operator, today=date(2026, 1, 11))
    services.withdraw_cancellation(sub, actor=operator)
    assert sub.cancel_on is None
    services.run_subscription_charges(date(2026, 2, 1))
    sub.refresh_from_db()
    assert sub.status == "active" and sub.period_start == date(2026, 2, 1)
    with pytest.raises(NothingScheduled):
        services.withdraw_cancellation(sub, actor=operator)


def snapshot(sub):
    sub.refresh_from_db()
    return (
        sub.status,
        sub.cancel_on,
        LedgerEntry.objects.filter(account=sub.account).count(),
        SubscriptionChange.objects.filter(subscription=sub).count(),
    )


@pytest.mark.parametrize(
    ("option", "on_date", "error", "message"),
    [
        ("specific_date_prorated_refund", date(2026, 1, 10), InvalidDateForOption, "in the past"),
        ("specific_date_prorated_refund", date(2026, 2, 2), InvalidDateForOption, "after the"),
        ("specific_date_prorated_refund", None, InvalidDateForOption, "needs a date"),
        ("specific_date_prorated_refund", "2026-01-20", InvalidDateForOption, "not a date"),
        ("immediately_prorated_as_of_date", date(2025, 12, 31), InvalidDateForOption, "within"),
        ("immediately_no_refund", date(2026, 1, 20), InvalidDateForOption, "takes no date"),
        ("whenever", None, InvalidOption, "not a cancel option"),
    ],
)
@pytest.mark.parametrize("preview", [True, False])
def test_bad_cancel_input_is_refused_with_a_message_and_nothing_written(
    option, on_date, error, message, preview, operator
):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    before = snapshot(sub)
    with pytest.raises(error, match=message):
        services.cancel(
            sub,
            option=option,
            on_date=on_date,
            actor=operator,
            preview=preview,
            today=date(2026, 1, 11),
        )
    assert snapshot(sub) == before


def test_a_second_cancellation_while_one_is_scheduled_is_refused(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    services.cancel(sub, option="period_end", actor=operator, today=date(2026, 1, 11))
    before = snapshot(sub)
    with pytest.raises(SubscriptionsError, match="already scheduled for 2026-02-01"):
        services.cancel(
            sub, option="immediately_full_refund", actor=operator, today=date(2026, 1, 11)
        )
    assert snapshot(sub) == before


def test_a_cancelled_subscription_cannot_be_cancelled_again(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, today=date(2026, 1, 1))
    services.cancel(sub, option="immediately_no_refund", actor=operator, today=date(2026, 1, 2))
    before = snapshot(sub)
    with pytest.raises(SubscriptionsError, match="cancelled: order a new one"):
        services.cancel(sub, option="immediately_full_refund", actor=operator)
    assert snapshot(sub) == before


def test_a_trial_cancels_with_no_entries(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator, trial=True, today=date(2026, 1, 1))
    outcome = services.cancel(
        sub,
        option="immediately_full_refund",
        actor=Actor.operator(operator),
        today=date(2026, 1, 5),
    )
    assert outcome.entries == [] and sub.status == "cancelled"
