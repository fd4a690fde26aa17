"""Issue 18 in real Chromium: the gear menu (1), where an action lands (2), Change status…'s
choices (3) and the cancel preview's buttons (9). SCREENSHOT_DIR=docs/screenshots keeps the
pictures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.admin_forms import WHY_AUTOMATIC
from accounts.admin_groups import BILLING_MANAGER
from accounts.models import BackendStatus as S
from tests.accounts.factories import OperatorFactory
from tests.accounts.states import account_in
from tests.admin.conftest import staff_in

from .test_admin_portal import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path):
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def csp_violations(page):
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


@pytest.fixture
def accounts_list(page, live_server):
    operator = OperatorFactory()
    staff_in(BILLING_MANAGER, "manager")
    accounts = [account_in(S.ACTIVE, operator, name=name) for name in ("Acme", "Delta", "Echo")]
    log_in(page, live_server, "manager")
    return accounts


def gear(page, account):
    return page.locator("#result_list tbody tr", has_text=account.number).locator(
        "details.gear-menu"
    )


def open_menus(page):
    return page.locator("details.gear-menu[open]").count()


@pytest.mark.parametrize("width", [1366, 1440])
def test_one_gear_menu_open_at_a_time_closed_by_escape_and_outside_click_and_inside_the_window(
    page, live_server, accounts_list, csp_violations, width
):
    acme, delta, _echo = accounts_list
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))

    # The Actions column is not cut off: every ⚙ is inside the window.
    for account in accounts_list:
        box = gear(page, account).locator("summary").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width

    gear(page, acme).locator("summary").click()
    items = gear(page, acme).locator(".gear-items")
    expect(items).to_be_visible()
    box = items.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # never wider than the window

    gear(page, delta).locator("summary").click()  # opening another closes the first
    expect(gear(page, delta).locator(".gear-items")).to_be_visible()
    expect(items).to_be_hidden()
    assert open_menus(page) == 1

    page.keyboard.press("Escape")
    assert open_menus(page) == 0
    focused = page.evaluate("document.activeElement.closest('tr').textContent")
    assert delta.number in focused  # focus is back on Delta's ⚙

    gear(page, acme).locator("summary").click()
    page.locator("#content h1").click()  # a click outside closes it
    assert open_menus(page) == 0
    assert csp_violations == []


def test_a_closed_gear_menu_never_covers_the_next_rows_gear(page, live_server, accounts_list):
    acme, delta, _echo = accounts_list
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    gear(page, acme).locator("summary").click()
    page.keyboard.press("Escape")
    summary = gear(page, delta).locator("summary")
    box = summary.bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('tr').textContent",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert delta.number in hit and acme.number not in hit
    summary.click()
    expect(gear(page, delta).locator(".gear-items")).to_be_visible()
    assert open_menus(page) == 1


def test_the_gear_menu_works_from_the_keyboard(page, live_server, accounts_list):
    acme, _delta, _echo = accounts_list
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    summary = gear(page, acme).locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert open_menus(page) == 1
    page.keyboard.press("ArrowDown")
    labels = gear(page, acme).locator(".gear-item").all_inner_texts()
    assert page.evaluate("document.activeElement.textContent") == labels[0]
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == labels[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == labels[-1]  # wraps around
    page.keyboard.press("Escape")
    assert open_menus(page) == 0
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press(" ")  # Space opens it too
    assert open_menus(page) == 1
    page.keyboard.press("Tab")  # and Tab goes through the items
    assert page.evaluate("document.activeElement.textContent") == labels[0]


def test_after_a_gear_action_from_the_list_the_operator_is_on_the_accounts_overview(
    page, live_server, accounts_list, shots
):
    acme = accounts_list[0]
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    gear(page, acme).locator("summary").click()
    gear(page, acme).get_by_role("button", name="Change status…").click()
    expect(page.locator("select[name=status_type]")).to_be_visible()  # the form has loaded

    options = page.locator("select[name=status_type] option[data-backend]")
    offered = {o.get_attribute("data-backend") for o in options.all()}
    assert S.CREDIT_HOLD not in offered and S.PROSPECT not in offered
    assert S.SUSPENDED in offered
    expect(page.locator(".field-status_type .help")).to_contain_text(
        f"Credit hold ({WHY_AUTOMATIC})"
    )
    page.screenshot(path=str(shots / "admin-change-status.png"), full_page=True)

    page.select_option("select[name=status_type]", label="Suspended (Suspended)")
    page.select_option("select[name=reason]", label="Abuse")
    page.locator("#action-confirm").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("is now Suspended")
    assert page.url == live_server.url + reverse("admin:accounts_account_overview", args=[acme.pk])


def test_the_cancel_preview_has_one_styled_confirm_a_change_and_a_back_link(
    page, live_server, accounts_list, shots
):
    acme = accounts_list[0]
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("admin:accounts_account_overview", args=[acme.pk]))
    page.locator("#overview-actions").get_by_role("button", name="Cancel…").click()
    page.get_by_label("Immediately with no refund").check()
    page.select_option("select[name=reason]", label="Customer request")
    page.get_by_role("button", name="Preview ledger entries").click()

    row = page.locator(".submit-row")
    expect(row.get_by_role("button")).to_have_count(2)
    confirm = row.get_by_role("button", name="Confirm: Cancel account")
    expect(confirm).to_be_visible()
    expect(row.get_by_role("button", name="Change")).to_be_visible()
    expect(row.get_by_role("link", name="Back")).to_be_visible()
    assert page.get_by_role("button", name="Cancel", exact=True).count() == 0
    assert page.get_by_role("link", name="Cancel", exact=True).count() == 0
    colours = confirm.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b.nextElementSibling)"
        ".backgroundColor]"
    )
    assert colours[0] != colours[1]  # the primary button stands out from "Change"
    page.screenshot(path=str(shots / "admin-cancel-preview.png"), full_page=True)

    confirm.click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(acme.number)
    assert page.url == live_server.url + reverse("admin:accounts_account_overview", args=[acme.pk])


@pytest.mark.parametrize("width", [1366, 1440])
def test_on_the_demo_data_the_actions_column_is_whole_with_the_sidebar_open(
    page, live_server, width
):
    from django.core.management import call_command

    call_command("seed_demo", password="e2e-demo-pass")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "operator", "e2e-demo-pass")
    page.goto(live_server.url + reverse("admin:accounts_account_changelist"))
    expect(page.locator("#nav-sidebar")).to_be_visible()
    scroll = page.locator("#changelist .results").evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert scroll[0] <= scroll[1]  # nothing hidden behind a horizontal scroll bar
    summaries = page.locator("#result_list details.gear-menu > summary")
    rows = page.locator("#result_list tbody tr").count()
    deleted = page.locator("#result_list tbody tr", has_text="Deleted").count()
    assert rows and summaries.count() == rows - deleted  # every account but a deleted one
    for summary in summaries.all():
        box = summary.bounding_box()
        assert box["x"] + box["width"] <= width


def test_r_e2_a_statistics_count_and_its_drill_down_agree_right_after_a_status_change(
    page, live_server, settings
):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command

    from accounts import services
    from accounts.models import Account
    from accounts.selectors import STATISTICS_CACHE_KEY

    settings.ACCOUNT_STATISTICS_MAX_AGE = 60  # as in production: cached between changes
    cache.delete(STATISTICS_CACHE_KEY)
    call_command("seed_demo", password="e2e-demo-pass")
    log_in(page, live_server, "operator", "e2e-demo-pass")

    def shown(status):
        row = page.locator(f"#account-statistics-module tr[data-backend-status={status}]")
        return row.locator(".statistics-count")

    held_before, suspended_before = (
        int(shown(S.CREDIT_HOLD).inner_text()),
        int(shown(S.SUSPENDED).inner_text()),
    )
    expect(page.locator("#statistics-age")).to_contain_text("As of ")
    held = Account.objects.filter(status_type__backend_status=S.CREDIT_HOLD).first()
    services.change_status(
        held,
        services.default_status_type(S.SUSPENDED),
        actor=get_user_model().objects.get(username="operator"),
        reason="Abuse",
    )
    page.reload()  # within the minute the counts used to be kept
    assert int(shown(S.CREDIT_HOLD).inner_text()) == held_before - 1
    suspended = shown(S.SUSPENDED)
    assert int(suspended.inner_text()) == suspended_before + 1
    suspended.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(suspended_before + 1)
    page.goto(live_server.url + reverse("admin:index"))
    shown(S.CREDIT_HOLD).click()
    expect(page.locator("#result_list tbody tr")).to_have_count(held_before - 1)
    cache.delete(STATISTICS_CACHE_KEY)


def test_a_dunning_policys_step_rows_fit_a_1440_px_window(page, live_server, shots):
    from billing.models import DunningPolicy

    policy = DunningPolicy.objects.get(name="Standard ladder")  # 4 steps (billing 0004, 0013)
    staff_in(BILLING_MANAGER, "manager")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "manager")
    page.goto(live_server.url + reverse("admin:billing_dunningpolicy_change", args=[policy.pk]))
    # Issue 16: the steps are stacked — a line of conditions (R-D5), lines of effects (R-D6)
    table = page.locator("#steps-group")
    expect(table).to_be_visible()
    expect(table.get_by_text("Overdue items ≥").first).to_be_visible()
    width = table.evaluate("t => t.getBoundingClientRect().right")
    page.screenshot(path=str(shots / "admin-dunning-policy.png"), full_page=True)
    assert width <= 1440, width
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440


def test_the_accounts_history_page_shows_its_domain_history(page, live_server, shots):
    from django.core.management import call_command

    from accounts.models import Account

    call_command("seed_demo", password="e2e-demo-pass")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "operator", "e2e-demo-pass")
    delta = Account.objects.get(number="9000000004")  # the demo's dunning-suspended account
    page.goto(live_server.url + reverse("admin:accounts_account_history", args=[delta.pk]))
    expect(page.locator("#domain-history #overview-history tbody tr").first).to_be_visible()
    expect(page.locator("#domain-history #overview-ledger")).to_be_visible()
    assert "doesn’t have a change history" not in page.content()
    page.screenshot(path=str(shots / "admin-account-history.png"), full_page=True)
