"""Issue 18 in real Chromium: the Account Statistics page's charts carry the database's numbers
(R-E2 counts per status now and at each week end, R-B3 aging buckets from the open items, the
dunning funnel from the ladder's states, R-D1…R-D4). Each expectation is counted here one row
at a time, independently of the page's GROUP BY queries. SCREENSHOT_DIR=docs/screenshots keeps
the picture."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services
from accounts.models import Account, AccountStatusType, StatusChange
from billing import services as billing
from billing.models import DunningState, OpenItem
from billing.statistics import AGING_BUCKETS
from billing.sweeps import dunning_sweep
from tests.accounts.factories import AccountFactory
from tests.subscriptions.factories import funded_account, put_on_credit_hold

from .test_admin_portal import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
INVOICE_AGES = (3, 9, 16, 25, 40, 52, 75, 95, 130)  # days since each arrears invoice


def build_history(operator) -> Account:
    """Twelve weeks of a growing book: accounts opened every week, some suspended or put on
    credit hold along the way; arrears invoices of every age, swept by the dunning ladder today;
    one account pays in full (R-D4). Returns the account that paid."""
    now = timezone.now()
    opened: list[Account] = []
    for week in range(12, -1, -1):
        with time_machine.travel(now - timedelta(days=7 * week, hours=2), tick=False):
            opened += [AccountFactory(actor=operator) for _ in range(3 + (12 - week) // 3)]
            if week % 4 == 1:
                services.change_status(opened[-2], "Suspended", actor=operator, reason="Abuse")
            if week % 3 == 2:
                put_on_credit_hold(funded_account(operator, "20.00"), operator)
    today = timezone.localdate()
    arrears = []
    for n, days in enumerate(INVOICE_AGES):
        account = AccountFactory(actor=operator)
        billing.set_financial_blocking_threshold(account, "-5000", actor=operator)
        amount = Decimal("40.00") + 15 * n
        billing.issue_invoice(
            account, amount=amount, billing_date=today - timedelta(days=days), actor=operator
        )
        arrears.append(account)
    dunning_sweep(today)
    payer = arrears[0]
    billing.record_payment(payer, "40.00", actor=operator, idempotency_key="stats-e2e")
    return payer


def status_on(day, account_ids) -> dict[int, int]:
    """{status type id: accounts} at the end of `day`, from each account's own history."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    counts: dict[int, int] = {}
    for account_id in account_ids:
        last = (
            StatusChange.objects.filter(account_id=account_id, effective_at__lt=end)
            .order_by("-effective_at", "-id")
            .first()
        )
        if last is not None:
            counts[last.to_type_id] = counts.get(last.to_type_id, 0) + 1
    return counts


def aging_by_hand(today) -> dict[str, Decimal]:
    found = {key: Decimal("0.00") for key, *_ in AGING_BUCKETS}
    for item in OpenItem.objects.filter(settled_at__isnull=True):
        days = (today - item.due_date).days
        for key, _label, fewest, most in AGING_BUCKETS:
            if days >= fewest and (most is None or days <= most):
                found[key] += item.amount - item.settled
    return found


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_r_e2_r_b3_r_d_the_statistics_charts_show_the_databases_numbers(
    page, live_server, operator, tmp_path
):
    payer = build_history(operator)
    today = timezone.localdate()
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, operator.username)
    page.goto(live_server.url + reverse("admin:index"))
    page.click("#statistics-page-link")
    expect(page.locator("h1")).to_have_text("Account Statistics")
    assert page.locator("#chart-status svg polygon").count() >= 3

    # R-E2: every row's count now and on the week ends shown, against each account's history.
    ids = list(Account.objects.values_list("pk", flat=True))
    headers = page.locator("#status-over-time thead th").all_text_contents()[1:]
    assert headers[-1] == "Now" and len(headers) == 13
    week_ends = [today - timedelta(days=7 * n) for n in range(12, -1, -1)]
    history = {d: status_on(d, ids) for d in (week_ends[0], week_ends[6], week_ends[-1])}
    for row in page.locator("#status-over-time tbody tr").all():
        backend = row.get_attribute("data-backend-status")
        cells = [int(t) for t in row.locator("td").all_inner_texts()]
        shown = AccountStatusType.objects.filter(backend_status=backend, show_in_statistics=True)
        type_ids = set(shown.values_list("pk", flat=True))
        now = Account.objects.filter(status_type__in=type_ids).count()
        assert cells[-1] == now, backend
        for index in (0, 6, 12):
            counts = history[week_ends[index]]
            assert cells[index] == sum(counts.get(t, 0) for t in type_ids), (backend, index)

    # R-B3: the aging buckets from the open items, one item at a time.
    expected = aging_by_hand(today)
    for key, amount in expected.items():
        cell = page.locator(f'.aging-table tr[data-bucket="{key}"] td.amount')
        assert number(cell.inner_text()) == amount, key
    assert sum(expected.values()) > 0 and expected["d90_plus"] > 0

    # R-D1…R-D4: accounts on each step now, and the payment that released one.
    steps = page.locator('#funnel-table tr[data-stage="step"] td').all_inner_texts()
    on_ladder = DunningState.objects.filter(step__isnull=False).count()
    assert sum(int(t) for t in steps) == on_ladder
    assert on_ladder >= len(INVOICE_AGES) - 1  # every arrears account but the payer, and holds
    recovered = page.locator('#funnel-table tr[data-stage="recovered"] td').inner_text()
    assert int(recovered) == 1
    assert "40.00 USD" in page.locator("#money-recovered").inner_text()
    payer.refresh_from_db()
    assert payer.backend_status == "active"
    assert page.locator("#chart-aging .chart-stamp time").inner_text().count(":") == 1

    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "statistics.png"), full_page=True)
