"""Issue 18: the account list's search (members, invoice number, payment reference), its filters
(balance range, dunning policy, renewal deadline R-G3, exemption R-X2) with bad input as a
message, its streamed CSV export (the page's rows, injection-safe, a view permission) and the
ledger's export of an account."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.admin_export import safe_cell
from accounts.admin_filters import MSG_BAD_AMOUNT, MSG_BAD_DAYS, MSG_RANGE_REVERSED
from accounts.models import Account
from billing import services as billing
from billing.models import DunningPolicy
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

from .conftest import messages_of

LIST = reverse("admin:accounts_account_changelist")
EXPORT = reverse("admin:accounts_account_export")


def numbers(response) -> list[str]:
    return sorted(a.number for a in response.context["cl"].result_list)


def export_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def agent_client(client, support_agent):
    client.force_login(support_agent)
    return client


@pytest.fixture
def three(operator):
    """Acme (balance 50), Beta (-20, invoiced), Gamma (0, VIP)."""
    acme = AccountFactory(name="Acme", actor=operator)
    beta = AccountFactory(name="Beta", actor=operator)
    gamma = AccountFactory(name="Gamma", actor=operator)
    billing.set_financial_blocking_threshold(beta, "-100", actor=operator)
    billing.record_payment(acme, "50.00", idempotency_key="api:pay-4711", actor=operator)
    billing.issue_invoice(beta, amount="20.00", billing_date=timezone.localdate(), actor=operator)
    services.set_dunning_exemption(gamma, exempt=True, actor=operator)
    return acme, beta, gamma


# --- search ---


def test_search_finds_an_account_by_a_members_email_or_user_name(agent_client, three):
    acme = three[0]
    MembershipFactory(account=acme, user=UserFactory(username="jdoe", email="jane@acme.test"))
    assert numbers(agent_client.get(LIST, {"q": "jane@acme"})) == [acme.number]
    assert numbers(agent_client.get(LIST, {"q": "jdoe"})) == [acme.number]


def test_search_finds_an_account_by_its_exact_invoice_number(agent_client, three):
    beta = three[1]
    number = beta.invoices.get().number
    assert numbers(agent_client.get(LIST, {"q": number})) == [beta.number]
    assert numbers(agent_client.get(LIST, {"q": number.lower()})) == [beta.number]
    assert numbers(agent_client.get(LIST, {"q": number[:-2] + "99"})) == []


def test_search_finds_an_account_by_a_payment_reference_as_the_api_took_it(agent_client, three):
    assert numbers(agent_client.get(LIST, {"q": "pay-4711"})) == [three[0].number]


def test_search_by_reference_keeps_the_lists_filters(agent_client, three):
    response = agent_client.get(LIST, {"q": "pay-4711", "balance_max": "0"})
    assert numbers(response) == []


# --- filters ---


def test_balance_range_filter_is_inclusive(agent_client, three):
    acme, beta, gamma = three
    response = agent_client.get(LIST, {"balance_min": "-20", "balance_max": "0"})
    assert numbers(response) == sorted([beta.number, gamma.number])
    assert numbers(agent_client.get(LIST, {"balance_min": "0.01"})) == [acme.number]


@pytest.mark.parametrize("bad", ["abc", "1e400", "NaN", "--5", "12,,3.4.5"])
def test_a_balance_that_is_not_an_amount_is_a_message_not_a_500(agent_client, three, bad):
    response = agent_client.get(LIST, {"balance_min": bad})
    assert response.status_code == 200
    assert MSG_BAD_AMOUNT.format(value=bad, bound="minimum") in messages_of(response)
    assert len(response.context["cl"].result_list) == 3  # not applied


def test_a_reversed_balance_range_is_a_message(agent_client, three):
    response = agent_client.get(LIST, {"balance_min": "10", "balance_max": "-10"})
    assert response.status_code == 200
    text = MSG_RANGE_REVERSED.format(low=Decimal("10"), high=Decimal("-10"))
    assert text in messages_of(response)


def test_policy_filter_counts_accounts_without_a_policy_as_the_defaults(agent_client, three):
    default = DunningPolicy.objects.get(is_default=True)
    other = DunningPolicy.objects.exclude(pk=default.pk).first()
    acme = three[0]
    billing.assign_policy(acme, other, actor=acme.status_changes.first().actor_user)
    assert numbers(agent_client.get(LIST, {"policy": other.pk})) == [acme.number]
    assert acme.number not in numbers(agent_client.get(LIST, {"policy": default.pk}))
    assert len(numbers(agent_client.get(LIST, {"policy": default.pk}))) == 2


def test_an_unknown_policy_is_a_message(agent_client, three):
    response = agent_client.get(LIST, {"policy": "nope"})
    assert response.status_code == 200
    assert any("not a choice of the dunning policy filter" in m for m in messages_of(response))


def test_r_g3_renewal_deadline_filter_has_passed_and_within_n_days(agent_client, three, operator):
    acme, beta, _gamma = three
    today = timezone.localdate()
    Account.objects.filter(pk=acme.pk).update(renewal_deadline=today - timedelta(days=1))
    Account.objects.filter(pk=beta.pk).update(renewal_deadline=today + timedelta(days=3))
    assert numbers(agent_client.get(LIST, {"renewal": "passed"})) == [acme.number]
    assert numbers(agent_client.get(LIST, {"renewal": "within-3"})) == [beta.number]
    assert numbers(agent_client.get(LIST, {"renewal": "within-2"})) == []
    assert len(numbers(agent_client.get(LIST, {"renewal": "set"}))) == 2


def test_r_g3_a_bad_number_of_days_is_a_message(agent_client, three):
    response = agent_client.get(LIST, {"renewal": "within-x"})
    assert response.status_code == 200
    assert MSG_BAD_DAYS.format(value="x") in messages_of(response)


def test_r_x2_exemption_filter(agent_client, three, operator):
    acme, beta, gamma = three
    later = timezone.localdate() + timedelta(days=5)
    services.set_dunning_exemption(beta, exempt=False, until=later, actor=operator)
    assert numbers(agent_client.get(LIST, {"exemption": "vip"})) == [gamma.number]
    assert numbers(agent_client.get(LIST, {"exemption": "until"})) == [beta.number]
    assert numbers(agent_client.get(LIST, {"exemption": "now"})) == sorted(
        [beta.number, gamma.number]
    )
    assert numbers(agent_client.get(LIST, {"exemption": "none"})) == [acme.number]


# --- export ---


def test_export_streams_exactly_the_filtered_lists_rows(agent_client, three):
    response = agent_client.get(EXPORT, {"balance_max": "0", "q": "a"})
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = export_rows(response)
    expected = Account.objects.filter(balance__lte=0, name__icontains="a").order_by("number")
    assert [r["Account number"] for r in rows] == [a.number for a in expected]
    beta = next(r for r in rows if r["Name"] == "Beta")
    assert (beta["Balance"], beta["Financial blocking threshold"]) == ("-20.00", "-100.00")


def test_the_list_links_its_export_with_the_same_filters(agent_client, three):
    response = agent_client.get(LIST, {"balance_max": "0", "p": "1"})
    assert response.context["export_url"] == f"{EXPORT}?balance_max=0"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Acme = fine", "Acme = fine"),
    ],
)
def test_csv_cells_that_could_start_a_formula_are_quoted(text, written):
    assert safe_cell(text) == written


def test_exported_account_names_cannot_run_as_formulas_but_numbers_stay(agent_client, operator):
    AccountFactory(name="=cmd|' /C calc'!A0", actor=operator)
    account = AccountFactory(name="Debtor", actor=operator)
    billing.post_charge(account, "5.00", description="Setup", actor=operator)
    rows = {r["Name"]: r for r in export_rows(agent_client.get(EXPORT))}
    assert "'=cmd|' /C calc'!A0" in rows
    assert rows["Debtor"]["Balance"] == "-5.00"  # a number, not text


def test_export_needs_the_view_permission_on_accounts(client, three):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(EXPORT).status_code == 403
    url = reverse("admin:accounts_account_export_account", args=[three[0].pk, "ledger"])
    assert client.get(url).status_code == 403


def test_the_ledger_export_is_the_accounts_ledger_oldest_first(agent_client, three):
    acme = three[0]
    url = reverse("admin:accounts_account_export_account", args=[acme.pk, "ledger"])
    rows = export_rows(agent_client.get(url))
    assert [(r["Kind"], r["Amount"], r["Reference"]) for r in rows] == [
        ("payment", "50.00", "api:pay-4711")
    ]
    assert sum(Decimal(r["Amount"]) for r in rows) == Account.objects.get(pk=acme.pk).balance


def test_an_unknown_export_or_account_is_a_404(agent_client, three):
    bad = reverse("admin:accounts_account_export_account", args=[three[0].pk, "nope"])
    assert agent_client.get(bad).status_code == 404
    gone = reverse("admin:accounts_account_export_account", args=[999999, "ledger"])
    assert agent_client.get(gone).status_code == 404


def test_the_filters_survive_show_counts(agent_client, three):
    """Django's "Show counts" (facets) asks every filter for a count per choice."""
    response = agent_client.get(LIST, {"_facets": "True", "balance_min": "0", "renewal": "set"})
    assert response.status_code == 200
    assert numbers(response) == []


def test_the_overview_links_the_ledger_export(agent_client, three):
    acme = three[0]
    page = agent_client.get(reverse("admin:accounts_account_overview", args=[acme.pk]))
    url = reverse("admin:accounts_account_export_account", args=[acme.pk, "ledger"])
    assert f'href="{url}"' in page.content.decode()


def test_the_export_takes_the_admins_scope_from_get_queryset(agent_client, three, monkeypatch):
    """Whatever get_queryset leaves out (a reseller operator's scope, R-R3) is not exported, and
    an account outside it has no ledger export (404)."""
    acme, beta, gamma = three
    admin = site._registry[Account]
    scoped = admin.get_queryset
    monkeypatch.setattr(admin, "get_queryset", lambda request: scoped(request).exclude(pk=beta.pk))
    rows = export_rows(agent_client.get(EXPORT))
    assert sorted(r["Account number"] for r in rows) == sorted([acme.number, gamma.number])
    url = reverse("admin:accounts_account_export_account", args=[beta.pk, "ledger"])
    assert agent_client.get(url).status_code == 404
