"""Issue 19: the API's human docs (Swagger UI from drf-spectacular-sidecar, served by our own
static files) load in real Chromium under the enforced CSP without a violation and show the
operations read from /api/v1/schema/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_csp import watched  # noqa: F401 - the page that records CSP violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_load_under_the_policy_without_a_violation(watched, live_server):  # noqa: F811
    page = watched
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20000)
    expect(page.get_by_text("/api/v1/accounts/{account_number}/payments/").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.violations() == []
    assert all(url.startswith(live_server.url) for url in requests)  # no CDN
