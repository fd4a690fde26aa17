"""Every control-panel URL × every back-end status × {member, non-member} gets the status code and
message the one access table says (DESIGN §2, R-C2, R-C3, R-CH8); a user of company A can never
read or change anything of company B."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from accounts.models import BackendStatus as S
from accounts.panel import access
from accounts.panel.views.base import PanelView
from billing.services import required_payment
from tests.accounts.factories import UserFactory

from .companies import ALL_STATUSES, URLS, company_in, footprint, text

pytestmark = pytest.mark.django_db
BLOCKED = {S.ADMINISTRATIVE_HOLD, S.CANCELLED, S.DELETED}


def request(client, url, path):
    if url.method == "POST":
        return client.post(path, {})
    return client.get(path)


def expected(status: str, url) -> tuple[set[int], str]:
    """The codes a member may get for `url` in `status`, and the message the page must show."""
    if status in BLOCKED:
        return {403}, access.blocked_message(status)
    if not access.allows(status, url.capability):
        return {403}, ""  # the refusal text is checked against the table with its amount
    if url.method == "POST" or url.name == "pay_required":
        return {200, 302, 400}, ""  # allowed through the gate: the service or form decides
    if url.needs == "subscription" and status == S.PROSPECT:
        return {404}, ""  # a Prospect cannot have subscriptions: ordering needs Active
    return {200}, ""


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_panel_url_answers_a_member_as_the_access_table_says(client, operator, status):
    company = company_in(status, operator)
    client.force_login(company.user)
    mismatches = []
    for url in URLS:
        before = footprint(company.account)
        response = request(client, url, url.path(company.number, company))
        codes, message = expected(status, url)
        body = text(response)
        if response.status_code not in codes:
            mismatches.append((url.name, url.method, response.status_code, sorted(codes)))
            continue
        if response.status_code == 403:
            company.account.refresh_from_db()
            wanted = message or access.refusal_message(
                status,
                url.capability,
                amount=required_payment(company.account),
                currency=company.account.currency,
            )
            if wanted not in body:
                mismatches.append((url.name, url.method, "missing message", wanted))
            if footprint(company.account) != before:
                mismatches.append((url.name, url.method, "a refused request changed data"))
    assert mismatches == [], "\n".join(map(str, mismatches))


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_a_non_member_gets_404_for_every_panel_url_and_changes_nothing(client, operator, status):
    company = company_in(status, operator)
    stranger = UserFactory()
    client.force_login(stranger)
    before = footprint(company.account)
    answers = {
        (url.name, url.method): request(client, url, url.path(company.number, company)).status_code
        for url in URLS
    }
    assert set(answers.values()) == {404}, answers
    assert footprint(company.account) == before


def test_a_staff_user_who_is_not_a_member_gets_404_too(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(operator)  # a superuser, but the panel is for members only
    assert client.get(URLS[0].path(company.number, company)).status_code == 404


@pytest.mark.parametrize("status", [S.ACTIVE, S.CREDIT_HOLD])
def test_a_user_of_company_a_can_never_read_or_change_company_b(client, operator, status):
    a = company_in(S.ACTIVE, operator)
    b = company_in(status, operator)
    client.force_login(a.user)
    before = footprint(b.account)
    answers = {}
    for url in URLS:
        # B's number, and A's number with B's ids: both are "no such page", never 403 or 500.
        answers[(url.name, url.method, "b")] = request(
            client, url, url.path(b.number, b)
        ).status_code
        if url.needs:
            answers[(url.name, url.method, "a+b-ids")] = request(
                client, url, url.path(a.number, a, ids_of=b)
            ).status_code
    assert set(answers.values()) == {404}, answers
    assert footprint(b.account) == before


def test_every_company_page_of_the_panel_is_gated_by_the_access_table():
    """No company page escapes the table: each view names the capability it needs."""
    patterns = [
        p
        for p in get_resolver().url_patterns
        if getattr(p, "pattern", None) and "panel" in str(p.pattern)
    ]
    assert patterns, "the panel is mounted"
    panel = patterns[0].url_patterns
    company_views = [
        p for p in panel if isinstance(p, URLPattern) and "<str:number>" in str(p.pattern)
    ]
    assert len(company_views) == len({u.name for u in URLS})
    for pattern in company_views:
        view = pattern.callback.view_class
        assert issubclass(view, PanelView), pattern.name
        assert isinstance(view.capability, access.Capability), pattern.name
