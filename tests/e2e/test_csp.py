"""The enforced Content Security Policy (no inline script or style) in real Chromium: the admin and
the control panel work without a single violation on their key pages, menus and forms opened."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import BackendStatus as S
from tests.accounts.factories import MembershipFactory, OperatorFactory, UserFactory
from tests.accounts.states import account_in
from tests.panel.companies import company_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
# Records every violation the page reports, from the first script on.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, plus every CSP violation from its console and its DOM events."""
    seen: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def violations() -> list[str]:
        """What was reported since the last call."""
        found = seen + page.evaluate("window.__cspViolations.splice(0) || []")
        seen.clear()
        return found

    page.violations = violations
    return page


def visit(page, url: str, problems: dict) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = page.violations()
    if found:
        problems[url] = found


def test_the_admin_runs_under_the_policy_without_a_violation(watched, live_server):
    page, problems = watched, {}
    operator = OperatorFactory()
    account = account_in(S.ACTIVE, operator)
    MembershipFactory(user=UserFactory(username="customer-csp"), account=account)
    visit(page, f"{live_server.url}/admin/login/", problems)
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()
    for name, args in (
        ("admin:index", []),
        ("admin:accounts_account_overview", [account.pk]),
        ("admin:auth_user_changelist", []),
        ("admin:accounts_account_change", [account.pk]),
        ("admin:accounts_accountstatustype_add", []),
        ("admin:subscriptions_subscription_approval_queue", []),
    ):
        visit(page, live_server.url + reverse(name, args=args), problems)
    visit(page, live_server.url + reverse("admin:accounts_account_changelist"), problems)
    row = page.locator("#result_list tbody tr", has_text=account.number)
    row.locator("details.gear-menu > summary").click()
    row.get_by_role("button", name="Change status…").click()
    page.select_option("#id_status_type", index=2)  # reason-filter.js reacts
    page.wait_for_load_state("networkidle")
    found = page.violations()
    if found:
        problems["change status form"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)


def test_the_control_panel_runs_under_the_policy_without_a_violation(
    watched, live_server, operator
):
    page, problems = watched, {}
    company = company_in(S.CREDIT_HOLD, operator)
    visit(page, f"{live_server.url}/panel/login/", problems)
    page.fill("#id_username", company.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.locator("#credit-hold-banner").wait_for()
    for name in ("dashboard", "transactions", "charges", "pay", "subscriptions", "profile"):
        visit(page, live_server.url + reverse(f"panel:{name}", args=[company.number]), problems)
    page.locator("#panel-menu").first.wait_for()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)


def test_every_response_carries_the_enforced_policy(client, db):
    response = client.get(reverse("admin:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "Content-Security-Policy-Report-Only" not in response
