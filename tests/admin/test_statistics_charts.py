"""Account Statistics with charts (issue 18): accounts per status over time from the history
(R-E2), the dunning funnel (R-D1, R-D4) and receivables aging (R-B3). The figures are set-based
aggregates; each test counts the same rows by hand, one account at a time, and compares."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Account
from accounts.models import BackendStatus as S
from accounts.statistics import count_tally, current_tally, status_over_time, week_ends
from accounts.tasks import refresh_account_statistics
from billing import services as billing
from billing.models import OpenItem
from billing.statistics import AGING_BUCKETS, aging, dunning_funnel
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
STATISTICS = reverse("admin:accounts_account_statistics")


def by_hand_per_type() -> dict[int, int]:
    counts: dict[int, int] = {}
    for account in Account.objects.all():
        counts[account.status_type_id] = counts.get(account.status_type_id, 0) + 1
    return counts


def test_r_e2_the_status_chart_counts_now_what_the_accounts_table_holds(operator):
    for _ in range(3):
        AccountFactory(actor=operator)
    held = AccountFactory(actor=operator)
    services.change_status(held, "Suspended", actor=operator, reason="Abuse")
    over_time = status_over_time(timezone.localdate())
    per_type = by_hand_per_type()
    for row, values in over_time.rows:
        assert values[-1] == row.count == sum(per_type.get(t, 0) for t in row.type_ids)


def test_r_e2_earlier_week_ends_undo_the_changes_made_after_them(operator):
    today = timezone.localdate()
    three_weeks_ago = timezone.now() - timedelta(days=21)
    with time_machine.travel(three_weeks_ago, tick=False):
        old = AccountFactory(actor=operator)
        suspended = AccountFactory(actor=operator)
    with time_machine.travel(three_weeks_ago + timedelta(days=10), tick=False):
        services.change_status(suspended, "Suspended", actor=operator, reason="Abuse")
    AccountFactory(actor=operator)  # created today: absent from every earlier week end
    over_time = status_over_time(today)
    values = {
        row.backend_status: dict(zip(over_time.dates, v, strict=True)) for row, v in over_time.rows
    }
    four_weeks, two_weeks = today - timedelta(days=28), today - timedelta(days=14)
    one_week = today - timedelta(days=7)
    assert values[S.ACTIVE][four_weeks] == 0 and values[S.SUSPENDED][four_weeks] == 0
    assert values[S.ACTIVE][today - timedelta(days=21)] == 2  # both created that day
    assert values[S.ACTIVE][two_weeks] == 2 and values[S.SUSPENDED][two_weeks] == 0  # day −11
    assert values[S.ACTIVE][one_week] == 1 and values[S.SUSPENDED][one_week] == 1
    assert values[S.ACTIVE][today] == 2 and values[S.SUSPENDED][today] == 1
    assert old.pk and len(over_time.dates) == len(week_ends(today)) == 13


@override_settings(ACCOUNT_STATISTICS_MAX_AGE=600)
def test_r_e2_a_cached_tally_brought_up_to_date_equals_a_fresh_count(operator):
    """Defect 6 without recounting: the cached tally applies the history rows added since."""
    cache.clear()
    today = timezone.localdate()
    first = week_ends(today)[0]
    accounts = [AccountFactory(actor=operator) for _ in range(3)]
    current_tally(today)  # cached now
    services.change_status(accounts[0], "Suspended", actor=operator, reason="Abuse")
    AccountFactory(actor=operator)
    services.change_status(accounts[1], "Cancelled", actor=operator, reason="Customer request")
    services.change_status(accounts[0], "Active", actor=operator, reason="Customer request")
    kept = current_tally(today)
    fresh = count_tally(first)
    assert kept.counted_at < fresh.counted_at  # brought up to date, not counted again
    assert {t: n for t, n in kept.counts.items() if n} == fresh.counts
    assert {k: n for k, n in kept.changes.items() if n} == fresh.changes
    assert kept.upto == fresh.upto
    assert status_over_time(today, tally=kept) == status_over_time(today, tally=fresh)


@override_settings(ACCOUNT_STATISTICS_MAX_AGE=60)
def test_the_beat_task_counts_ahead_so_the_page_runs_no_full_count(admin_client, in_arrears):
    cache.clear()
    assert refresh_account_statistics() == 3  # the status tally, the funnel, aging
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(STATISTICS).status_code == 200
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert grouped == []  # no aggregate: the tally is brought up to date, the charts are kept


def test_r_e2_a_scope_counts_only_its_accounts(operator):
    mine = [AccountFactory(actor=operator) for _ in range(2)]
    AccountFactory(actor=operator)
    services.change_status(mine[0], "Suspended", actor=operator, reason="Abuse")
    scope = Account.objects.filter(pk__in=[a.pk for a in mine])
    over_time = status_over_time(timezone.localdate(), scope)
    now = {row.backend_status: v[-1] for row, v in over_time.rows}
    assert now[S.ACTIVE] == 1 and now[S.SUSPENDED] == 1


def item(account, operator, amount: str, days_past_due: int) -> OpenItem:
    """A charge whose open item is due `days_past_due` days ago (negative: not yet due)."""
    billing.post_charge(account, amount, description="usage", actor=operator)
    open_item = OpenItem.objects.filter(account=account).latest("id")
    OpenItem.objects.filter(pk=open_item.pk).update(
        due_date=timezone.localdate() - timedelta(days=days_past_due)
    )
    return open_item


def test_r_b3_aging_buckets_equal_the_open_items_counted_one_by_one(operator):
    a, b = AccountFactory(actor=operator), AccountFactory(actor=operator)
    for account, amount, days in [
        (a, "10.00", 0),
        (a, "20.00", 30),
        (b, "5.00", 31),
        (b, "7.50", 60),
        (a, "1.00", 61),
        (b, "2.00", 90),
        (b, "3.00", 91),
        (a, "4.00", 400),
        (b, "9.99", -3),
    ]:
        item(account, operator, amount, days)
    billing.record_payment(a, "4.00", actor=operator, idempotency_key="aging-1")  # oldest first
    today = timezone.localdate()
    (usd,) = aging(today)
    expected: dict[str, Decimal] = {key: Decimal("0") for key, *_ in AGING_BUCKETS}
    for open_item in OpenItem.objects.filter(settled_at__isnull=True):
        days = (today - open_item.due_date).days
        for key, _label, fewest, most in AGING_BUCKETS:
            if days >= fewest and (most is None or days <= most):
                expected[key] += open_item.amount - open_item.settled
    assert {b.key: b.amount for b in usd.buckets} == expected
    assert expected["d90_plus"] == Decimal("3.00")  # the 400-day item was paid, oldest first
    assert expected["d0_30"] == Decimal("30.00") and expected["d31_60"] == Decimal("12.50")
    assert usd.not_due.amount == Decimal("9.99") and usd.not_due.items == 1
    assert usd.overdue == sum(expected.values())


def test_r_b3_a_scope_ages_only_its_accounts_items(operator):
    a, b = AccountFactory(actor=operator), AccountFactory(actor=operator)
    item(a, operator, "10.00", 5)
    item(b, operator, "20.00", 5)
    (usd,) = aging(timezone.localdate(), Account.objects.filter(pk=a.pk))
    assert usd.buckets[0].amount == Decimal("10.00") and usd.buckets[0].items == 1


def test_r_b3_aging_never_adds_two_currencies(operator):
    usd, eur = AccountFactory(actor=operator), AccountFactory(actor=operator, currency="EUR")
    item(usd, operator, "10.00", 5)
    item(eur, operator, "7.00", 5)
    item(eur, operator, "1.00", 45)
    by_currency = {a.currency: a for a in aging(timezone.localdate())}
    assert set(by_currency) == {"EUR", "USD"}
    assert (
        by_currency["USD"].overdue == Decimal("10.00") and by_currency["USD"].buckets[0].items == 1
    )
    assert [b.amount for b in by_currency["EUR"].buckets[:2]] == [Decimal("7.00"), Decimal("1.00")]


@pytest.fixture
def in_arrears(operator):
    """An account billing in arrears whose invoice of 49.90 was due 3 days ago."""
    account = AccountFactory(actor=operator)
    billing.set_financial_blocking_threshold(account, "-500", actor=operator)
    billing.issue_invoice(
        account,
        amount="49.90",
        billing_date=timezone.localdate() - timedelta(days=3),
        actor=operator,
    )
    return account


def test_r_d1_the_funnel_counts_the_accounts_on_each_step_now(operator, in_arrears):
    dunning_sweep(timezone.localdate())
    in_arrears.refresh_from_db()
    assert in_arrears.status_type.name == "Suspended until Paid"  # R-D1
    funnel = dunning_funnel(timezone.localdate())
    on_steps = {(s.policy, s.position): s.accounts for s in funnel.steps}
    assert on_steps[("Standard ladder", 2)] == 1  # 2 days past due (step 1: credit limit)
    assert sum(on_steps.values()) == 1 and funnel.entered == 1 and funnel.recovered == 0
    assert funnel.money_recovered == {"USD": Decimal("0.00")}


def test_r_d4_a_payment_in_dunning_is_recovered_money_and_the_account_recovered(
    operator, in_arrears
):
    dunning_sweep(timezone.localdate())
    billing.record_payment(in_arrears, "49.90", actor=operator, idempotency_key="dun-1")
    in_arrears.refresh_from_db()
    assert in_arrears.backend_status == S.ACTIVE  # R-D4
    funnel = dunning_funnel(timezone.localdate())
    assert funnel.recovered == 1 and funnel.entered == 1
    assert sum(s.accounts for s in funnel.steps) == 0
    assert funnel.money_recovered == {"USD": Decimal("49.90")}


def test_r_d4_a_payment_outside_dunning_is_not_recovered_money(operator, in_arrears):
    billing.record_payment(in_arrears, "49.90", actor=operator, idempotency_key="early")
    funnel = dunning_funnel(timezone.localdate())
    assert funnel.money_recovered == {"USD": Decimal("0.00")} and funnel.recovered == 0


def test_r_e2_the_page_shows_every_chart_with_its_numbers_and_stamp(
    admin_client, operator, in_arrears
):
    item(in_arrears, operator, "12.00", 45)
    dunning_sweep(timezone.localdate())
    response = admin_client.get(STATISTICS)
    assert response.status_code == 200
    html = response.content.decode()
    for needle in ("chart-status", "chart-dunning-funnel", "chart-aging", "<svg", "As of"):
        assert needle in html
    assert 'data-bucket="d31_60"' in html and "12.00" in html
    assert "style=" not in html.split('id="content-main"')[1]  # the CSP: classes only


def test_r_e2_a_support_agent_sees_the_page_and_a_customer_does_not(
    client, support_agent, customer
):
    client.force_login(customer)
    assert client.get(STATISTICS).status_code == 302  # to the admin's login
    client.force_login(support_agent)
    assert client.get(STATISTICS).status_code == 200


@override_settings(ACCOUNT_STATISTICS_MAX_AGE=60)
def test_issue_18_defect_6_cached_figures_are_counted_again_after_a_status_change(
    admin_client, operator
):
    """The page's figures are cached, yet the count after a change equals its drill-down."""
    cache.clear()
    account = AccountFactory(actor=operator)
    admin_client.get(STATISTICS)  # cached now: no account suspended
    services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    html = admin_client.get(STATISTICS).content.decode()
    row = html.split('data-backend-status="suspended"')[1].split("</tr>")[0]
    link = row.split('class="statistics-count" href="')[1].split('"')[0].replace("&amp;", "&")
    count = int(row.split(f'href="{link.replace("&", "&amp;")}">')[1].split("<")[0])
    drill_down = admin_client.get(link).content.decode()
    assert count == 1 == drill_down.count('class="action-select"')
    assert count == Account.objects.filter(status_type__backend_status=S.SUSPENDED).count()


@override_settings(ACCOUNT_STATISTICS_MAX_AGE=60)
def test_r_r3_a_reseller_operator_sees_their_resellers_accounts_only(
    client, admin_client, operator
):
    """The page counts a reseller operator's accounts, cached apart from the provider's."""
    from accounts.admin_groups import SUPPORT_AGENT
    from accounts.models import Reseller
    from accounts.scoping import make_reseller_operator

    from .conftest import staff_in

    cache.clear()
    mine, theirs = (Reseller.objects.create(name=name) for name in ("Reseller A", "Reseller B"))
    own = [AccountFactory(actor=operator) for _ in range(3)]
    other = AccountFactory(actor=operator)
    services.change_status(own[0], "Suspended", actor=operator, reason="Abuse")
    services.change_status(other, "Suspended", actor=operator, reason="Abuse")
    Account.objects.filter(pk__in=[a.pk for a in own]).update(reseller=mine)
    Account.objects.filter(pk=other.pk).update(reseller=theirs)
    item(own[1], operator, "10.00", 5)  # below the threshold: Credit hold (R-CH1)
    item(other, operator, "99.00", 5)
    admin_client.get(STATISTICS)  # the provider's figures cached first
    user = staff_in(SUPPORT_AGENT, "reseller-a-agent")
    make_reseller_operator(user, mine.pk)
    client.force_login(user)
    html = client.get(STATISTICS).content.decode()

    def now_of(backend: str) -> int:
        row = html.split(f'data-backend-status="{backend}"')[1].split("</tr>")[0]
        return int(row.split('class="statistics-count"')[1].split(">")[1].split("<")[0])

    assert (now_of(S.ACTIVE), now_of(S.SUSPENDED), now_of(S.CREDIT_HOLD)) == (1, 1, 1)
    assert ">10.00<" in html and "99.00" not in html
